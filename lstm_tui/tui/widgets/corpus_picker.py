"""Choosing a corpus: a path field, a file browser of text files, and the corpus catalogue."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DirectoryTree, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from lstm_tui.engine.data.catalogue import CatalogueEntry, listed_entries
from lstm_tui.engine.data.textfile import is_text_file_name, neutralise


class TextFileTree(DirectoryTree):
    """A DirectoryTree showing folders and text files (.txt, .txt.gz, .txt.xz or no extension), no dotfiles.

    Enter on a folder opens it (as a click does); `c` chooses the highlighted folder or file as
    the corpus, and backspace moves the tree up to the parent folder."""

    BINDINGS = [
        Binding("c", "choose", "Use as corpus"),
        Binding("backspace", "parent", "Up a folder"),
    ]

    class Chosen(Message):
        """The user chose the highlighted entry (a folder or a file) as the corpus."""

        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path
            """The folder or file."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        """Folders and text files; nothing hidden, nothing unreadable."""
        for path in paths:
            if path.name.startswith("."):
                continue
            try:
                if path.is_dir() or (path.is_file() and (is_text_file_name(path.name) or not path.suffix)):
                    yield path
            except OSError:
                continue

    def action_choose(self) -> None:
        """Choose the highlighted folder or file as the corpus."""
        node = self.cursor_node
        if node is not None and node.data is not None:
            self.post_message(self.Chosen(node.data.path))

    def action_parent(self) -> None:
        """Show the parent folder (the tree is not bound to the folder it started in)."""
        current = Path(self.path).resolve()
        if current.parent != current:
            self.path = current.parent


class CorpusPicker(Widget):
    """Posts `Chosen` when the user picks a corpus by path, in the browser or from the catalogue."""

    class Chosen(Message):
        """A corpus was chosen."""

        def __init__(self, spec: str) -> None:
            super().__init__()
            self.spec = spec
            """A path, builtin:NAME or a catalogue name (what `--corpus` takes)."""

    def __init__(self, root: Path, catalogue: dict[str, CatalogueEntry], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.root = root
        """The folder the file browser starts in."""
        self.catalogue = catalogue
        """Built-in and catalogued corpora, by name (the picker offers `listed_entries` of them)."""

    def compose(self) -> ComposeResult:
        yield Label("Corpus", classes="section-title")
        yield Input(placeholder="path, builtin:NAME or catalogue name ⏎", compact=True, id="corpus-path")
        yield Static("", id="corpus-error", classes="field-error")
        tree = TextFileTree(self.root, id="corpus-tree")
        tree.root.set_label(neutralise(self.root.name or str(self.root)))
        yield tree
        yield Label("Catalogue", classes="section-title")
        options = []
        for entry in listed_entries(self.catalogue):
            label = Text.assemble((neutralise(entry.name), "bold"), f"  {entry.level_label}")
            if entry.note:
                label.append(f"  ({entry.note})", style="dim")
            options.append(Option(label, id=entry.name, disabled=not entry.available))
        yield OptionList(*options, id="catalogue")

    @property
    def value(self) -> str:
        """The corpus currently in the path field."""
        return self.query_one("#corpus-path", Input).value.strip()

    def choose(self, spec: str) -> None:
        """Put `spec` in the path field and announce it."""
        self.query_one("#corpus-path", Input).value = spec
        self.show_error("")
        self.post_message(self.Chosen(spec))

    def show_error(self, message: str) -> None:
        """Show (or clear) a problem with the chosen corpus under the path field."""
        error = self.query_one("#corpus-error", Static)
        error.update(Text(neutralise(message)))
        error.set_class(bool(message), "-shown")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.choose(event.value.strip())

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.choose(str(event.path))

    def on_directory_tree_directory_selected(self, event: DirectoryTree.DirectorySelected) -> None:
        event.stop()  # the tree opens the folder; choosing one as the corpus takes `c`

    def on_text_file_tree_chosen(self, event: TextFileTree.Chosen) -> None:
        event.stop()
        self.choose(str(event.path))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.choose(event.option.id)
