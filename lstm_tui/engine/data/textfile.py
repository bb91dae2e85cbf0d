"""Reading user text files safely, and showing untrusted text in a terminal.

Users hand the app arbitrary paths: Aozora Shift_JIS files, EUC-JP dumps,
UTF-8 with or without a BOM, and now and then an image or a FIFO by mistake.
Every failure here is a one-line `UserError` that says what to do, and every
piece of file-derived text shown on screen goes through `neutralise` first so a
corpus cannot drive the terminal with escape sequences.

Text stored compressed (`.gz`, `.xz`: how the bundled corpora keep the repository
small) is decompressed on reading, with a size guard so a small archive cannot
expand past the memory the corpus could be prepared in.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import lzma
import os
import stat
import unicodedata
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType

from lstm_tui.engine.data.corpus_memory import BYTES_PER_FILE_BYTE, available_memory, human_size
from lstm_tui.engine.data.tokenizers import EOS
from lstm_tui.engine.errors import UserError

__all__ = [
    "TEXT_SUFFIXES", "DecodedText", "decode_bytes", "is_text_file_name", "neutralise", "read_text_file", "visible_token",
]

# What a folder of text files is read for: plain .txt, and .txt stored compressed.
TEXT_SUFFIXES = (".txt", ".txt.gz", ".txt.xz")
_COMPRESSION_BY_SUFFIX = MappingProxyType({".gz": "gzip", ".xz": "xz"})
# The most a compressed file may expand to where the free memory is unknown.
_DEFAULT_MAX_DECOMPRESSED = 2 * 2**30

_SNIFF_BYTES = 64 * 1024

# Magic numbers of the non-text files people most often pick by mistake, and what to call them.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh91AY&SY", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "an ELF executable"),
    (b"\x93NUMPY", "a NumPy array"),
)
_UTF16_32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UNICODE_BOMS = (codecs.BOM_UTF8, *_UTF16_32_BOMS)

# Python's cp932 turns the lone bytes 0x80, 0xA0 and 0xFD-0xFF into U+0080 and
# U+F8F0-U+F8F3 instead of failing; real Shift_JIS text never has them.
_CP932_LONE_BYTE_CHARS = frozenset("\x80\uf8f0\uf8f1\uf8f2\uf8f3")


@dataclass(frozen=True)
class DecodedText:
    """Decoded file text (BOM stripped, newlines LF) and how it was stored."""

    text: str
    encoding: str
    had_bom: bool
    had_crlf: bool  # any CR line ending (CRLF or a lone CR) was normalised
    sha256: str = ""  # of the file's bytes (after decompression), before decoding
    compression: str | None = None  # "gzip" or "xz" when the file was stored compressed


def is_text_file_name(name: str) -> bool:
    """Whether a folder's file is read as text: `.txt`, `.txt.gz` or `.txt.xz` (any case)."""
    return name.lower().endswith(TEXT_SUFFIXES)


def decode_bytes(data: bytes, name: str, encoding: str | None = None) -> DecodedText:
    """Decode ``data`` from file ``name``, strictly with ``encoding`` or by detection.

    Detection tries UTF-8 (with or without a BOM), then CP932 (Shift_JIS with the
    NEC/IBM extensions Aozora files use), then EUC-JP; when both Japanese codecs
    succeed the more plausibly Japanese result wins.
    """
    name = _one_line(name)
    _reject_binary(data, name, check_nul=encoding is None)
    if encoding is not None:
        text, used = _decode_forced(data, name, encoding)
        if "\x00" in text:
            raise UserError(
                f"{name} looks like a binary file, not text (it holds NUL characters); give a plain-text file"
            )
    else:
        text, used = _detect(data, name)
    # A UTF codec may have consumed the BOM itself (utf-8-sig, utf-16), so look at the bytes too.
    had_bom = text.startswith("\ufeff") or (used.startswith("utf") and data.startswith(_UNICODE_BOMS))
    if text.startswith("\ufeff"):
        text = text[1:]
    if used == "utf-8" and had_bom:
        used = "utf-8-sig"
    had_crlf = "\r" in text
    if had_crlf:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return DecodedText(text=text, encoding=used, had_bom=had_bom, had_crlf=had_crlf)


def read_text_file(path: Path, encoding: str | None = None, *, max_decompressed: int | None = None) -> DecodedText:
    """Read and decode a user-supplied text file, turning every problem into one line.

    A `.gz` or `.xz` file is decompressed first, to at most `max_decompressed` bytes (default:
    what the free memory could prepare as a corpus)."""
    path = Path(path)
    name = _one_line(os.fsdecode(path))
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise UserError(f"{name} does not exist; check the path") from None
    except PermissionError:
        raise UserError(f"{name} cannot be read: permission denied; check its permissions") from None
    except OSError as err:
        raise UserError(f"{name} cannot be read ({_reason(err)}); check the path") from None
    except ValueError:  # e.g. a NUL character in the path
        raise UserError(f"{name} is not a usable file name; check the path") from None
    _require_regular(info.st_mode, name)
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO after the stat, open must not hang.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except PermissionError:
        raise UserError(f"{name} cannot be read: permission denied; check its permissions") from None
    except OSError as err:
        raise UserError(f"{name} cannot be read ({_reason(err)}); check the path") from None
    try:
        _require_regular(os.fstat(fd).st_mode, name)
        with os.fdopen(fd, "rb") as handle:
            fd = -1
            data = handle.read()
    except OSError as err:
        raise UserError(f"{name} cannot be read ({_reason(err)}); check the file") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if not data:
        raise UserError(f"{name} is empty; give a file with some text in it")
    compression = _COMPRESSION_BY_SUFFIX.get(path.suffix.lower())
    if compression is not None:
        data = _decompress(data, name, compression, max_decompressed)
        if not data:
            raise UserError(f"{name} holds no text once decompressed; give a file with some text in it")
    decoded = decode_bytes(data, name, encoding)
    if not decoded.text.strip():
        raise UserError(f"{name} contains only whitespace; give a file with some text in it")
    return replace(decoded, sha256=hashlib.sha256(data).hexdigest(), compression=compression)


def _decompress(data: bytes, name: str, kind: str, limit: int | None) -> bytes:
    """The bytes inside a gzip or xz file, refusing more than `limit` of them."""
    if limit is None:
        have = available_memory()
        limit = have // BYTES_PER_FILE_BYTE if have is not None else _DEFAULT_MAX_DECOMPRESSED
    buffer = io.BytesIO(data)
    try:
        with (gzip.GzipFile(fileobj=buffer) if kind == "gzip" else lzma.LZMAFile(buffer)) as stream:
            inner = stream.read(limit + 1)
    except EOFError:
        raise UserError(f"{name} is a truncated {kind} file; copy it again, or give the uncompressed text") from None
    except (OSError, lzma.LZMAError, zlib.error) as err:
        raise UserError(
            f"{name} is not a readable {kind} file ({_reason_of(err)}); give the uncompressed text, or compress it again"
        ) from None
    if len(inner) > limit:
        raise UserError(
            f"{name} expands to more than {human_size(limit)}, more than this machine can prepare as a corpus; "
            f"train on a part of it (e.g. {kind} -dc FILE | head -c 200M > part.txt)"
        )
    return inner


def _reason_of(err: Exception) -> str:
    return _one_line(str(err) or type(err).__name__)


def neutralise(text: str) -> str:
    """Make untrusted text safe to print: every control becomes a visible placeholder.

    Escape sequences lose their ESC (shown as ␛) and keep their printable rest,
    so the user sees what was there but the terminal does not act on it.  Bidi
    controls are replaced too, since they can make shown text lie about order.
    Newlines, tabs and all ordinary text (Japanese included) are unchanged.
    """
    return text.translate(_NEUTRALISE)


def visible_token(token: str) -> str:
    """Show one vocabulary token so that whitespace and invisible tokens can be seen."""
    if not token:
        return "∅"
    if token == EOS:  # a word model's line end: shown as the line end it inserts
        return _WHITESPACE_GLYPHS["\n"]
    shown = neutralise("".join(_whitespace_glyph(ch) for ch in token))
    if all(unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in shown):
        return "".join(_code_marker(ord(ch)) for ch in shown)
    return shown


_WHITESPACE_GLYPHS = MappingProxyType({" ": "␣", "\n": "↵", "\t": "⇥"})
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Mn", "Me", "Cn"})


def _whitespace_glyph(ch: str) -> str:
    """Glyph for a whitespace character; controls such as CR are left to `neutralise`."""
    if ch in _WHITESPACE_GLYPHS:
        return _WHITESPACE_GLYPHS[ch]
    return "⍽" if ch.isspace() and ord(ch) not in _NEUTRALISE else ch


def _code_marker(code: int) -> str:
    return f"⟨U+{code:04X}⟩"


def _build_neutralise_table() -> MappingProxyType[int, str]:
    table: dict[int, str] = {}
    for code in range(0x20):
        if chr(code) not in "\n\t":
            table[code] = chr(0x2400 + code)  # Control Pictures: ␀ … ␟, ␛ for ESC
    table[0x7F] = "␡"
    for code in range(0x80, 0xA0):  # C1 controls, including 8-bit CSI (U+009B) and OSC (U+009D)
        table[code] = _code_marker(code)
    for code in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)):
        table[code] = _code_marker(code)
    for code in range(0xD800, 0xE000):  # lone surrogates cannot even be encoded for output
        table[code] = "\ufffd"
    return MappingProxyType(table)


_NEUTRALISE = _build_neutralise_table()


def _one_line(name: str) -> str:
    """A file name fit for a one-line message, whatever characters it holds (idempotent)."""
    return neutralise(name).replace("\n", "↵").replace("\t", "⇥")


def _reason(err: OSError) -> str:
    return err.strerror or type(err).__name__


def _require_regular(mode: int, name: str) -> None:
    if stat.S_ISDIR(mode):
        raise UserError(f"{name} is a directory; give a text file, not a folder")
    if not stat.S_ISREG(mode):
        kind = (
            "a FIFO" if stat.S_ISFIFO(mode)
            else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a special file"
        )
        raise UserError(f"{name} is not a regular file (it is {kind}); give a plain-text file")


def _reject_binary(data: bytes, name: str, *, check_nul: bool) -> None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise UserError(
                f"{name} looks like a binary file, not text (it starts like {kind}); give a plain-text file"
            )
    if not check_nul:
        return
    nul = data.find(b"\x00", 0, _SNIFF_BYTES)
    if nul < 0:
        return
    if data.startswith(_UTF16_32_BOMS):
        raise UserError(f"{name} looks like UTF-16 or UTF-32 text; re-save it as UTF-8 or pass --encoding utf-16")
    raise UserError(f"{name} looks like a binary file, not text (a NUL byte at offset {nul}); give a plain-text file")


def _decode_forced(data: bytes, name: str, encoding: str) -> tuple[str, str]:
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise UserError(
            f"unknown encoding {neutralise(encoding)!r}; pass a codec name such as utf-8, cp932 or euc_jp"
        ) from None
    try:
        return data.decode(codec.name, errors="strict"), codec.name
    except UnicodeDecodeError as err:
        raise UserError(
            f"{name} is not valid {codec.name} (bad byte at offset {err.start}); check the --encoding you passed"
        ) from None
    except (LookupError, TypeError, ValueError):  # a codec that is not bytes-to-text, such as rot13 or base64
        raise UserError(
            f"{neutralise(encoding)!r} is not a text encoding; pass one such as utf-8, cp932 or euc_jp"
        ) from None


def _detect(data: bytes, name: str) -> tuple[str, str]:
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        utf8_offset = err.start
    candidates: list[tuple[str, str]] = []
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError:
        pass
    else:
        if not _CP932_LONE_BYTE_CHARS.intersection(text):
            candidates.append((text, "cp932"))
    try:
        candidates.append((data.decode("euc_jp"), "euc_jp"))
    except UnicodeDecodeError:
        pass
    if not candidates:
        raise UserError(
            f"{name} is not UTF-8, Shift_JIS (cp932) or EUC-JP text (first bad UTF-8 byte at offset {utf8_offset}); "
            "pass --encoding NAME with the file's real encoding"
        )
    # max() keeps the first of equal scores, so cp932 wins ties.
    return max(candidates, key=lambda candidate: _japanese_score(candidate[0]))


def _japanese_score(text: str) -> float:
    """How plausibly a decode is Japanese: kana/kanji share minus odd characters."""
    if not text:
        return 0.0
    japanese = odd = 0
    for ch in text:
        code = ord(ch)
        if 0x3040 <= code <= 0x30FF or 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF:
            japanese += 1
        elif code == 0xFFFD or 0xE000 <= code <= 0xF8FF or 0xFF61 <= code <= 0xFF9F or 0x80 <= code <= 0x9F:
            odd += 1
    return (japanese - 2 * odd) / len(text)
