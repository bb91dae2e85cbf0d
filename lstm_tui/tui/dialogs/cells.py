"""Choosing the LSTM unit the cells view draws under the text, or finding the units worth a look.

A unit is a layer (1 or 2), `c` (the cell) or `h` (its output) and an index; the engine checks it
and a mistake is one line under the fields. "Find cells" runs the model over a sample (the run's
own held-out text, else the text in the box) in a thread, with progress, and lists the units
that follow simple features of text best (`engine/inspect/find_cells`, docs/inspect.md);
choosing one shows it. The list is kept with the model's inspector, so it is there next time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from lstm_tui.engine.data.textfile import neutralise
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.inspect import CellProbe
from lstm_tui.engine.inspect.find_cells import CellSearch, FoundCell
from lstm_tui.engine.inspect.text_features import FEATURE_LABELS
from lstm_tui.tui.widgets.inspect_session import InspectSession

FIND_TOKENS = 20_000
"""Tokens of the sample find-cells reads: ~5–15 s on two busy cores, enough for stable correlations."""


class SearchStopped(Exception):
    """The dialog closed while the search ran."""


@dataclass(frozen=True)
class CellsChoice:
    """What the dialog answers: the unit to show (None: hide the strip)."""

    probe: CellProbe | None
    note: str = ""
    """What find-cells said of it (the feature it follows, and how closely)."""


def parse_number(value: str) -> object:
    """A whole number typed in a field, or the text itself (for the engine's message)."""
    text = value.strip()
    try:
        return int(text)
    except ValueError:
        return text


def found_label(cell: FoundCell) -> str:
    """One row of the found list: the feature, the unit, Pearson's r."""
    return f"{cell.feature_label:<22} {cell.probe.label:<10} r = {cell.correlation:+.2f}"


def search_rows(search: CellSearch) -> list[FoundCell]:
    """The found units, by feature (strongest first within each)."""
    return [cell for cells in search.by_feature.values() for cell in cells]


class CellsDialog(ModalScreen[CellsChoice | None]):
    """Dismisses with a CellsChoice, or None (escape: nothing changes)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, session: InspectSession, current: CellProbe | None, text: str) -> None:
        super().__init__()
        self.session = session
        """The model's inspector (it keeps the found cells)."""
        self.current = current
        self.text = text
        """The text in the box: the sample when the run's own corpus is not here."""
        self.found: list[FoundCell] = []
        """The found units on display, in order (an option's index)."""
        self._stop = threading.Event()

    def compose(self) -> ComposeResult:
        probe = self.current or CellProbe(1, "c", 0)
        units = self.session.units
        with Vertical(classes="dialog", id="cells-dialog"):
            yield Label("Cells: one unit of the LSTM under the text", classes="dialog-title")
            with Horizontal(id="cells-probe-row"):
                yield Label("layer", classes="setting-label")
                yield Input(str(probe.layer), placeholder="1 or 2", compact=True, id="cells-layer")
                yield Label("c or h", classes="setting-label")
                yield Input(probe.kind, placeholder="c", compact=True, id="cells-kind")
                yield Label(f"unit 0–{units - 1}", classes="setting-label")
                yield Input(str(probe.unit), compact=True, id="cells-unit")
                yield Button("Show", variant="primary", compact=True, id="cells-show")
            yield Static("", classes="field-error", id="cells-error", markup=False)
            with Horizontal(id="cells-find-row"):
                yield Button("Find cells", compact=True, id="cells-find")
                yield ProgressBar(total=None, show_eta=False, id="cells-progress")
                yield Button("Hide the strip", compact=True, id="cells-hide")
            yield Static("", id="cells-status", markup=False)
            yield OptionList(id="cells-found", markup=False)
            yield Static("enter shows a unit · esc closes (and stops a search)", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#cells-progress").display = False
        search = self.session.found
        if search is not None:
            self._show_search(search, self.session.found_sample)
        else:
            self.query_one("#cells-status", Static).update(
                "Find cells: which units follow quotes, brackets, the position in the line, the start of a word"
                if self.session.level == "char" else "Find cells: which units follow the position in the sentence, quotes")
            self.query_one("#cells-found").display = False
        self.query_one("#cells-unit", Input).focus()

    # choosing a unit ---------------------------------------------------------------------------
    def probe(self) -> CellProbe:
        """The unit the fields name (a UserError naming the field that is wrong)."""
        layer = parse_number(self.query_one("#cells-layer", Input).value)
        kind = self.query_one("#cells-kind", Input).value.strip()
        unit = parse_number(self.query_one("#cells-unit", Input).value)
        return self.session.probe(layer, kind, unit)

    def error(self, message: str) -> None:
        """One line under the fields (empty: none)."""
        line = self.query_one("#cells-error", Static)
        line.update(neutralise(message).replace("\n", " "))
        line.set_class(bool(message), "-shown")

    def show_typed(self) -> None:
        try:
            probe = self.probe()
        except UserError as exc:
            self.error(str(exc))
            field = {"layer": "#cells-layer", "kind": "#cells-kind", "unit": "#cells-unit"}.get(exc.field or "")
            if field:
                self.query_one(field, Input).focus()
            return
        self.dismiss(CellsChoice(probe))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.show_typed()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.error("")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cells-show":
            self.show_typed()
        elif event.button.id == "cells-hide":
            self.dismiss(CellsChoice(None))
        elif event.button.id == "cells-find":
            self.find()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        cell = self.found[event.option_index]
        self.dismiss(CellsChoice(cell.probe, f"{cell.feature_label}, r = {cell.correlation:+.2f}"))

    # finding cells -----------------------------------------------------------------------------
    def find(self) -> None:
        """Run find-cells in a thread; progress on the bar; the list when done."""
        self.query_one("#cells-find", Button).disabled = True
        bar = self.query_one("#cells-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.query_one("#cells-status", Static).update("reading the run's held-out text…")
        self._find_worker()

    @work(thread=True, exclusive=True, group="find-cells", exit_on_error=False)
    def _find_worker(self) -> tuple[CellSearch, str]:
        from lstm_tui.engine.infer.predictor import Predictor
        from lstm_tui.engine.inspect.find_cells import find_cells, run_sample

        saved = self.session.saved
        try:
            sample, name = run_sample(saved)
            name = f"the run's held-out text ({neutralise(name)})"
        except UserError:  # the run's corpus is not on this machine
            sample, name = self.text, "the text in the box (the run's own corpus is not here)"
        self.app.call_from_thread(self._status, f"reading {name}…")

        def progress(done: int, total: int) -> None:
            if self._stop.is_set():
                raise SearchStopped
            self.app.call_from_thread(self._progress, done, total)

        return find_cells(Predictor.from_saved(saved), sample, max_tokens=FIND_TOKENS, progress=progress), name

    def _status(self, line: str) -> None:
        self.query_one("#cells-status", Static).update(line)

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#cells-progress", ProgressBar).update(total=total, progress=done)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "find-cells" or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        self.query_one("#cells-progress").display = False
        self.query_one("#cells-find", Button).disabled = False
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            message = str(error) if isinstance(error, UserError) else f"{type(error).__name__}: {error}"
            self._status(f"could not find cells: {neutralise(message)}")
            return
        search, name = event.worker.result
        self.session.found, self.session.found_sample = search, name
        self._show_search(search, name)
        self.query_one("#cells-found", OptionList).focus()

    def _show_search(self, search: CellSearch, sample: str) -> None:
        self.found = search_rows(search)
        absent = ", ".join(FEATURE_LABELS[name] for name in search.absent)
        self._status(f"over {search.tokens:,} tokens of {sample}" + (f"; never changes there: {absent}" if absent else ""))
        found = self.query_one("#cells-found", OptionList)
        found.clear_options()
        found.add_options([Option(found_label(cell)) for cell in self.found])
        found.display = True

    def on_unmount(self) -> None:
        self._stop.set()
