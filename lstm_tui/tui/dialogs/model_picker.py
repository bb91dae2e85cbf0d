"""Choosing the model that predicts: the shipped defaults and the finished runs, with their numbers.

The list is read in a thread (every run's model.json and weight headers), so opening the dialog
never holds up the app; choosing answers with the folder and the predict screen loads it. A
shipped model that is not here (a checkout before `default-ja` was trained) or is damaged is
shown greyed, with the reason, and cannot be chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from lstm_tui.engine.runs.model_choice import shipped_models
from lstm_tui.engine.runs.run_list import DAMAGED, RunInfo, read_run
from lstm_tui.engine.runs.run_service import RunService
from lstm_tui.tui import format as fmt
from lstm_tui.tui.screens.models import corpus_label, eval_summary
from lstm_tui.tui.widgets.run_monitor import one_line


@dataclass(frozen=True)
class ModelEntry:
    """One line of the picker: a model folder, what it is, and why it cannot be chosen (if so)."""

    folder: Path
    name: str
    """Its folder's name, as the status line calls it."""
    about: str = ""
    """For a shipped model: that it is shipped, and its language."""
    facts: str = ""
    """Level, corpus and validation perplexity, on one line."""
    evaluation: str = ""
    """The held-out eval recorded in the folder (`lstm-tui eval --record`), if any."""
    problem: str = ""
    """Why it cannot be loaded (not here, damaged); empty when it can."""


def run_entry(info: RunInfo, about: str = "") -> ModelEntry:
    """What a run is and how good it is (untrusted text neutralised)."""
    level = info.level if info.level == "char" else f"{info.level}/{info.tokenizer}"
    facts = " · ".join([level, corpus_label(info.corpus), f"valid ppl {fmt.number(info.valid_ppl)}"])
    evaluation = eval_summary(info.evaluation) if info.evaluation is not None else ""
    return ModelEntry(info.folder, one_line(info.folder.name), about, one_line(facts), evaluation)


def model_entries(runs: RunService) -> tuple[list[ModelEntry], list[ModelEntry]]:
    """The shipped defaults (present or greyed) and the finished runs under the checkpoints folder, newest first."""
    shipped: list[ModelEntry] = []
    for model in shipped_models():
        about = f"shipped, {model.language}"
        info = read_run(model.folder) if model.present else None
        if info is not None and info.state != DAMAGED:
            shipped.append(run_entry(info, about))
            continue
        if info is None:
            problem = f"not here yet: {one_line(str(model.folder))} holds no model"
        else:
            problem = f"damaged: {one_line(info.problem or '?')}"
        shipped.append(ModelEntry(model.folder, model.name, about, problem=problem))
    taken = {entry.folder.resolve() for entry in shipped}
    finished = [run_entry(info) for info in runs.list_runs() if info.state == "finished" and info.folder.resolve() not in taken]
    return shipped, finished


def entry_prompt(entry: ModelEntry, loaded: bool) -> Text:
    """The name (shipped? predicting now?), then its facts or why it cannot be loaded, then its eval."""
    prompt = Text(entry.name, style="bold")
    if entry.about:
        prompt.append(f" · {entry.about}")
    if loaded:
        prompt.append("  ● predicting now", style="green")
    for line in (entry.problem or entry.facts, f"held-out eval: {entry.evaluation}" if entry.evaluation else ""):
        if line:
            prompt.append(f"\n  {line}", style="italic" if entry.problem else "dim")
    return prompt


class ModelPicker(ModalScreen[Path | None]):
    """Dismisses with the chosen model's folder, or None (escape)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, runs: RunService, current: Path | None = None) -> None:
        super().__init__()
        self.runs = runs
        """Where the finished runs are listed from."""
        self.current = Path(current).resolve() if current is not None else None
        """The folder of the model predicting now (marked, and highlighted first)."""
        self.entries: list[ModelEntry] = []
        """The models on display, in order (an option's id is its index here)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="model-picker"):
            yield Label("Choose the model that predicts", classes="dialog-title")
            yield OptionList(Option("reading the models…", disabled=True), id="model-list", markup=False)
            yield Static("enter loads it (it opens again next time) · esc keeps the current one", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._read_entries()

    @work(thread=True, exclusive=True, group="model-list", exit_on_error=False)
    def _read_entries(self) -> tuple[list[ModelEntry], list[ModelEntry]]:
        return model_entries(self.runs)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "model-list":
            return
        if event.state == WorkerState.SUCCESS:
            self.show_entries(*event.worker.result)
        elif event.state == WorkerState.ERROR:
            self.query_one(OptionList).set_options([Option(f"could not list the runs: {event.worker.error}", disabled=True)])

    def show_entries(self, shipped: list[ModelEntry], finished: list[ModelEntry]) -> None:
        """Fill the list: the shipped defaults, a rule, the finished runs; the loaded model highlighted."""
        self.entries = [*shipped, *finished]
        options: list[Option | None] = []
        for index, entry in enumerate(self.entries):
            if index == len(shipped):
                options.append(None)
            loaded = entry.folder.resolve() == self.current
            options.append(Option(entry_prompt(entry, loaded), id=str(index), disabled=bool(entry.problem)))
        if not finished:
            options += [None, Option(f"no finished runs in {one_line(str(self.runs.root))} yet — F3 trains one", disabled=True)]
        option_list = self.query_one(OptionList)
        option_list.set_options(options)
        current = next((i for i, e in enumerate(self.entries) if e.folder.resolve() == self.current), None)
        if current is not None:
            option_list.highlighted = option_list.get_option_index(str(current))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.dismiss(self.entries[int(event.option.id)].folder)
