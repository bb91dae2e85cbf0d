"""The models screen: run folders as a table; load, delete, resume, and watch a run live."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label, Static
from textual.worker import Worker, WorkerState

from lstm_tui.engine.data.textfile import neutralise
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.runs.run_files.eval_json import RecordedEval
from lstm_tui.engine.runs.run_list import DAMAGED, RunInfo
from lstm_tui.engine.runs.run_service import RunRefused
from lstm_tui.tui import format as fmt
from lstm_tui.tui.dialogs.confirm import ConfirmDialog
from lstm_tui.tui.dialogs.limits import LimitsDialog
from lstm_tui.tui.widgets.run_monitor import RunMonitor, one_line

REFRESH_SECONDS = 2.0
COLUMNS = ("name", "corpus", "level", "vocab", "params", "valid ppl", "updated", "size", "state", "held-out eval")
KEPT_FIRST = ("name", "state", "valid ppl", "held-out eval", "level", "corpus", "updated", "params", "vocab", "size")
"""Which columns a narrow table keeps: the first ones here that fit, shown in `COLUMNS` order."""


def corpus_label(corpus: str) -> str:
    """A short name for a corpus (a path shows its last part)."""
    return Path(corpus).name if "/" in corpus else corpus


def eval_summary(evaluation: RecordedEval | None) -> str:
    """The recorded `lstm-tui eval --record` report in a cell: perplexity, top-1, KSR."""
    if evaluation is None:
        return "-"
    parts = [f"ppl {evaluation.lstm.perplexity:.2f}", f"top-1 {evaluation.lstm.top1:.1%}"]
    if evaluation.typing is not None:
        parts.append(f"KSR {evaluation.typing.ksr:.1%}")
    return " · ".join(parts)


def cell_width(cell: object) -> int:
    """Terminal cells a table cell's text takes."""
    return cell_len(cell.plain if isinstance(cell, Text) else str(cell))


def columns_that_fit(rows: list[tuple], width: int, padding: int = 1) -> list[str]:
    """The columns to show in `width` cells: by `KEPT_FIRST`, each that still fits, in `COLUMNS` order."""
    need = {
        name: max([cell_width(name), *(cell_width(row[index]) for row in rows)]) + 2 * padding
        for index, name in enumerate(COLUMNS)
    }
    chosen: set[str] = set()
    used = 0
    for name in KEPT_FIRST:
        if not chosen or used + need[name] <= width:  # the name column always stays
            chosen.add(name)
            used += need[name]
    return [name for name in COLUMNS if name in chosen]


def row_of(info: RunInfo) -> tuple:
    """The table cells of one run (all text neutralised); a damaged run shows why in the last cell."""
    state_style = {"running": "bold green", "interrupted": "yellow", "failed": "red", DAMAGED: "bold red"}.get(info.state, "")
    damaged = info.state == DAMAGED
    return (
        one_line(info.name),
        one_line(corpus_label(info.corpus) + (f" (from {info.parent.name})" if info.parent is not None else "")),
        one_line(info.level),
        Text("-" if damaged else fmt.count(info.vocab), justify="right"),
        Text("-" if damaged else fmt.count(info.parameters), justify="right"),
        Text(fmt.number(info.valid_ppl), justify="right"),
        fmt.local_time(info.updated),
        Text(fmt.size(info.size_bytes), justify="right"),
        Text(one_line(info.state), style=state_style),
        Text(one_line(info.problem or ""), style="red") if damaged else eval_summary(info.evaluation),
    )


class RunTable(DataTable):
    """The run folders; letter keys act only while the table has the focus.

    It shows the columns its width holds (`columns_that_fit`), chosen again when it is resized.
    """

    BINDINGS = [
        Binding("enter", "screen.load", "Load"),
        Binding("r", "screen.resume", "Resume"),
        Binding("s", "screen.stop", "Stop"),
        Binding("d,delete", "screen.delete", "Delete"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.shown_columns: list[str] = []
        """The columns on display, in order."""
        self._rows: list[tuple[str, tuple]] = []

    def show_rows(self, rows: list[tuple[str, tuple]]) -> None:
        """Show `rows` (a key and the cells of every column in `COLUMNS`); the cursor stays on its row."""
        self._rows = rows
        self._fill()

    def on_resize(self) -> None:
        if self._rows and self.shown_columns != self._fitting_columns():
            self._fill()

    def _fitting_columns(self) -> list[str]:
        return columns_that_fit([cells for _, cells in self._rows], self.scrollable_content_region.width, self.cell_padding)

    def _fill(self) -> None:
        row = self.cursor_row
        columns = self._fitting_columns()
        if columns != self.shown_columns:
            self.clear(columns=True)
            self.add_columns(*columns)
            self.shown_columns = columns
        else:
            self.clear()
        indexes = [COLUMNS.index(name) for name in columns]
        for key, cells in self._rows:
            self.add_row(*(cells[i] for i in indexes), key=key)
        if 0 <= row < len(self._rows):
            self.move_cursor(row=row, animate=False)


class ModelsScreen(Screen):
    """Every run under the checkpoints folder (and folders opened here), refreshed every 2 s."""

    BINDINGS = [Binding("ctrl+r", "refresh", "Refresh")]

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[RunInfo] = []
        """The rows on display, in order."""
        self.roots: list[Path] = []
        """Folders scanned for runs (the checkpoints folder first)."""
        self._told: set[tuple[Path, str]] = set()

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="models-open"):
            yield Label("open folder", classes="form-label")
            yield Input(placeholder="a run folder, or a folder of runs ⏎", compact=True, id="models-path")
        yield Static("", id="models-error", classes="field-error")
        yield RunTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield RunMonitor(id="models-monitor")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "models"
        self.roots = [self.app.checkpoints]
        self.query_one("#models-monitor").border_title = "run"
        self.query_one(RunTable).focus()
        self.action_refresh()
        self.set_interval(REFRESH_SECONDS, self.action_refresh)

    # listing --------------------------------------------------------------------------------
    def action_refresh(self) -> None:
        """Re-read the run folders (in a thread)."""
        self._scan(list(self.roots))

    @work(thread=True, exclusive=True, group="scan", exit_on_error=False)
    def _scan(self, roots: list[Path]) -> list[RunInfo]:
        return self.app.runs.list_runs(roots)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "scan" and event.state == WorkerState.SUCCESS:
            self._show(event.worker.result)

    def _show(self, runs: list[RunInfo]) -> None:
        if runs == self.runs:
            return
        self._tell_ignored_evals(runs)
        table = self.query_one(RunTable)
        selected = self.selected
        self.runs = runs
        table.show_rows([(str(info.folder), row_of(info)) for info in runs])
        if not runs:
            self.query_one("#models-error", Static).update(
                Text(f"no runs in {neutralise(str(self.roots[0]))} yet — train one on the Train screen (F3)")
            )
        else:
            self.query_one("#models-error", Static).update("")
        if selected is not None:
            for index, info in enumerate(runs):
                if info.folder == selected.folder:
                    table.move_cursor(row=index, animate=False)
                    break
        self._watch_selected()

    def _tell_ignored_evals(self, runs: list[RunInfo]) -> None:
        """A notice, once per folder and reason, for an eval.json that did not check out."""
        for info in runs:
            if info.eval_problem is not None and (info.folder, info.eval_problem) not in self._told:
                self._told.add((info.folder, info.eval_problem))
                self.notify(f"{one_line(info.folder.name)}: {one_line(info.eval_problem)}; the recorded evaluation is ignored",
                            title="eval.json ignored", severity="warning", timeout=8, markup=False)

    @property
    def selected(self) -> RunInfo | None:
        """The run under the table's cursor."""
        table = self.query_one(RunTable)
        if not self.runs or not 0 <= table.cursor_row < len(self.runs):
            return None
        return self.runs[table.cursor_row]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._watch_selected()

    def _watch_selected(self) -> None:
        info = self.selected
        monitor = self.query_one(RunMonitor)
        folder = info.folder if info is not None else None
        parent = info.parent if info is not None else None
        monitor.border_title = f"run · {one_line(parent.label)}" if parent is not None else "run"
        if monitor.folder != folder:
            monitor.follow(folder)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        path = Path(event.value.strip()).expanduser()
        error = self.query_one("#models-error", Static)
        if not event.value.strip():
            return
        if not path.is_dir():
            error.update(Text(f"{neutralise(str(path))} is not a folder; give a run folder or a folder of runs"))
            return
        path = path.resolve()
        if not self.app.runs.list_runs([path]):
            error.update(Text(f"no runs in {neutralise(str(path))}: a run folder holds model.json and model.npz"))
            return
        error.update("")
        if path not in self.roots:
            self.roots.append(path)
        self.action_refresh()
        self.query_one(RunTable).focus()

    # actions --------------------------------------------------------------------------------
    def action_load(self) -> None:
        """Load the selected run into the predict screen."""
        info = self.selected
        if info is None:
            return
        if info.state == "incomplete":
            self.notify("this run has no weights yet (model.npz is missing)", severity="warning", markup=False)
            return
        if info.state == DAMAGED:
            self.notify(f"{one_line(info.folder.name)}: {one_line(info.problem or 'the run folder is damaged')}", title="Damaged run",
                        severity="warning", markup=False)
            return
        self.app.open_model(info.folder)

    def action_resume(self) -> None:
        """Continue an interrupted run (watch it on the train screen); a finished one asks for
        new limits first."""
        info = self.selected
        if info is None:
            return
        runs = self.app.runs
        try:
            state = runs.check_resumable(info.folder)
            position = runs.position(info.folder) if state == "finished" else None
        except UserError as exc:
            self.notify(str(exc), severity=getattr(exc, "severity", "error"), markup=False)
            return
        if position is None:
            self.app.resume_training(info.folder)
            return

        def answer(limits: dict | None) -> None:
            if limits:
                self.app.resume_training(info.folder, limits)

        self.app.push_screen(LimitsDialog(info.name, position, partial(runs.check_limits, info.folder)), answer)

    def action_stop(self) -> None:
        """Stop the selected running run (SIGINT to its trainer, when it runs on this machine)."""
        info = self.selected
        if info is not None:
            self.app.stop_training(info.folder)

    def action_delete(self) -> None:
        """Delete the selected run folder, after a confirmation."""
        info = self.selected
        if info is None:
            return
        try:
            self.app.runs.check_deletable(info.folder)
        except RunRefused as exc:
            self.notify(str(exc), severity=exc.severity, markup=False)
            return
        question = f"Delete the run folder\n{neutralise(str(info.folder))}\n({fmt.size(info.size_bytes)})? This cannot be undone."

        def answer(yes: bool | None) -> None:
            if yes:
                self._delete(info.folder)

        self.app.push_screen(ConfirmDialog("Delete run", question, yes="Delete"), answer)

    def _delete(self, folder: Path) -> None:
        try:
            self.app.runs.delete(folder)
        except RunRefused:
            self.notify("the folder changed meanwhile (running, or not a run); nothing deleted", severity="error", markup=False)
            return
        except UserError as exc:
            self.app.show_error("Could not delete the run", str(exc), "Check the folder's permissions.")
            return
        self.notify(f"deleted {neutralise(folder.name)}", timeout=3, markup=False)
        self.action_refresh()
