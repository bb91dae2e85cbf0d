"""Aozora Bunko (青空文庫) format support.

Raw Aozora files carry markup that a language model should not learn: ruby
readings, editor notes, gaiji descriptions, a legend and a colophon.  The
cleaning here follows the rules in the shared corpora README, section 3b, so
text cleaned in the app matches the shipped ``ja/clean`` files exactly.
"""

from __future__ import annotations

import re
import unicodedata
from types import MappingProxyType

__all__ = ["clean_aozora", "looks_like_aozora"]

_RULER = re.compile(r"^-{5,}\s*$")
_LEGEND_TITLE = "【テキスト中に現れる記号について】"
_COLOPHON = "底本："
_COLOPHON_LINE = re.compile(r"^底本：", re.MULTILINE)
_LEGEND_WINDOW = 60

_RUBY = re.compile(r"《[^《》\n]*》")
_NOTE = re.compile(r"［＃[^］\n]*］")
_GAIJI = re.compile(r"※(［＃[^］\n]*］)")
_UNICODE_CODE = re.compile(r"U\+([0-9A-Fa-f]{4,6})")
_MEN_KU_TEN = re.compile(r"(?<![0-9])([12])-([0-9]{1,2})-([0-9]{1,2})(?![0-9])")
_ACCENT_SPAN = re.compile(r"〔([^〔〕\n]*)〕")

# Notes that give no code at all; mapped by hand as the README says.
_HAND_MAPPED_GAIJI = (
    ("感嘆符三つ", "！！！"),
    ("小書き平仮名ん", "ん"),
    ("「糸＋貴」", "繢"),
)

# Aozora accent-separation marks that map onto a Unicode combining character.
_COMBINING = MappingProxyType({
    "`": "\u0300",  # grave
    "'": "\u0301",  # acute
    "^": "\u0302",  # circumflex
    "~": "\u0303",  # tilde
    "_": "\u0304",  # macron
    ":": "\u0308",  # diaeresis
    "&": "\u030a",  # ring above (å); ligatures are handled first
    ",": "\u0327",  # cedilla
})
# Ligatures and letters with no combining-mark decomposition.
_SPECIAL_ACCENTS = MappingProxyType({
    "ae&": "æ",
    "AE&": "Æ",
    "oe&": "œ",
    "OE&": "Œ",
    "s&": "ß",
    "o/": "ø",
    "O/": "Ø",
})
_SPECIAL_ACCENT = re.compile("|".join(re.escape(k) for k in sorted(_SPECIAL_ACCENTS, key=len, reverse=True)))
_LETTER_MARK = re.compile(r"([A-Za-z])([`'^~_:&,])")


def looks_like_aozora(text: str) -> bool:
    """True when ``text`` carries Aozora markup, so the app can offer to clean it."""
    if _NOTE.search(text) or _RUBY.search(text):
        return True
    head = text.split("\n", _LEGEND_WINDOW)[:_LEGEND_WINDOW]
    if any(_LEGEND_TITLE in line for line in head) and sum(1 for line in head if _RULER.match(line)) >= 2:
        return True
    return _COLOPHON_LINE.search(text) is not None


def clean_aozora(text: str) -> str:
    """Turn a decoded Aozora file into plain text (README section 3b, steps 1-7).

    ``text`` must already have its BOM removed and line endings normalised to
    LF.  A gaiji note that gives neither ``U+XXXX``, a JIS X 0213 men-ku-ten
    code nor one of the three hand-mapped descriptions is *dropped* (with its
    ``※``) rather than replaced by 〓: a placeholder glyph would only teach the
    model a character that never occurs in real text.  None of the shipped
    corpora has such a note, so this does not change the expected output.
    """
    lines = _drop_legend(text.split("\n"))
    lines = _drop_colophon(lines)
    out: list[str] = []
    for line in lines:
        line = _GAIJI.sub(_resolve_gaiji, line)
        without_notes = _NOTE.sub("", line)
        if without_notes != line and not without_notes.strip():
            continue  # step 4: a line that held only notes is dropped
        line = _RUBY.sub("", without_notes).replace("｜", "")
        line = _ACCENT_SPAN.sub(_convert_accent_span, line)
        out.append(line.rstrip())
    return _collapse_blank_lines(out)


def _drop_legend(lines: list[str]) -> list[str]:
    """Step 1: drop the ruler-delimited legend if it sits near the top."""
    rulers = [i for i, line in enumerate(lines[:_LEGEND_WINDOW]) if _RULER.match(line)]
    if len(rulers) < 2:
        return lines
    first, second = rulers[0], rulers[1]
    return lines[:first] + lines[second + 1 :]


def _drop_colophon(lines: list[str]) -> list[str]:
    """Step 2: everything from the first ``底本：`` line on is credits, not text."""
    for i, line in enumerate(lines):
        if line.startswith(_COLOPHON):
            return lines[:i]
    return lines


def _resolve_gaiji(match: re.Match[str]) -> str:
    """Step 3: replace a ``※［＃…］`` gaiji note with its character, or drop it."""
    note = match.group(1)
    code = _UNICODE_CODE.search(note)
    if code:
        value = int(code.group(1), 16)
        if value <= 0x10FFFF:
            return chr(value)
    mkt = _MEN_KU_TEN.search(note)
    if mkt:
        char = _jis_x_0213(int(mkt.group(1)), int(mkt.group(2)), int(mkt.group(3)))
        if char:
            return char
    for description, char in _HAND_MAPPED_GAIJI:
        if description in note:
            return char
    return ""


def _jis_x_0213(men: int, ku: int, ten: int) -> str | None:
    """Look a JIS X 0213 plane-row-cell code up via the EUC-JIS-2004 codec."""
    if not (1 <= ku <= 94 and 1 <= ten <= 94):
        return None
    body = bytes((0xA0 + ku, 0xA0 + ten))
    data = body if men == 1 else b"\x8f" + body
    try:
        return data.decode("euc_jis_2004")
    except UnicodeDecodeError:
        return None


def _convert_accent_span(match: re.Match[str]) -> str:
    """Step 6: decode ``〔…〕`` accent notation when it wraps Latin text only."""
    content = match.group(1)
    if not _is_latin_only(content):
        return match.group(0)
    content = _SPECIAL_ACCENT.sub(lambda m: _SPECIAL_ACCENTS[m.group(0)], content)
    return _LETTER_MARK.sub(_compose, content)


def _compose(match: re.Match[str]) -> str:
    """Join a letter and its mark when Unicode has a precomposed character."""
    letter, mark = match.group(1), match.group(2)
    composed = unicodedata.normalize("NFC", letter + _COMBINING[mark])
    return composed if len(composed) == 1 else match.group(0)


def _is_latin_only(content: str) -> bool:
    """True for ASCII-letter text with no kana or kanji (so not e.g. 〔二十分停車〕)."""
    if not any("A" <= ch <= "Z" or "a" <= ch <= "z" for ch in content):
        return False
    return not any(_is_kana_or_kanji(ch) for ch in content)


def _is_kana_or_kanji(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x31F0 <= code <= 0x31FF  # katakana phonetic extensions
        or 0xFF66 <= code <= 0xFF9F  # halfwidth katakana
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= code <= 0xFAFF  # CJK compatibility ideographs
        or 0x20000 <= code <= 0x3FFFF  # CJK extensions B and later
        or ch in "々〆ヵヶ"
    )


def _collapse_blank_lines(lines: list[str]) -> str:
    """Step 7: one blank line at most between blocks, one newline at the end."""
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n" if out else ""
