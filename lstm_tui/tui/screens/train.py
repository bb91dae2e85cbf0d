"""The train screen: choose a corpus, fill in the form, start a training and watch it."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from lstm_tui.engine.data.catalogue import CatalogueEntry, load_catalogue
from lstm_tui.engine.runs.checkpoints import TRAINER_NPZ
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.data.textfile import neutralise
from lstm_tui.engine.train.trainer_setup import default_run_name
from lstm_tui.tui import format as fmt
from lstm_tui.tui.corpus_facts import CorpusFacts, describe_corpus
from lstm_tui.tui.widgets.corpus_picker import CorpusPicker
from lstm_tui.tui.widgets.run_monitor import RunMonitor
from lstm_tui.tui.widgets.train_form import FormError, TrainForm


def facts_text(facts: CorpusFacts) -> Text:
    """The corpus summary shown above the preview."""
    files = f"{facts.files:,} files · " if facts.files > 1 else ""
    text = Text.assemble(
        (facts.title, "bold"),
        f"\n{files}{fmt.size(facts.size_bytes)} · {facts.encoding} · {facts.format} · "
        f"{facts.chars:,} characters · {facts.lines:,} lines",
    )
    for note in facts.notes:
        text.append(f"\n{note}", style="dim")
    return text


class TrainScreen(Screen):
    """Corpus picker, preview and form on the setup tab; the run monitor on the progress tab."""

    BINDINGS = [
        Binding("f5", "start", "Start"),
        Binding("f6", "stop", "Stop"),
        Binding("f7", "switch_tab", "Setup/Progress"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.facts: CorpusFacts | None = None
        """What is known about the chosen corpus."""
        self._catalogue: dict[str, CatalogueEntry] = {}

    def compose(self) -> ComposeResult:
        try:
            self._catalogue = load_catalogue()
        except UserError as exc:
            self._catalogue = {}
            self._catalogue_error = str(exc)
        yield Header()
        with TabbedContent(initial="setup", id="train-tabs"):
            with TabPane("Setup", id="setup"):
                with Horizontal(id="setup-row"):
                    yield CorpusPicker(self.app.browse_root, self._catalogue, id="picker")
                    with Vertical(id="corpus-column"):
                        yield Static("no corpus chosen yet", id="corpus-facts")
                        with VerticalScroll(id="corpus-preview-box", can_focus=False):
                            yield Static("", id="corpus-preview")
                    with Vertical(id="form-column"):
                        yield TrainForm(id="train-form")
                        with Horizontal(id="train-buttons"):
                            yield Button("Start (F5)", variant="success", id="start")
                            yield Button("Stop (F6)", variant="error", id="stop", disabled=True)
            with TabPane("Progress", id="progress"):
                yield RunMonitor(id="train-monitor")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "train"
        self.query_one("#corpus-preview-box").border_title = "preview"
        error = getattr(self, "_catalogue_error", "")
        if error:
            self.notify(error, severity="error", title="Catalogue", markup=False)
        self.watch(self.app, "training", self._on_training)
        self.query_one("#corpus-path").focus()

    # corpus ---------------------------------------------------------------------------------
    def on_corpus_picker_chosen(self, event: CorpusPicker.Chosen) -> None:
        self.facts = None
        self.query_one("#corpus-facts", Static).update(Text(f"reading {neutralise(event.spec)} …"))
        self.query_one("#corpus-preview", Static).update("")
        self._describe(event.spec)

    @work(thread=True, exclusive=True, group="corpus", exit_on_error=False)
    def _describe(self, spec: str) -> CorpusFacts:
        return describe_corpus(spec, self._catalogue)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "corpus":
            return
        picker = self.query_one(CorpusPicker)
        if event.state == WorkerState.SUCCESS:
            facts: CorpusFacts = event.worker.result
            self.facts = facts
            picker.show_error("")
            self.query_one("#corpus-facts", Static).update(facts_text(facts))
            self.query_one("#corpus-preview", Static).update(Text(facts.preview))
            form = self.query_one(TrainForm)
            if facts.level:
                form.set_choice("level", facts.level)
            if facts.tokenizer:
                form.set_choice("tokenizer", facts.tokenizer)
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            message = str(error) if isinstance(error, UserError) else f"{type(error).__name__}: {error}"
            picker.show_error(message)
            self.query_one("#corpus-facts", Static).update(Text("this corpus cannot be used", style="bold red"))
            self.notify(neutralise(message), severity="error", title="Corpus", markup=False)

    # training -------------------------------------------------------------------------------
    def output_folder(self, config) -> Path:
        """Where the run goes: the form's name under the checkpoints folder, or a made-up name."""
        name = self.query_one(TrainForm).output_name
        if not name:
            return self.app.checkpoints / default_run_name(config)
        path = Path(name).expanduser()
        return path if path.is_absolute() or len(path.parts) > 1 else self.app.checkpoints / name

    def action_start(self) -> None:
        """Validate the form and start the headless trainer in a child process."""
        if self.app.training is not None:
            self.notify("a training is already running; stop it first (F6)", severity="warning", markup=False)
            return
        form = self.query_one(TrainForm)
        picker = self.query_one(CorpusPicker)
        corpus = picker.value
        if not corpus:
            picker.show_error("choose a corpus first: a file, a folder of .txt files, or a catalogue entry")
            self.show_tab("setup")
            return
        try:
            config = form.read_config(corpus)
        except FormError as exc:
            self.show_tab("setup", focus=False)
            form.flag(exc)
            self.notify(neutralise(str(exc)), severity="error", title="Check the form", markup=False)
            return
        folder = self.output_folder(config)
        if (folder / TRAINER_NPZ).exists():
            self.show_tab("setup", focus=False)
            form.flag(FormError("out", f"{folder.name} already holds a run: choose another name, or resume it from Models (F4)"))
            self.notify("that output folder already holds a run", severity="error", markup=False)
            return
        self.app.start_training(config, folder)

    def action_stop(self) -> None:
        """Ask the running training to save and stop."""
        if self.app.training is None:
            self.notify("no training is running", severity="warning", markup=False)
            return
        self.app.stop_training()

    def action_switch_tab(self) -> None:
        """Toggle between the setup and the progress tab."""
        self.show_tab("progress" if self.query_one(TabbedContent).active == "setup" else "setup")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            self.action_start()
        elif event.button.id == "stop":
            self.action_stop()

    def _on_training(self, training) -> None:
        self.query_one("#start", Button).disabled = training is not None
        self.query_one("#stop", Button).disabled = training is None
        monitor = self.query_one(RunMonitor)
        if training is not None and monitor.folder != training.folder:
            monitor.follow(training.folder, since=None if training.resumed else training.started_at - 1.0)
            self.call_after_refresh(self.show_tab, "progress")

    def show_tab(self, tab: str, focus: bool = True) -> None:
        """Show the setup or the progress tab (and move the focus into it)."""
        tabs = self.query_one(TabbedContent)
        if tabs.active == tab:
            return
        self.set_focus(None)  # a focused widget in the hidden pane would switch the tab back
        tabs.active = tab
        if focus:
            target = self.query_one("#run-log") if tab == "progress" else self.query_one("#corpus-path")
            self.call_after_refresh(target.focus)
