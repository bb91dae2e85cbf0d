"""Between keys, the word bar's searches for the likeliest next characters (`LiveModel.warm`).

The predict screen starts them once a key's prediction is shown and typing pauses for
`WARM_DELAY_S`; the next key stops them. They run in a thread worker, so a key never waits for
them, and only fill the model's memo of steps: what the screen shows never depends on them.
"""

from __future__ import annotations

from textual.dom import DOMNode
from textual.timer import Timer
from textual.worker import get_current_worker

from lstm_tui.tui.live_model import LiveModel

WARM_DELAY_S = 0.01  # a pause in typing this long starts the searches (keys back to back never pay for them)
GROUP = "warm"


class NextKeySearches:
    """The pending start (a timer) and the running worker of one screen's searches."""

    def __init__(self, node: DOMNode) -> None:
        self._node = node
        self._timer: Timer | None = None

    def start(self, live: LiveModel, text: str) -> None:
        """The searches after `text` (just shown), once typing pauses."""
        self.stop()
        self._timer = self._node.set_timer(WARM_DELAY_S, lambda: self._node.run_worker(
            lambda: self._run(live, text), thread=True, exclusive=True, group=GROUP, exit_on_error=False))

    def stop(self) -> None:
        """A key has come: the searches for the one before are of no more use (nor is starting them)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._node.workers.cancel_group(self._node, GROUP)

    @staticmethod
    def _run(live: LiveModel, text: str) -> None:
        worker = get_current_worker()
        live.warm(text, lambda: worker.is_cancelled)
