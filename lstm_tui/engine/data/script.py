"""Which writing system a text is in: enough to tell Japanese from text a Latin-script model reads.

The app uses it to offer the Japanese model when someone types Japanese into an English one;
a model's own script comes from its vocabulary. Only letters count (kana, kanji, Latin letters…),
so punctuation, digits and spaces never tip the balance.
"""

from __future__ import annotations

from collections.abc import Iterable

JAPANESE_RANGES = (  # the commonest first: most letters are decided by the first two
    (0x3040, 0x30FF),  # hiragana, katakana (ー included)
    (0x4E00, 0x9FFF),  # CJK unified ideographs (kanji)
    (0x3005, 0x3007),  # 々 〆 〇
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # halfwidth katakana
    (0x20000, 0x3134F),  # CJK extensions B–G
)
FIRST_JAPANESE = min(low for low, _ in JAPANESE_RANGES)
"""Nothing below this code point is Japanese: Latin text is told apart with one comparison a letter."""
RECENT_LETTERS = 40
"""How many of the text's last letters `looks_japanese` weighs: the text typed now, not the whole file."""
MIN_LETTERS = 20
"""Fewer letters than this are no evidence either way (a name, a quote)."""
JAPANESE_SHARE = 0.5
"""From this share of kana and kanji among the letters weighed, a text (or a vocabulary) is Japanese."""
SCAN_CHARS = 500
"""At most this many characters from the end are read for the recent letters, so a long text of
punctuation or spaces never costs a keystroke more than a short loop."""


def is_japanese_letter(char: str) -> bool:
    """True for kana and kanji (and the iteration marks 々 〆 〇)."""
    code = ord(char)
    if code < FIRST_JAPANESE:
        return False
    for low, high in JAPANESE_RANGES:
        if low <= code <= high:
            return True
    return False


def japanese_share(chars: Iterable[str]) -> tuple[float, int]:
    """The share of kana/kanji among the letters of `chars`, and how many letters there were."""
    letters = japanese = 0
    for char in chars:
        if char.isalpha():
            letters += 1
            japanese += is_japanese_letter(char)
    return (japanese / letters if letters else 0.0), letters


def recent_letters(text: str, count: int = RECENT_LETTERS) -> str:
    """The last `count` letters of `text` (read from its end, at most `SCAN_CHARS` characters)."""
    found: list[str] = []
    for char in reversed(text[-SCAN_CHARS:]):
        if char.isalpha():
            found.append(char)
            if len(found) == count:
                break
    return "".join(reversed(found))


def looks_japanese(text: str) -> bool:
    """True when the text's recent letters (at least `MIN_LETTERS` of them) are mostly kana and kanji."""
    share, letters = japanese_share(recent_letters(text))
    return letters >= MIN_LETTERS and share >= JAPANESE_SHARE


def vocabulary_is_japanese(tokens: Iterable[str]) -> bool:
    """True when most letters in a model's vocabulary are kana and kanji (a Japanese model)."""
    share, _ = japanese_share(char for token in tokens for char in token)
    return share >= JAPANESE_SHARE
