"""The train screen: choose a corpus, fill in the form, start a training and watch it."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Select, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from lstm_tui.engine.data.catalogue import CatalogueEntry, load_catalogue
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.data.textfile import neutralise
from lstm_tui.tui import format as fmt
from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.engine.train.init_from import Parent, find_parent
from lstm_tui.engine.train.presets import PRESETS, Preset
from lstm_tui.engine.train.time_estimate import Throughput, TrainingTime, for_device, measured_runs, training_time
from lstm_tui.tui.corpus_facts import CorpusFacts, describe_corpus, epoch_tokens
from lstm_tui.tui.widgets.corpus_picker import CorpusPicker
from lstm_tui.tui.widgets.run_monitor import RunMonitor
from lstm_tui.tui.widgets.train_form import OUT, PRESET, TrainForm


def facts_text(facts: CorpusFacts, raw: bool = False) -> Text:
    """The corpus summary shown above the preview (`raw`: the preview shows the file as it is)."""
    files = f"{facts.files:,} files · " if facts.files > 1 else ""
    text = Text.assemble(
        (facts.title, "bold"),
        f"\n{files}{fmt.size(facts.size_bytes)} · {facts.encoding} · {facts.format} · "
        f"{facts.chars:,} characters · {facts.lines:,} lines",
    )
    for note in facts.notes:
        text.append(f"\n{note}", style="dim")
    if facts.raw_preview:
        shows = "the raw file; F8: the cleaned text that trains" if raw else "the cleaned text that trains; F8: the raw file"
        text.append(f"\npreview: {shows}", style="dim")
    return text


def about(seconds: float) -> str:
    """A duration to two figures: `40 s`, `12 min`, `3 h 20 min`."""
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes} min" if hours < 10 else f"{hours} h"


def estimate_text(time: TrainingTime) -> Text:
    """The time per epoch (and until the first limit) under the form, and where it comes from."""
    head = f"≈ {about(time.epoch_seconds)} per epoch"
    if time.total_seconds is not None:
        head += f", ≈ {about(time.total_seconds)} in all"
    return Text.assemble(
        (head, "bold"),
        (f"\n{time.train_tokens:,} tokens an epoch at ≈ {time.tokens_per_second:,.0f} tokens/s, "
         f"scaled from the run {neutralise(time.measured_on)}", "dim"),
    )


class TrainScreen(Screen):
    """Corpus picker, preview and form on the setup tab; the run monitor on the progress tab."""

    BINDINGS = [
        Binding("f5", "start", "Start"),
        Binding("f6", "stop", "Stop"),
        Binding("f7", "switch_tab", "Setup/Progress"),
        Binding("f8", "toggle_raw", "Raw/cleaned"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.facts: CorpusFacts | None = None
        """What is known about the chosen corpus."""
        self._catalogue: dict[str, CatalogueEntry] = {}
        self.show_raw = False
        """True while the preview shows the raw file instead of the cleaned text (Aozora Bunko)."""
        self.throughputs: list[Throughput] = []
        """What earlier runs under the checkpoints folder reached, newest first (for the estimate)."""

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
                        yield Static("", id="train-estimate")
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
        self._measure(self.app.checkpoints)

    # corpus ---------------------------------------------------------------------------------
    def on_corpus_picker_chosen(self, event: CorpusPicker.Chosen) -> None:
        self.facts = None
        self.show_raw = False
        self.query_one("#corpus-facts", Static).update(Text(f"reading {neutralise(event.spec)} …"))
        self.query_one("#corpus-preview", Static).update("")
        self.refresh_bindings()
        self.update_estimate()
        self._describe(event.spec)

    @work(thread=True, exclusive=True, group="corpus", exit_on_error=False)
    def _describe(self, spec: str) -> CorpusFacts:
        return describe_corpus(spec, self._catalogue)

    @work(thread=True, exclusive=True, group="measure", exit_on_error=False)
    def _measure(self, root: Path) -> list[Throughput]:
        return measured_runs(root)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "measure" and event.state == WorkerState.SUCCESS:
            self.throughputs = event.worker.result
            self.update_estimate()
        if event.worker.group == "parent":
            self._parent_read(event)
        if event.worker.group != "corpus":
            return
        picker = self.query_one(CorpusPicker)
        if event.state == WorkerState.SUCCESS:
            facts: CorpusFacts = event.worker.result
            self.facts = facts
            picker.show_error("")
            self.show_preview()
            suggested = dict(facts.suggested)
            if suggested.get("level") == "char":  # a word corpus's tokenizer means nothing here
                suggested.setdefault("tokenizer", TrainConfig().run.tokenizer)
            self.query_one(TrainForm).suggest(suggested)
            self.refresh_bindings()
            self.update_estimate()
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            message = str(error) if isinstance(error, UserError) else f"{type(error).__name__}: {error}"
            picker.show_error(message)
            self.query_one("#corpus-facts", Static).update(Text("this corpus cannot be used", style="bold red"))
            self.notify(neutralise(message), severity="error", title="Corpus", markup=False)

    def show_preview(self) -> None:
        """Show the corpus facts and its preview: the cleaned text that trains, or the raw file."""
        facts = self.facts
        if facts is None:
            return
        raw = self.show_raw and bool(facts.raw_preview)
        self.query_one("#corpus-facts", Static).update(facts_text(facts, raw))
        self.query_one("#corpus-preview", Static).update(Text(facts.raw_preview if raw else facts.preview))
        self.query_one("#corpus-preview-box").border_title = "preview: raw file" if raw else "preview"

    def action_toggle_raw(self) -> None:
        """Switch the preview between the cleaned text that trains and the raw file."""
        self.show_raw = not self.show_raw
        self.show_preview()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_raw":
            return self.facts is not None and bool(self.facts.raw_preview)
        return True

    # estimate -------------------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "field-init_from":
            self._read_parent(event.value.strip())
        self.update_estimate()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == f"field-{PRESET}" and not event.select.is_blank():
            self._preset_chosen(PRESETS[str(event.value)])
        self.update_estimate()

    def _preset_chosen(self, preset: Preset) -> None:
        """Say what the preset is for; take its corpus when none is chosen yet."""
        self.notify(preset.description, title=f"preset {preset.name}", timeout=8, markup=False)
        corpus = preset.values.get("corpus")
        picker = self.query_one(CorpusPicker)
        if corpus and not picker.value and (corpus in self._catalogue or corpus.startswith("builtin:")):
            picker.choose(corpus)

    @work(thread=True, exclusive=True, group="parent", exit_on_error=False)
    def _read_parent(self, spec: str) -> Parent | None:
        """The model the form fine-tunes (None: a new model), read in a thread."""
        return find_parent(spec) if spec else None

    def _parent_read(self, event: Worker.StateChanged) -> None:
        """Show the fine-tuned model's size and cache in the rows not edited, or why it cannot be used."""
        form = self.query_one(TrainForm)
        if event.state == WorkerState.SUCCESS:
            parent: Parent | None = event.worker.result
            form.inherit({**parent.sizes(), **parent.prediction()} if parent is not None else {})
        elif event.state == WorkerState.ERROR:
            form.inherit({})
            form.show_error("init_from", str(event.worker.error))

    def update_estimate(self) -> None:
        """The time per epoch of the chosen corpus under the form's model, before F5."""
        line = self.query_one("#train-estimate", Static)
        if self.facts is None:
            line.update("")
            return
        try:
            config = TrainConfig.from_values(self.query_one(TrainForm).values(self.facts.spec))
            config.validate()
            tokens, vocab = epoch_tokens(self.facts, config.run)
        except UserError as exc:
            line.update(Text(f"no time per epoch yet: {neutralise(str(exc))}", style="dim"))
            return
        throughput = for_device(self.throughputs, config.session.device)
        if throughput is None:
            line.update(Text(f"{tokens:,} tokens an epoch; the time per epoch shows once a run has trained here", style="dim"))
            return
        line.update(estimate_text(training_time(config, tokens, vocab, throughput)))

    # training -------------------------------------------------------------------------------
    def output_folder(self, config) -> Path:
        """Where the run goes: the form's name under the checkpoints folder, or a made-up name."""
        return self.app.runs.folder_for(config, self.query_one(TrainForm).output_name)

    def action_start(self) -> None:
        """Validate the form and start the headless trainer in a child process."""
        if self.app.runs.is_training():
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
            if config.run.init_from:  # the parent's sizes, or an error on the row that conflicts
                config = find_parent(config.run.init_from).configure(config)
        except UserError as exc:
            self.show_tab("setup", focus=False)
            form.flag(exc)
            self.notify(neutralise(str(exc)), severity="error", title="Check the form", markup=False)
            return
        folder = self.output_folder(config)
        if self.app.runs.holds_run(folder):
            self.show_tab("setup", focus=False)
            form.flag(UserError(f"{folder.name} already holds a run: choose another name, or resume it from Models (F4)", field=OUT))
            self.notify("that output folder already holds a run", severity="error", markup=False)
            return
        self.app.start_training(config, folder)

    def action_stop(self) -> None:
        """Ask the running training to save and stop."""
        if not self.app.runs.is_training():
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
