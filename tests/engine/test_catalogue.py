"""The corpus catalogue and the corpora bundled in corpora/: checksums, attribution, held-out
books kept apart, damaged files refused in one line, ../shared entries listed only where present."""

from __future__ import annotations

import hashlib
import json
import lzma
import re
import shutil
from pathlib import Path

import pytest

from lstm_tui.engine.data.catalogue import CatalogueEntry, listed_entries, load_catalogue
from lstm_tui.engine.data.corpus import load_corpus, read_whole_text
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.train.presets import PRESETS
from lstm_tui.paths import corpora_dir

CORPORA = corpora_dir()
CATALOGUE = json.loads((CORPORA / "catalogue.json").read_text(encoding="utf-8"))
BUNDLED = CATALOGUE["sha256"]
# Training and held-out entries: no file may serve both.
TRAINING = ("en-books", "en-doyle", "ja-books", "tinyshakespeare")
HELD_OUT = ("en-heldout", "en-doyle-heldout", "ja-heldout")


def entry_files(entry: CatalogueEntry) -> set[Path]:
    return set(entry.checksums)


@pytest.mark.parametrize("relative", sorted(BUNDLED))
def test_bundled_file_matches_its_recorded_sha256(relative: str) -> None:
    data = lzma.decompress((CORPORA / relative).read_bytes())
    assert hashlib.sha256(data).hexdigest() == BUNDLED[relative]
    assert data.decode("utf-8").endswith("\n") and not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data


def test_every_bundled_file_is_checksummed_attributed_and_read_by_an_entry() -> None:
    on_disk = {str(p.relative_to(CORPORA)) for p in CORPORA.rglob("*") if p.is_file() and p.name.endswith((".xz", ".gz", ".txt"))}
    assert on_disk == set(BUNDLED)
    readme = (CORPORA / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([^`]+\.txt\.xz)` \|.*`([0-9a-f]{64})` \|$", readme, flags=re.MULTILINE))
    assert rows == BUNDLED  # the README's attribution table names each file with the same digest
    entries = load_catalogue(CORPORA)
    read = set().union(*(entry_files(e) for e in entries.values()))
    assert read == {(CORPORA / name).resolve() for name in BUNDLED}


def test_held_out_books_are_never_training_books() -> None:
    entries = load_catalogue(CORPORA)
    training = set().union(*(entry_files(entries[name]) for name in TRAINING))
    for name in HELD_OUT:
        held = entry_files(entries[name])
        assert held and not held & training, name
    # whole books: no title appears on both sides under another folder either
    stems = lambda files: {p.name for p in files}  # noqa: E731
    assert not stems(training) & set().union(*(stems(entry_files(entries[n])) for n in HELD_OUT))
    assert not entry_files(entries["en-doyle"]) & entry_files(entries["en-books"])


def test_a_fresh_copy_lists_the_bundled_entries_and_no_shared_ones(tmp_path: Path) -> None:
    copy = tmp_path / "clone" / "corpora"  # no ../shared beside this copy
    shutil.copytree(CORPORA, copy)
    listed = [e.name for e in listed_entries(load_catalogue(copy))]
    assert listed == ["builtin:pydoc", "en-books", "en-heldout", "en-doyle", "en-doyle-heldout",
                      "tinyshakespeare", "ja-books", "ja-heldout"]
    entries = load_catalogue(copy)
    assert all(entries[name].available for name in listed)
    with pytest.raises(UserError) as excinfo:
        load_corpus("ptb", catalogue=entries)
    assert "'ptb' is not available here" in str(excinfo.value) and "../shared" in str(excinfo.value)


def test_presets_name_catalogued_corpora() -> None:
    entries = load_catalogue(CORPORA)
    named = {p.name: p.values["corpus"] for p in PRESETS.values() if "corpus" in p.values}
    assert named["ptb-word"] == "ptb" and named["ja-word"] == "ja-books"
    for preset, corpus in named.items():
        assert corpus in entries, preset
        assert not entries[corpus].shared or preset == "ptb-word", preset  # only ptb-word needs ../shared


def damaged_copy(tmp_path: Path) -> Path:
    """A catalogue folder holding only the fine-tuning author's two small books."""
    folder = tmp_path / "corpora"
    for name in ("en/doyle/doyle_sign_of_the_four.txt.xz", "en/doyle-heldout/doyle_adventures_of_sherlock_holmes.txt.xz"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CORPORA / name, folder / name)
    shutil.copy(CORPORA / "catalogue.json", folder / "catalogue.json")
    return folder


def test_a_bundled_corpus_loads_after_its_checksum(tmp_path: Path) -> None:
    entries = load_catalogue(damaged_copy(tmp_path))
    corpus = load_corpus("en-doyle", catalogue=entries)
    assert corpus.train.startswith("cover\n") and len(corpus.valid) > 20_000 and corpus.test == ""
    text, name = read_whole_text("en-doyle-heldout", catalogue=entries)
    assert name == "en-doyle-heldout" and "Sherlock Holmes" in text and len(text) == 562_179


def test_a_damaged_bundled_file_is_a_one_line_error(tmp_path: Path) -> None:
    folder = damaged_copy(tmp_path)
    book = folder / "en/doyle/doyle_sign_of_the_four.txt.xz"
    text = lzma.decompress(book.read_bytes()).replace(b"Holmes", b"Holmez", 1)
    book.write_bytes(lzma.compress(text))
    with pytest.raises(UserError) as excinfo:
        load_corpus("en-doyle", catalogue=load_catalogue(folder))
    message = str(excinfo.value)
    assert "\n" not in message and "doyle_sign_of_the_four.txt.xz is damaged" in message
    assert "git checkout -- corpora" in message and "reinstall lstm-tui" in message
    book.write_bytes(book.read_bytes()[:-100])  # truncated on disk
    with pytest.raises(UserError) as excinfo:
        load_corpus("en-doyle", catalogue=load_catalogue(folder))
    assert "\n" not in str(excinfo.value) and "truncated xz file" in str(excinfo.value)


def test_a_missing_bundled_file_is_a_one_line_error_and_marked_in_listings(tmp_path: Path) -> None:
    folder = damaged_copy(tmp_path)
    (folder / "en/doyle-heldout/doyle_adventures_of_sherlock_holmes.txt.xz").unlink()
    entries = load_catalogue(folder)
    entry = entries["en-doyle-heldout"]
    assert entry.listed and not entry.available and entry.note.startswith("damaged: 1 file missing")
    for read in (lambda: load_corpus("en-doyle-heldout", catalogue=entries),
                 lambda: read_whole_text("en-doyle-heldout", catalogue=entries)):
        with pytest.raises(UserError) as excinfo:
            read()
        message = str(excinfo.value)
        assert "\n" not in message and "corpus 'en-doyle-heldout' is damaged" in message
        assert "doyle_adventures_of_sherlock_holmes.txt.xz is missing" in message and "git checkout -- corpora" in message
    # en-books lost every file in this copy: listed (marked), never silently read as empty
    assert entries["en-books"].note.startswith("damaged: 15 files missing")


def test_level_labels_do_not_repeat_the_level() -> None:
    entries = load_catalogue(CORPORA)
    assert entries["builtin:pydoc"].level_label == "char"
    assert entries["en-books"].level_label == "char"
    assert entries["ja-books"].level_label == "word/mecab"
