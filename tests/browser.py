"""Headless Chromium for the browser tests: the system's chromium, driven by Playwright for Python;
and reading the terminal of a textual-serve page.

No Playwright browser is downloaded: the tests launch the chromium on PATH (Debian's `chromium`,
which .ci/run installs) or the one `LSTM_TUI_CHROMIUM` names. A test module imports the fixtures
it uses (`from tests.browser import browser, page`); without Playwright or chromium they skip
with the reason. The browser is module-scoped: Playwright's sync API runs an event loop of its
own, which must be gone before the asyncio tests of other modules run.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def chromium_path() -> str | None:
    """`LSTM_TUI_CHROMIUM`, else chromium (or chromium-browser) on PATH."""
    return os.environ.get("LSTM_TUI_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """A headless Chromium for this test module."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed (pip install playwright)")
    path = chromium_path()
    if path is None:
        pytest.skip("chromium is not installed (apt-get install chromium, or set LSTM_TUI_CHROMIUM to a Chromium binary)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def offline(route) -> None:
    """Let requests to this machine through, abort the rest: a test page must not reach the
    network (textual-serve's page asks Google Fonts for its font; the browser falls back)."""
    host = urlsplit(route.request.url).hostname or ""
    if route.request.url.startswith(("data:", "blob:", "file:")) or host in LOCAL_HOSTS:
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def page(browser) -> Iterator:
    """A fresh page (its own context: no cookies or storage shared between tests), 1280x720, offline.

    It records what the page asked of the network in `page.requests` (aborted ones included) and
    its console errors in `page.errors`."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.route("**/*", offline)
    opened = context.new_page()
    opened.requests = []
    opened.errors = []
    opened.on("request", lambda request: opened.requests.append(request.url))
    opened.on("console", lambda message: opened.errors.append(message.text) if message.type == "error" else None)
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    try:
        yield opened
    finally:
        context.close()


# textual-serve's page draws its terminal with xterm.js on a canvas (WebGL or 2D): the DOM holds no
# text, and the page keeps its `Terminal` in a closure. An init script catches the terminal as it
# is built (xterm's public `Terminal` assigns `this._core` in its constructor; a setter on that
# name records the object), and `read_xterm` reads the rows of its active buffer
# (`buffer.active.getLine(y).translateToString()`): exactly the cells xterm paints.
CAPTURE_XTERM = """
Object.defineProperty(Object.prototype, '_core', {configurable: true, set(value) {
  Object.defineProperty(this, '_core', {value, writable: true, configurable: true, enumerable: true});
  (window.__xterms = window.__xterms || []).push(this);
}});
"""
READ_XTERM = """() => {
  const term = (window.__xterms || []).find(t => t.buffer && t.buffer.active && t.rows);
  if (!term) return null;
  const buffer = term.buffer.active, rows = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : '');
  }
  return rows.join('\\n');
}"""


def capture_xterm(page) -> None:
    """Make the xterm.js terminals of the pages `page` loads from now on readable by `read_xterm`."""
    page.add_init_script(CAPTURE_XTERM)


def read_xterm(page) -> str:
    """The text on the page's terminal screen, one line a row ("" before the terminal exists)."""
    return page.evaluate(READ_XTERM) or ""


def wait_for_xterm(page, condition: Callable[[str], bool], timeout: float = 60.0, poll_ms: int = 20) -> str:
    """The terminal's screen once `condition` holds for it; fails with the screen after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        screen = read_xterm(page)
        if condition(screen):
            return screen
        page.wait_for_timeout(poll_ms)
    raise AssertionError(f"the browser never showed what was expected; its terminal shows:\n{read_xterm(page)}")
