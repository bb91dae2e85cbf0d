"""The predict screen: type, and the model follows the text before the cursor at every key."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header
from textual.worker import Worker, WorkerState

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.data.textfile import neutralise
from lstm_tui.engine.runs.model_choice import remember_model
from lstm_tui.engine.runtime.blas_threads import use_blas_threads
from lstm_tui.tui.live_model import INLINE_CHARS, LiveModel, Prediction
from lstm_tui.tui.next_key_searches import NextKeySearches
from lstm_tui.tui.dialogs.model_picker import ModelPicker
from lstm_tui.tui.screens.text_box_screen import TextBoxScreen
from lstm_tui.tui.script_offer import ScriptOffer
from lstm_tui.tui.textual_hooks import flush_repaints
from lstm_tui.tui.widgets.cells_strip import CellsStrip
from lstm_tui.tui.widgets.ghost_editor import GhostEditor
from lstm_tui.tui.widgets.inspect_editor import InspectEditor
from lstm_tui.tui.widgets.inspect_mode import InspectMode
from lstm_tui.tui.widgets.inspect_panel import InspectPanel
from lstm_tui.tui.widgets.predict_settings import PredictSettings
from lstm_tui.tui.widgets.status_bar import ModelStatus
from lstm_tui.tui.widgets.suggestions import SuggestionsPanel

UNREADABLE = "most of this text is unknown to this model — train one on similar text (F3)"
UNREADABLE_SHARE = 0.5  # share of unknown tokens in the text from which the hint is shown…
UNREADABLE_TOKENS = 4  # …once there are this many (one unknown word of two is no pattern)
GENERATE_TOKENS = {"char": 200, "word": 50}  # what ctrl+g samples: a few lines either way
NO_MODEL = "No model found.\n\nF3 trains one (a few minutes on a small text);\nF4 opens an existing run folder."


class PredictScreen(TextBoxScreen):
    """The editor, the top-k panel, the settings bar and the model's status line; inspect mode
    (F8: rank colours, the token under the cursor, the text's bits) and the cells view (F9)."""

    BINDINGS = [
        Binding("f5", "choose_model", "Model"),
        Binding("f8", "toggle_inspect", "Inspect"),
        Binding("f9", "choose_cell", "Cells"),
        # only while the offer stands (check_action); a priority key, else the editor types its "j"
        Binding("alt+j", "accept_offer", "Japanese model", priority=True),
        Binding("ctrl+n", "edit_setting('k')", "Top-k", show=False),
        Binding("ctrl+t", "edit_setting('temperature')", "Temperature", show=False),
        Binding("ctrl+o", "toggle_follow", "Follow training", show=False),
        Binding("ctrl+l", "load_latest", "Load latest"),
        Binding("ctrl+g", "generate", "Generate"),
        Binding("ctrl+r", "open_file", "Open file", show=False),
        Binding("ctrl+s", "save_file", "Save", show=False),
        Binding("ctrl+b", "clear_text", "New text", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.live: LiveModel | None = None
        """The loaded model (None until one is loaded)."""
        self.prediction: Prediction | None = None
        """The prediction on display."""
        self._shown_key: tuple | None = None
        self._busy = False
        self._announce = False
        self.offer = ScriptOffer()
        """The offer of the Japanese model when the text turns Japanese (once a session)."""
        self.inspect = InspectMode(self)
        """Inspect mode (F8) and the cells view (F9)."""
        self.next_keys = NextKeySearches(self)
        """The word bar's searches for the likeliest next keys, run between keys."""

    def compose(self) -> ComposeResult:
        yield Header()
        # The status line (it changes with every key) sits above the text box: Textual repaints
        # the band of rows between the changed widgets, so keeping them together keeps it short.
        yield ModelStatus(id="status")
        with Horizontal(id="predict-main"):
            yield InspectEditor(id="editor")
            with Vertical(id="suggestions-box"):
                yield SuggestionsPanel(id="suggestions")
            yield InspectPanel(id="inspect-box")
            yield CellsStrip(id="cells-strip")
        yield PredictSettings(id="settings")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "predict"
        self.query_one("#suggestions-box").border_title = "next token"
        self.query_one(GhostEditor).border_title = "text"
        self.query_one(InspectPanel).border_title = "inspect"
        self.query_one(CellsStrip).border_title = "cells"
        self.watch(self.app, "model_request", self._on_model_request)
        self.watch(self.app, "latest_checkpoint", self._on_latest_checkpoint, init=False)
        self.query_one(GhostEditor).focus()

    # model loading ----------------------------------------------------------------------------
    def _on_model_request(self, request) -> None:
        if request is None:
            self.query_one(SuggestionsPanel).message = NO_MODEL
            return
        self.load(request.folder, announce=request.announce, chosen=request.chosen)

    def load(self, folder: Path, announce: bool = True, chosen: bool = True) -> None:
        """Load the run folder `folder` in a thread; the current model keeps answering meanwhile.
        `chosen`: the user asked for it (not a followed training), so it opens at the next launch."""
        self._announce = announce
        self.query_one(ModelStatus).note = f"loading {neutralise(Path(folder).name)}…"
        if self.live is None:
            self.query_one(SuggestionsPanel).message = "loading the model…"
        self._load_worker(Path(folder), chosen)

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load_worker(self, folder: Path, chosen: bool) -> LiveModel:
        live = LiveModel.load(folder)
        if chosen:
            remember_model(live.folder, self.app.checkpoints)
        return live

    def _loaded(self, live: LiveModel) -> None:
        use_blas_threads(live.blas_threads)  # process-wide: set on the UI thread, not in the load worker
        self.live = live
        self._shown_key = None
        status = self.query_one(ModelStatus)
        status.model = live
        status.note = ""
        self.query_one(SuggestionsPanel).message = ""
        self.offer.withdraw()
        self.refresh_bindings()
        self.inspect.model_changed(live.folder)
        if self._announce:
            step = f" (step {live.step:,})" if live.step is not None else ""
            self.notify(f"{neutralise(live.label)}{step}", title="Model loaded", timeout=3, markup=False)
        self.refresh_prediction()

    def _load_failed(self, error: BaseException | None) -> None:
        self.query_one(ModelStatus).note = ""
        if self.live is None:
            self.query_one(SuggestionsPanel).message = NO_MODEL
        message = str(error) if isinstance(error, UserError) else f"{type(error).__name__}: {error}"
        if self.live is not None:  # the old model stays and keeps predicting: a notice is enough
            self.notify(f"{neutralise(message)}; {neutralise(self.live.label)} still predicts", title="Could not load the model",
                        severity="error", timeout=8, markup=False)
            return
        self.app.show_error("Could not load the model", message, "Pick another run on the Models screen (F4) or train one (F3).")

    def _on_latest_checkpoint(self, checkpoint) -> None:
        if checkpoint is not None and self.query_one(PredictSettings).follow:
            self.load(checkpoint.folder, announce=False, chosen=False)

    def _catch_up(self) -> None:
        """Follow was just turned on: load the newest checkpoint seen, unless it is the model in use
        (a checkpoint written while follow was off would otherwise wait for the next one)."""
        checkpoint, live = self.app.latest_checkpoint, self.live
        if checkpoint is None:
            return
        if live is not None and live.folder == Path(checkpoint.folder).resolve() and live.step == checkpoint.step:
            return
        self._on_latest_checkpoint(checkpoint)

    # following the text -----------------------------------------------------------------------
    def text_before_cursor(self) -> str:
        """The editor's text from the start up to the cursor."""
        editor = self.query_one(GhostEditor)
        return editor.get_text_range((0, 0), editor.cursor_location)

    def on_text_area_changed(self, event: GhostEditor.Changed) -> None:
        self.refresh_prediction()
        self.inspect.text_changed()

    def on_text_area_selection_changed(self, event: GhostEditor.SelectionChanged) -> None:
        self.refresh_prediction()
        self.inspect.cursor_moved()

    def refresh_prediction(self) -> None:
        """Make the suggestions follow the text before the cursor (inline, or in a worker if big)."""
        live = self.live
        if live is None:
            return
        settings = self.query_one(PredictSettings)
        text = self.text_before_cursor()
        key = (id(live), text, settings.k, settings.temperature)
        if key == self._shown_key or self._busy:
            return  # a running worker calls back here when it is done
        self.next_keys.stop()
        if live.needs_worker(text):
            self._busy = True
            new = live.new_chars(text)
            if new > INLINE_CHARS:  # a paste or a jump, not a key in a long word-level text
                self.query_one(ModelStatus).note = f"following {new:,} characters…"
                self.query_one(SuggestionsPanel).message = f"reading {new:,} characters…\n(keep typing: the model catches up)"
            self._follow_worker(live, text, settings.k, settings.temperature)
            return
        self._show(live.predict(text, settings.k, settings.temperature))

    @work(thread=True, exclusive=True, group="predict", exit_on_error=False)
    def _follow_worker(self, live: LiveModel, text: str, k: int, temperature: float) -> tuple[LiveModel, Prediction]:
        return live, live.predict(text, k, temperature)

    def _show(self, prediction: Prediction) -> None:
        assert self.live is not None
        self.prediction = prediction
        self._shown_key = (id(self.live), prediction.text, prediction.k, prediction.temperature)
        panel = self.query_one(SuggestionsPanel)
        panel.suggestions = prediction.suggestions
        panel.message = ""
        unreadable = prediction.unknown_share >= UNREADABLE_SHARE and prediction.unknown_tokens >= UNREADABLE_TOKENS
        panel.hint = UNREADABLE if unreadable else ""
        editor = self.query_one(GhostEditor)
        editor.ghost = prediction.ghost
        status = self.query_one(ModelStatus)
        status.latency_ms = prediction.latency_ms
        status.unknown_share = prediction.unknown_share
        status.note = ""
        flush_repaints(panel, editor, status)
        self._offer_japanese(prediction.text)
        self.next_keys.start(self.live, prediction.text)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "load":
            if event.state == WorkerState.SUCCESS:
                self._loaded(worker.result)
            elif event.state == WorkerState.ERROR:
                self._load_failed(worker.error)
        elif worker.group == "generate" and event.state in (WorkerState.SUCCESS, WorkerState.ERROR):
            self.query_one(ModelStatus).note = ""
            if event.state == WorkerState.SUCCESS:
                self._insert_generated(*worker.result)
            else:
                self.notify(f"could not generate: {worker.error}", severity="error", markup=False)
        elif worker.group == "predict" and event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self._busy = False
            if event.state == WorkerState.SUCCESS:
                live, prediction = worker.result
                if live is self.live:
                    self._show(prediction)
            elif event.state == WorkerState.ERROR:
                self.notify(f"the model could not follow the text: {worker.error}", severity="error", markup=False)
            self.refresh_prediction()

    # choosing the model -----------------------------------------------------------------------
    def action_choose_model(self) -> None:
        """Open the model picker: the shipped defaults and the finished runs; the choice loads here."""

        def chosen(folder: Path | None) -> None:
            if folder is not None:
                self.app.request_model(folder)
            self.query_one(GhostEditor).focus()

        self.app.push_screen(ModelPicker(self.app.runs, self.live.folder if self.live else None), chosen)

    def action_toggle_inspect(self) -> None:
        """Inspect mode: the text coloured by each token's rank, the token under the cursor, the totals."""
        self.inspect.toggle()

    def action_choose_cell(self) -> None:
        """The cells view: choose (or find) an LSTM unit to draw under the text."""
        self.inspect.choose_cell()

    def _offer_japanese(self, text: str) -> None:
        target = self.offer.check(text, self.live)  # once a session: the text turned Japanese
        if target is not None:
            self.notify(f"This text looks Japanese (日本語); the model predicting reads another script.\n"
                        f"alt+j switches to the Japanese model ({neutralise(target.name)}); F5 lists every model.",
                        title="A Japanese model is here", timeout=15, markup=False)
            self.refresh_bindings()

    def action_accept_offer(self) -> None:
        """Load the model the offer names (the Japanese default)."""
        if self.offer.target is not None:
            self.app.clear_notifications()  # the offer's own toast; "Model loaded" follows
            self.app.request_model(self.offer.target)
            self.offer.withdraw()
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """alt+j is a key only while the offer of the Japanese model stands."""
        return self.offer.target is not None if action == "accept_offer" else True

    # accepting --------------------------------------------------------------------------------
    def on_ghost_editor_pick_requested(self, event: GhostEditor.PickRequested) -> None:
        prediction = self.prediction
        if prediction is None or prediction.text != self.text_before_cursor():
            self.app.bell()
            return
        items = prediction.suggestions.ranked
        if not 1 <= event.rank <= len(items):
            self.app.bell()
            return
        editor = self.query_one(GhostEditor)
        start, end = sorted(editor.selection)
        editor.replace(items[event.rank - 1].insert, start, end)

    # settings ---------------------------------------------------------------------------------
    def on_predict_settings_changed(self, event: PredictSettings.Changed) -> None:
        self.refresh_prediction()
        self.inspect.settings_changed()

    def on_predict_settings_done(self, event: PredictSettings.Done) -> None:
        self.query_one(GhostEditor).focus()

    def action_edit_setting(self, name: str) -> None:
        """Move the focus to the top-k or temperature field."""
        self.query_one(f"#setting-{name}").focus()

    def action_toggle_follow(self) -> None:
        """Turn follow-training on or off."""
        on = self.query_one(PredictSettings).toggle_follow()
        message = "new checkpoints load automatically" if on else "follow training is off"
        self.notify(message, title="Follow training", timeout=3, markup=False)
        if on:
            self._catch_up()

    def action_load_latest(self) -> None:
        """Load the newest checkpoint seen (of a training followed here), else reload the model."""
        checkpoint = self.app.latest_checkpoint
        if checkpoint is not None:
            self.load(checkpoint.folder)
        elif self.live is not None:
            self.load(self.live.folder)
        else:
            self.notify("no model or checkpoint to load yet; train one (F3) or open one (F4)", severity="warning", markup=False)

    # text commands ----------------------------------------------------------------------------
    def action_generate(self) -> None:
        """Sample a continuation of the text before the cursor at the chosen temperature and top-k."""
        live = self.live
        if live is None:
            self.notify("no model loaded yet; train one (F3) or open one (F4)", severity="warning", markup=False)
            return
        settings = self.query_one(PredictSettings)
        self.query_one(ModelStatus).note = "generating…"
        self._generate_worker(live, self.text_before_cursor(), settings.k, settings.temperature)

    @work(thread=True, exclusive=True, group="generate", exit_on_error=False)
    def _generate_worker(self, live: LiveModel, text: str, k: int, temperature: float) -> tuple[str, str, int, float]:
        return text, live.generate(text, GENERATE_TOKENS.get(live.level, 50), temperature, k), k, temperature

    def _insert_generated(self, text: str, generated: str, k: int, temperature: float) -> None:
        if text != self.text_before_cursor():
            self.notify("the text changed while generating; ctrl+g again", severity="warning", markup=False)
            return
        editor = self.query_one(GhostEditor)
        start, end = sorted(editor.selection)
        editor.replace(neutralise(generated), start, end)
        self.notify(f"{len(generated):,} characters at temperature {temperature:g}, top-k {k} (ctrl+z takes them back)",
                    title="Generated", timeout=4, markup=False)
