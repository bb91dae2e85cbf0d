"""Tests for safe reading of user text files and for terminal-safe display of text."""

from __future__ import annotations

import codecs
import gzip
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.data.textfile import DecodedText, decode_bytes, neutralise, read_text_file, visible_token
from tests.conftest import in_fixtures, in_shared

JAPANESE_SAMPLE = "吾輩は猫である。名前はまだ無い。\nどこで生れたかとんと見当がつかぬ。ニャーニャー泣いていた。\n"
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"

# Everything a terminal might act on: C0 (but newline and tab), DEL, C1, bidi controls.
FORBIDDEN = frozenset(
    [chr(c) for c in range(0x20) if chr(c) not in "\n\t"]
    + ["\x7f"]
    + [chr(c) for c in range(0x80, 0xA0)]
    + [chr(c) for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))]
)


def assert_one_line_error(excinfo: pytest.ExceptionInfo[UserError], *fragments: str) -> str:
    message = str(excinfo.value)
    assert message and "\n" not in message and "\r" not in message
    for fragment in fragments:
        assert fragment in message
    return message


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- decoding -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sjis", "utf8"),
    [
        in_fixtures("ja/rashomon_excerpt.sjis.txt", "ja/rashomon_excerpt.utf8.txt", id="fixture"),
        in_shared("ja/raw/rashomon.sjis.txt", "ja/raw/rashomon.utf8.txt", id="shared"),
    ],
)
def test_shift_jis_rashomon_decodes_as_cp932(sjis: Path, utf8: Path) -> None:
    decoded = read_text_file(sjis)
    expected = utf8.read_bytes().decode("utf-8").replace("\r\n", "\n")
    assert decoded.encoding == "cp932"
    assert decoded.had_crlf and not decoded.had_bom
    assert "\r" not in decoded.text
    assert decoded.text == expected


@pytest.mark.parametrize(
    "path", [in_fixtures("ja/rashomon_excerpt.utf8.txt", id="fixture"), in_shared("ja/raw/rashomon.utf8.txt", id="shared")]
)
def test_utf8_rashomon_detected_as_utf8(path: Path) -> None:
    decoded = read_text_file(path)
    assert (decoded.encoding, decoded.had_bom, decoded.had_crlf) == ("utf-8", False, True)
    assert decoded.text.startswith("羅生門\n芥川龍之介\n")


@pytest.mark.parametrize(
    "path",
    [in_fixtures("ja/wagahaiwa_nekodearu_excerpt.utf8.txt", id="fixture"), in_shared("ja/raw/wagahaiwa_nekodearu.utf8.txt", id="shared")],
)
def test_bom_file_detected_and_stripped(path: Path) -> None:
    decoded = read_text_file(path)
    assert (decoded.encoding, decoded.had_bom, decoded.had_crlf) == ("utf-8-sig", True, False)
    assert decoded.text.startswith("吾輩は猫である\n")


def test_small_bom_bytes() -> None:
    decoded = decode_bytes(codecs.BOM_UTF8 + "こんにちは\n".encode(), "x.txt")
    assert decoded == DecodedText(text="こんにちは\n", encoding="utf-8-sig", had_bom=True, had_crlf=False)


def test_euc_jp_round_trip() -> None:
    decoded = decode_bytes(JAPANESE_SAMPLE.encode("euc_jp"), "euc.txt")
    assert decoded.encoding == "euc_jp"
    assert decoded.text == JAPANESE_SAMPLE


def test_shift_jis_sample_prefers_cp932() -> None:
    decoded = decode_bytes(JAPANESE_SAMPLE.encode("shift_jis"), "sjis.txt")
    assert decoded.encoding == "cp932"
    assert decoded.text == JAPANESE_SAMPLE


def test_cp932_nec_extension_characters() -> None:
    text = "①の髙橋さん\n"  # NEC row-13 and IBM-extension characters that strict shift_jis rejects
    decoded = decode_bytes(text.encode("cp932"), "nec.txt")
    assert (decoded.encoding, decoded.text) == ("cp932", text)


def test_crlf_and_lone_cr_normalised(tmp_path: Path) -> None:
    decoded = read_text_file(write(tmp_path, "crlf.txt", b"one\r\ntwo\rthree\n"))
    assert decoded.text == "one\ntwo\nthree\n"
    assert decoded.had_crlf
    assert not decode_bytes(b"one\ntwo\n", "lf.txt").had_crlf


def test_forced_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, "latin.txt", "café crème\n".encode("latin-1"))
    with pytest.raises(UserError) as excinfo:
        read_text_file(path)
    assert_one_line_error(excinfo, "latin.txt", "--encoding")
    decoded = read_text_file(path, encoding="latin-1")
    assert decoded.text == "café crème\n"
    assert decoded.encoding == codecs.lookup("latin-1").name


def test_forced_encoding_is_strict() -> None:
    with pytest.raises(UserError) as excinfo:
        decode_bytes("日本語".encode("cp932"), "sjis.txt", encoding="utf-8")
    assert_one_line_error(excinfo, "sjis.txt", "offset 0")


@pytest.mark.parametrize("name", ["no-such-codec", "rot13", "base64"])
def test_forced_encoding_must_be_a_text_codec(name: str) -> None:
    with pytest.raises(UserError) as excinfo:
        decode_bytes(b"hello\n", "x.txt", encoding=name)
    assert_one_line_error(excinfo, name)


def test_undecodable_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.txt", b"hello \xff\xfe\xfa\xfd world\n")
    with pytest.raises(UserError) as excinfo:
        read_text_file(path)
    assert_one_line_error(excinfo, "bad.txt", "offset 6", "--encoding NAME")


def test_undecodable_at_start() -> None:
    with pytest.raises(UserError) as excinfo:
        decode_bytes(b"\xff\xfe\xfa\xfb\xfc\xfd", "junk.txt")
    assert_one_line_error(excinfo, "junk.txt", "offset 0", "--encoding")


# --- files that are not usable text --------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError) as excinfo:
        read_text_file(tmp_path / "nope.txt")
    assert_one_line_error(excinfo, "nope.txt", "does not exist; check the path")


def test_path_through_a_file(tmp_path: Path) -> None:
    with pytest.raises(UserError) as excinfo:
        read_text_file(write(tmp_path, "f.txt", b"x") / "child.txt")
    assert_one_line_error(excinfo, "does not exist")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(UserError) as excinfo:
        read_text_file(tmp_path)
    assert_one_line_error(excinfo, "is a directory")


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(UserError) as excinfo:
        read_text_file(write(tmp_path, "empty.txt", b""))
    assert_one_line_error(excinfo, "empty.txt", "is empty")


def test_whitespace_only_file(tmp_path: Path) -> None:
    with pytest.raises(UserError) as excinfo:
        read_text_file(write(tmp_path, "blank.txt", " \n\t\r\n\u3000\n".encode()))
    assert_one_line_error(excinfo, "blank.txt", "only whitespace")


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"text\x00with\x00nul", "NUL byte at offset 4"),
        (PNG_HEADER, "starts like a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
        (b"GIF89a\x01\x00", "GIF"),
        (b"%PDF-1.7\n", "PDF"),
        (b"PK\x03\x04\x14\x00", "ZIP"),
        (gzip.compress(b"hello"), "gzip"),
        (b"\x7fELF\x02\x01\x01", "starts like an ELF executable"),  # not "a ELF"
        (b"\xfd7zXZ\x00\x00", "starts like an xz archive"),
    ],
)
def test_binary_files(tmp_path: Path, data: bytes, fragment: str) -> None:
    with pytest.raises(UserError) as excinfo:
        read_text_file(write(tmp_path, "blob.bin", data))
    message = assert_one_line_error(excinfo, "blob.bin", "looks like a binary file", fragment)
    assert message.endswith("give a plain-text file")


def test_binary_rejected_even_with_forced_encoding() -> None:
    with pytest.raises(UserError):
        decode_bytes(PNG_HEADER, "img.png", encoding="latin-1")
    with pytest.raises(UserError):
        decode_bytes(b"a\x00b", "nul.txt", encoding="latin-1")


def test_utf16_hint() -> None:
    with pytest.raises(UserError) as excinfo:
        decode_bytes("hello\n".encode("utf-16"), "wide.txt")
    assert_one_line_error(excinfo, "wide.txt", "--encoding utf-16")
    assert decode_bytes("hello\n".encode("utf-16"), "wide.txt", encoding="utf-16").text == "hello\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(UserError) as excinfo:
        read_text_file(fifo)
    assert_one_line_error(excinfo, "pipe", "is not a regular file", "FIFO")


@pytest.mark.skipif(not Path(os.devnull).exists() or os.name != "posix", reason="needs a POSIX character device")
def test_character_device() -> None:
    with pytest.raises(UserError) as excinfo:
        read_text_file(Path(os.devnull))
    assert_one_line_error(excinfo, "is not a regular file")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores file permissions")
def test_permission_denied(tmp_path: Path) -> None:
    path = write(tmp_path, "secret.txt", b"hidden\n")
    path.chmod(0)
    try:
        with pytest.raises(UserError) as excinfo:
            read_text_file(path)
        assert_one_line_error(excinfo, "secret.txt", "permission denied")
    finally:
        path.chmod(0o600)


def test_permission_denied_on_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "locked.txt", b"hidden\n")
    real_open = os.open

    def refuse(target: object, *args: object, **kwargs: object) -> int:
        if Path(os.fsdecode(target)) == path:  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied")
        return real_open(target, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(UserError) as excinfo:
        read_text_file(path)
    assert_one_line_error(excinfo, "locked.txt", "permission denied")


def test_control_characters_in_file_name_are_neutralised(tmp_path: Path) -> None:
    with pytest.raises(UserError) as excinfo:
        read_text_file(tmp_path / "evil\x1b[2J\nname.txt")
    message = assert_one_line_error(excinfo, "evil␛[2J↵name.txt")
    assert "\x1b" not in message


# --- neutralise / visible_token ------------------------------------------------------------------


def test_neutralise_escape_sequences() -> None:
    assert neutralise("\x1b[31mred\x1b[0m") == "␛[31mred␛[0m"
    assert neutralise("\x1b]0;owned\x07after") == "␛]0;owned␇after"
    assert neutralise("\x1b]8;;http://x\x1b\\link") == "␛]8;;http://x␛\\link"
    assert neutralise("\x1bc") == "␛c"


def test_neutralise_controls() -> None:
    assert neutralise("a\x00b\x7fc\rd") == "a␀b␡c␍d"
    assert neutralise("keep\nnew\tlines") == "keep\nnew\tlines"
    assert neutralise("\x9b31m") == "⟨U+009B⟩31m"
    assert neutralise("\x9d0;t\x9c") == "⟨U+009D⟩0;t⟨U+009C⟩"
    assert neutralise("abc\u202edcba") == "abc⟨U+202E⟩dcba"
    assert neutralise("\u2066x\u2069") == "⟨U+2066⟩x⟨U+2069⟩"


@pytest.mark.parametrize(
    "path",
    [
        in_fixtures("ja/rashomon_excerpt.clean.txt", id="fixture-rashomon"),
        in_fixtures("ja/wagahaiwa_nekodearu_excerpt.clean.txt", id="fixture-wagahaiwa_nekodearu"),
        in_shared("ja/clean/akutagawa_rashomon.txt", id="shared-rashomon"),
    ],
)
def test_neutralise_keeps_japanese(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert neutralise(text) == text


@given(st.text())
def test_neutralise_leaves_nothing_a_terminal_acts_on(text: str) -> None:
    shown = neutralise(text)
    assert not FORBIDDEN.intersection(shown)
    assert shown.count("\n") == text.count("\n")


_PLAIN = st.characters(categories=["L", "N", "Zs"]) | st.characters(min_codepoint=0x3040, max_codepoint=0x30FF)


@given(st.text(_PLAIN | st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF) | st.sampled_from("。、！？「」\n\t")))
def test_neutralise_is_identity_on_plain_text(text: str) -> None:
    assert neutralise(text) == text


def test_visible_token() -> None:
    assert visible_token("") == "∅"
    assert visible_token(" ") == "␣"
    assert visible_token("\n") == "↵"
    assert visible_token("\t") == "⇥"
    assert visible_token("\u3000") == "⍽"
    assert visible_token("\u00a0") == "⍽"
    assert visible_token("a b") == "a␣b"
    assert visible_token("猫") == "猫"
    assert visible_token("\x1b") == "␛"
    assert visible_token("\r") == "␍"
    assert visible_token("\u200b") == "⟨U+200B⟩"
    assert visible_token("<eos>") == "↵"  # a word model's line end, as the ghost text and help show it


@given(st.text())
def test_visible_token_shows_something_safe(token: str) -> None:
    shown = visible_token(token)
    assert shown
    assert not FORBIDDEN.intersection(shown)
    assert not any(ch.isspace() for ch in shown)


@pytest.mark.parametrize(
    "data",
    [
        ("hello world\n" * 100).encode() + "café\n".encode("latin-1"),  # UTF-8, then a Latin-1 line
        "吾輩は猫である。\n".encode("utf-8") * 50 + "名前はまだ無い。\n".encode("cp932") * 50,  # UTF-8, then Shift_JIS
    ],
    ids=["utf8+latin1", "utf8+cp932"],
)
def test_mixed_encodings_name_the_offset_and_the_fix(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "mixed.txt", data)
    with pytest.raises(UserError) as excinfo:
        read_text_file(path)
    assert_one_line_error(excinfo, "mixed.txt", "offset", "--encoding")
