"""The command palette's lstm-tui commands (ctrl+p): screens, models, training, help.

Quit is Textual's own palette entry (it runs the app's `action_quit`, which asks about a running
training): listing it here too showed it twice.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class LstmCommands(Provider):
    """Every app action by name, so nothing depends on remembering a key."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = self.app
        action = app.run_action
        return [
            ("Predict screen", "type and see the model's next-token suggestions (F2)", partial(action, "switch_mode('predict')")),
            ("Train screen", "train a new model on a corpus (F3)", partial(action, "switch_mode('train')")),
            ("Models screen", "list, load, resume, delete and watch runs (F4)", partial(action, "switch_mode('models')")),
            ("Load model…", "choose a run folder on the models screen", partial(action, "switch_mode('models')")),
            ("Load latest checkpoint", "the training's newest checkpoint (ctrl+l on predict)", partial(action, "load_latest")),
            ("Toggle follow training", "load each new checkpoint automatically (ctrl+o)", partial(action, "toggle_follow")),
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
