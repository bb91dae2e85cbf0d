"""Inspect mode and the cells view of the predict screen: the state, and the work behind them.

The screen owns one `InspectMode` and tells it what happened (a key changed the text, the cursor
moved, another model loaded, F8, F9); it keeps the inspector (`InspectSession`, loaded in a
worker with a twin of the suggestions' predictor, which shares its steps) following the box's
text, and sets what the text box, the inspect panel, the status line and the cells strip show.
The model work after a key is bounded (`KEY_SECONDS`); the rest runs in slices on a timer, so
typing stays within a frame.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.screen import Screen
from textual.timer import Timer

from lstm_tui.engine.data.textfile import neutralise
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.inspect import CellProbe
from lstm_tui.tui.dialogs.cells import CellsChoice, CellsDialog
from lstm_tui.tui.textual_hooks import flush_repaints
from lstm_tui.tui.widgets.cells_strip import CellsStrip
from lstm_tui.tui.widgets.inspect_editor import InspectEditor
from lstm_tui.tui.widgets.inspect_panel import InspectPanel
from lstm_tui.tui.widgets.inspect_session import KEY_SECONDS, SLICE_INTERVAL, SLICE_SECONDS, CharRange, InspectSession
from lstm_tui.tui.widgets.predict_settings import PredictSettings
from lstm_tui.tui.widgets.status_bar import ModelStatus

LOADING = "loading the model for inspecting…"


class InspectMode:
    """Whether inspect mode is on, the unit the cells view shows, and the inspector behind both."""

    def __init__(self, screen: Screen) -> None:
        self.screen = screen
        self.on = False
        """Inspect mode is on (F8): the text coloured, the panel and the totals shown."""
        self.session: InspectSession | None = None
        """The inspector of the loaded model (None until loaded; kept while inspect mode is off)."""
        self.probe: CellProbe | None = None
        """The unit the cells view draws (None: the view is closed)."""
        self.probe_note = ""
        """What find-cells said of it, shown in the strip's header."""
        self.folder: Path | None = None
        """The model the screen predicts with: the one to inspect."""
        self._timer: Timer | None = None
        self._choose_when_loaded = False
        self._shown: tuple | None = None  # what the panel and the strip show (skip a repaint of the same)

    @property
    def editor(self) -> InspectEditor:
        return self.screen.query_one(InspectEditor)

    # what the screen tells ---------------------------------------------------------------------
    def toggle(self) -> bool:
        """Turn inspect mode on or off; returns whether it is on."""
        self.on = not self.on
        self._shown = None
        self.screen.set_class(self.on, "-inspect")
        self.screen.set_class(self.on and self.probe is not None, "-cells")
        if not self.on:
            self.editor.show_colouring(None)
            self.screen.query_one(ModelStatus).inspect_totals = None
            self._pause()
        elif self.session is not None and self.session.folder == self.folder:
            self._attach()
        elif self.folder is None:
            self.screen.query_one(InspectPanel).show_message("no model loaded yet: F5 chooses one, F3 trains one")
        else:
            self._load(self.folder)
        return self.on

    def model_changed(self, folder: Path) -> None:
        """The screen predicts with the model in `folder` now: inspect that one."""
        self.folder = Path(folder).resolve()
        if self.session is not None and self.session.folder == self.folder:
            return
        if self.session is not None:
            self.session = None
            self.editor.show_colouring(None)
        if self.on:
            self._load(self.folder)

    def text_changed(self) -> None:
        """A key (or a paste, undo, load) changed the text: follow it within a key's budget."""
        if self.on and self.session is not None:
            self._follow(KEY_SECONDS)

    def cursor_moved(self) -> None:
        """The cursor moved: show the token under it (after an edit, the text's change shows it)."""
        if self.on and self.session is not None and self.session.edit_mark == self.editor.edit_count:
            self._show_cursor()

    def settings_changed(self) -> None:
        """The predict screen's top-k changed: the panel lists that many of the model's choices."""
        self.cursor_moved()

    # loading -----------------------------------------------------------------------------------
    def _load(self, folder: Path) -> None:
        self._shown = None
        self.screen.query_one(InspectPanel).show_message(LOADING)
        self.screen.run_worker(self._load_session(folder), group="inspect-load", exclusive=True, exit_on_error=False)

    async def _load_session(self, folder: Path) -> None:
        live = getattr(self.screen, "live", None)  # the screen's LiveModel: its predictor gets a twin
        partner = live.predictor if live is not None and live.folder == folder else None
        try:
            session = await asyncio.to_thread(InspectSession.load, folder, partner)
        except Exception as exc:  # a damaged or vanished folder: say so, keep the app
            message = str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
            self.screen.query_one(InspectPanel).show_message(f"could not load the model for inspecting: {neutralise(message)}")
            return
        if folder != self.folder:  # another model was chosen meanwhile
            return
        self.session = session
        if self.on:
            self._attach()
            if self._choose_when_loaded:
                self.choose_cell()
        self._choose_when_loaded = False

    # following the text ------------------------------------------------------------------------
    def _attach(self) -> None:
        assert self.session is not None
        self.editor.show_colouring(self.session)
        self._follow(KEY_SECONDS)

    def _follow(self, seconds: float) -> None:
        session, editor = self.session, self.editor
        assert session is not None
        changed = session.follow(editor.text, editor.edit_count)
        self._repaint(changed, session.advance(seconds))
        self._show_results()

    def _slice(self) -> None:
        """Score pending tokens for a slice (the timer's tick while any are pending)."""
        session = self.session
        if not self.on or session is None or not session.pending:
            self._pause()
            return
        if session.edit_mark != self.editor.edit_count:  # an edit the screen has not passed on yet
            self._follow(SLICE_SECONDS)
            return
        self._repaint(None, session.advance(SLICE_SECONDS))
        self._show_results()

    def _repaint(self, *ranges: CharRange | None) -> None:
        changed = [r for r in ranges if r is not None]
        if changed:
            self.editor.repaint_chars(min(r.start for r in changed), max(r.end for r in changed))

    def _show_results(self) -> None:
        session = self.session
        assert session is not None
        status = self.screen.query_one(ModelStatus)
        status.inspect_totals = session.totals()
        self._show_cursor()
        # in the frame the key's suggestions go out in, not one frame later (textual_hooks.flush_repaints)
        flush_repaints(self.editor, status, self.screen.query_one(InspectPanel), self.screen.query_one(CellsStrip))
        if session.pending:
            if self._timer is None:
                self._timer = self.screen.set_interval(SLICE_INTERVAL, self._slice, name="inspect-slices")
            else:
                self._timer.resume()
        else:
            self._pause()

    def _pause(self) -> None:
        if self._timer is not None:
            self._timer.pause()

    def _show_cursor(self) -> None:
        session, editor = self.session, self.editor
        assert session is not None
        offset = editor.offset_of(editor.cursor_location)
        top_k = self.screen.query_one(PredictSettings).k  # as many of the model's choices as the suggestions list
        shown = (session, session.edit_mark, session.inspector.scored, offset, top_k, self.probe, self.probe_note)
        if shown == self._shown:  # a key's text change and cursor move: one update
            return
        self._shown = shown
        panel = self.screen.query_one(InspectPanel)
        panel.show_token(session.token_at(offset), session.rank_buckets, session.bucket_shares(), session.pending, top_k)
        if self.probe is not None:
            self.screen.query_one(CellsStrip).show(self.probe, session.text, session.cells(self.probe), offset, self.probe_note)

    # the cells view ----------------------------------------------------------------------------
    def choose_cell(self) -> None:
        """Open the cells dialog (inspect mode turns on first: the cells come from its inspector)."""
        if not self.on:
            self.toggle()
        session = self.session
        if session is None:  # loading: the dialog opens when it is ready
            self._choose_when_loaded = True
            return

        def chosen(choice: CellsChoice | None) -> None:
            self.editor.focus()
            if choice is not None and self.session is session:
                self.show_cell(choice.probe, choice.note)

        self.screen.app.push_screen(CellsDialog(session, self.probe, self.editor.text), chosen)

    def show_cell(self, probe: CellProbe | None, note: str = "") -> None:
        """Draw `probe` under the text (None: close the cells view); `note`: what it follows."""
        self.probe, self.probe_note = probe, note
        self.screen.set_class(self.on and probe is not None, "-cells")
        if self.on and self.session is not None:
            self._show_cursor()
