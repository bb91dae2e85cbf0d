"""The command palette's lstm-tui commands (ctrl+p): screens, text, models, training, help.

Quit is Textual's own palette entry (it runs the app's `action_quit`, which asks about a running
training): listing it here too showed it twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class LstmCommands(Provider):
    """Every app action by name, so nothing depends on remembering a key."""

    def _on_predict(self, action: str) -> Callable[[], Awaitable[None]]:
        """A predict-screen action, run after switching to that screen."""

        async def run() -> None:
            await self.app.switch_mode("predict")
            await self.app.run_action(f"screen.{action}")

        return run

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = self.app
        action = app.run_action
        on_predict = self._on_predict
        return [
            ("Predict screen", "type and see the model's next-token suggestions (F2)", partial(action, "switch_mode('predict')")),
            ("Train screen", "train a new model on a corpus (F3)", partial(action, "switch_mode('train')")),
            ("Models screen", "list, load, resume, delete and watch runs (F4)", partial(action, "switch_mode('models')")),
            ("Generate text", "sample a continuation at the temperature and top-k into the text (ctrl+g)", on_predict("generate")),
            ("Set temperature", "how adventurous suggestions and generated text are (ctrl+t)", on_predict("edit_setting('temperature')")),
            ("Set top-k", "how many suggestions to show, and to sample from (ctrl+n)", on_predict("edit_setting('k')")),
            ("New text", "clear the text box; ctrl+z brings it back (ctrl+b)", on_predict("clear_text")),
            ("Open a file into the text box…", "a text file replaces the text (ctrl+r)", on_predict("open_file")),
            ("Save the text to a file…", "asks before replacing a file (ctrl+s)", on_predict("save_file")),
            ("Copy the text", "the selection, else the whole text, to the clipboard", on_predict("copy_text")),
            ("Choose the model…", "the shipped defaults and the finished runs (F5 on predict)", on_predict("choose_model")),
            ("Load model…", "choose a run folder on the models screen", partial(action, "switch_mode('models')")),
            ("Load latest checkpoint", "the training's newest checkpoint (ctrl+l on predict)", on_predict("load_latest")),
            ("Toggle follow training", "load each new checkpoint automatically (ctrl+o)", on_predict("toggle_follow")),
            ("Toggle inspect mode", "colour the text by each token's rank; the token under the cursor; the text's bits (F8)", on_predict("toggle_inspect")),
            ("Cells view…", "draw one LSTM unit under the text, or find the units that follow quotes, brackets, lines (F9)", on_predict("choose_cell")),
            ("Train: start", "start training with the train screen's form (F5)", partial(action, "start_training_from_form")),
            ("Train: stop", "stop the running training; it saves a checkpoint (F6)", partial(action, "stop_training")),
            ("Help", "all the keys (F1)", partial(action, "help")),
        ]

    async def discover(self) -> Hits:
        """All commands, for the palette before anything is typed."""
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        """Commands whose title fuzzily matches `query`."""
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
