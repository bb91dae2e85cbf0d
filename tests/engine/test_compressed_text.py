"""Text stored compressed (.txt.gz, .txt.xz) reads like the plain file, with one-line errors."""

from __future__ import annotations

import gzip
import hashlib
import lzma
from pathlib import Path

import pytest

from lstm_tui.engine.data.corpus import load_corpus, read_whole_text, text_files
from lstm_tui.engine.data.textfile import is_text_file_name, read_text_file
from lstm_tui.engine.errors import UserError
from tests.engine.test_textfile import JAPANESE_SAMPLE, assert_one_line_error, write

COMPRESSORS = {".gz": gzip.compress, ".xz": lzma.compress}


@pytest.mark.parametrize("suffix", [".gz", ".xz"])
def test_compressed_file_reads_like_the_plain_one(tmp_path: Path, suffix: str) -> None:
    data = JAPANESE_SAMPLE.encode("cp932")
    plain = read_text_file(write(tmp_path, "neko.txt", data))
    packed = read_text_file(write(tmp_path, f"neko.txt{suffix}", COMPRESSORS[suffix](data)))
    assert packed.text == plain.text == JAPANESE_SAMPLE
    assert packed.encoding == plain.encoding == "cp932"
    assert packed.sha256 == plain.sha256 == hashlib.sha256(data).hexdigest()
    assert (plain.compression, packed.compression) == (None, {".gz": "gzip", ".xz": "xz"}[suffix])


@pytest.mark.parametrize(
    ("name", "data", "fragments"),
    [
        ("cut.txt.xz", lzma.compress(b"some text\n" * 100)[:-20], ("cut.txt.xz", "truncated xz file")),
        ("cut.txt.gz", gzip.compress(b"some text\n" * 100)[:-12], ("cut.txt.gz", "truncated gzip file")),
        ("fake.txt.xz", b"plain text, not xz\n", ("fake.txt.xz", "not a readable xz file")),
        ("fake.txt.gz", b"plain text, not gzip\n", ("fake.txt.gz", "not a readable gzip file")),
        ("hollow.txt.xz", lzma.compress(b""), ("hollow.txt.xz", "holds no text once decompressed")),
        ("blank.txt.gz", gzip.compress(b" \n\n"), ("blank.txt.gz", "contains only whitespace")),
        ("picture.txt.xz", lzma.compress(b"\x89PNG\r\n\x1a\n" + bytes(20)), ("looks like a binary file", "PNG")),
    ],
)
def test_bad_compressed_files_are_one_line_errors(tmp_path: Path, name: str, data: bytes, fragments: tuple[str, ...]) -> None:
    with pytest.raises(UserError) as excinfo:
        read_text_file(write(tmp_path, name, data))
    assert_one_line_error(excinfo, *fragments)


@pytest.mark.parametrize("suffix", [".gz", ".xz"])
def test_decompression_stops_at_the_size_guard(tmp_path: Path, suffix: str) -> None:
    bomb = write(tmp_path, f"bomb.txt{suffix}", COMPRESSORS[suffix](b"a" * 5_000_000))  # a few kB on disk
    assert bomb.stat().st_size < 50_000
    with pytest.raises(UserError) as excinfo:
        read_text_file(bomb, max_decompressed=1_000_000)
    assert_one_line_error(excinfo, "bomb.txt", "expands to more than", "train on a part of it")
    assert len(read_text_file(bomb, max_decompressed=5_000_000).text) == 5_000_000


def test_a_folder_reads_plain_and_compressed_text_files(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    (folder / "sub").mkdir(parents=True)
    write(folder, "a.txt", b"first\n")
    write(folder, "b.txt.gz", gzip.compress(b"second\n"))
    write(folder / "sub", "c.TXT.XZ", lzma.compress(b"third\n"))
    write(folder, "notes.gz", gzip.compress(b"not a .txt\n"))
    write(folder, "d.txt.bak", b"not text to read\n")
    assert [p.name for p in text_files(folder)] == ["a.txt", "b.txt.gz", "c.TXT.XZ"]
    assert read_whole_text(folder, catalogue={})[0] == "first\nsecond\nthird\n"
    assert load_corpus(str(folder), split=(1.0, 0.0, 0.0), catalogue={}).train == "first\nsecond\nthird\n"
    assert [is_text_file_name(n) for n in ("x.txt", "x.txt.gz", "x.Txt.Xz", "x.gz", "x.md")] == [True, True, True, False, False]


def test_a_single_held_out_file_is_read_unchanged(tmp_path: Path) -> None:
    """eval scores a FILE's text exactly as before (no newline added or removed)."""
    path = write(tmp_path, "held.txt", b"no newline at the end")
    assert read_whole_text(path, catalogue={}) == ("no newline at the end", str(path))
