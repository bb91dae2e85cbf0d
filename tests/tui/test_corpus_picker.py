"""The train screen's corpus picker offers what `lstm-tui corpora` lists, and shows compressed text files."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import OptionList

from lstm_tui.engine.data.catalogue import listed_entries, load_catalogue
from lstm_tui.paths import corpora_dir
from lstm_tui.tui.widgets.corpus_picker import CorpusPicker, TextFileTree
from tests.tui.conftest import wait_for


class PickerApp(App[None]):
    def __init__(self, root: Path, catalogue_folder: Path) -> None:
        super().__init__()
        self.root = root
        self.catalogue = load_catalogue(catalogue_folder)

    def compose(self) -> ComposeResult:
        yield CorpusPicker(self.root, self.catalogue)


def offered(app: PickerApp) -> list[tuple[str, bool]]:
    options = app.query_one("#catalogue", OptionList)
    return [(str(options.get_option_at_index(i).id), options.get_option_at_index(i).disabled) for i in range(options.option_count)]


async def test_the_picker_offers_the_listed_corpora(tmp_path: Path) -> None:
    app = PickerApp(tmp_path, corpora_dir())
    async with app.run_test(size=(100, 40)):
        assert offered(app) == [(entry.name, False) for entry in listed_entries(load_catalogue(corpora_dir()))]


async def test_a_damaged_bundled_corpus_is_shown_but_not_offered(tmp_path: Path) -> None:
    copy = tmp_path / "corpora"  # no ../shared beside it, and one book missing
    shutil.copytree(corpora_dir(), copy)
    (copy / "en" / "heldout" / "shelley_frankenstein.txt.xz").unlink()
    app = PickerApp(tmp_path, copy)
    async with app.run_test(size=(100, 40)):
        choices = dict(offered(app))
        assert "ptb" not in choices and choices["en-books"] is False
        assert choices["en-heldout"] is True  # disabled, with the note saying how to restore it


async def test_the_file_browser_shows_compressed_text_files(tmp_path: Path) -> None:
    for name in ("book.txt.xz", "notes.txt.gz", "plain.txt", "archive.tar.gz", "data.xz"):
        (tmp_path / name).write_bytes(b"x")
    app = PickerApp(tmp_path, tmp_path / "no-catalogue")
    async with app.run_test(size=(100, 40)) as pilot:
        tree = app.query_one(TextFileTree)
        await wait_for(pilot, lambda: len(tree.root.children) > 0)
        assert sorted(str(node.label) for node in tree.root.children) == ["book.txt.xz", "notes.txt.gz", "plain.txt"]
