"""`lstm-tui serve` in a real browser: headless Chromium types into the app and reads its suggestions.

The screen is read from xterm.js's own buffer (`tests.browser.read_xterm`: the cells it paints on
its canvas); a screenshot is kept in the test's tmp folder for a person to look at.
"""

from __future__ import annotations

import re
import signal
from pathlib import Path

from lstm_tui.engine.data.textfile import visible_token
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.tui.widgets.suggestions import percent
from tests.browser import browser, capture_xterm, page, wait_for_xterm  # noqa: F401  (browser, page: fixtures)
from tests.cli.test_serve import SHIPPED, ServeProcess

TYPED = "To be or not to b"


def row_pattern(suggestion) -> str:
    """A row of the next-token panel: its key, the token as the app draws it, its percentage
    (a regular expression that JavaScript reads alike: benchmarks/serve_latency.py)."""
    return rf"(tab|alt\+\d)\s+{re.escape(visible_token(suggestion.token))}\s.*{re.escape(percent(suggestion.prob))}"


def shows(screen: str, suggestion) -> bool:
    return re.search(row_pattern(suggestion), screen) is not None


def test_typing_in_the_browser_shows_the_models_suggestions(page, tmp_path: Path) -> None:  # noqa: F811
    server = ServeProcess(tmp_path, "--model", str(SHIPPED))
    try:
        capture_xterm(page)
        page.goto(server.url)
        wait_for_xterm(page, lambda screen: "next token" in screen and "%" in screen)
        assert page.evaluate("document.body.classList.contains('-first-byte')")  # the intro gave way to the terminal
        reference = Predictor.load(SHIPPED)
        before, expected = reference.suggest(TYPED[:-1], 5), reference.suggest(TYPED, 5)
        assert len(expected.ranked) >= 5 and expected != before
        page.click("#terminal")
        page.keyboard.type(TYPED[:-1])
        wait_for_xterm(page, lambda screen: TYPED[:-1] in screen and all(shows(screen, s) for s in before.ranked))
        page.keyboard.type(TYPED[-1])
        screen = wait_for_xterm(page, lambda screen: TYPED in screen and all(shows(screen, s) for s in expected.ranked))
        page.screenshot(path=str(tmp_path / "serve.png"))
        assert "next character" in screen
        apps = server.app_pids()
        assert len(apps) == 1

        assert server.stop(signal.SIGTERM) == 0  # the tab still open
        assert server.processes_left() == []
        output = server.output()
        assert "lstm-tui serve: stopped" in output
        assert "Traceback" not in output and "Exception ignored" not in output and "did not quit" not in output
    finally:
        server.close()
