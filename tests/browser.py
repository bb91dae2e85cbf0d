"""A real headless browser for tests: Debian's chromium driven by Playwright.

Use it from a test module with `from tests.browser import browser, page  # noqa: F401` (pytest
finds fixtures imported into a module). Playwright's own browser download is never used: it
launches the system chromium (`.ci/run` installs it with apt), with no network, and the tests
skip with the reason when chromium or Playwright is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium_path() -> str | None:
    """$LSTM_TUI_CHROMIUM, else chromium (or chromium-browser) on PATH."""
    return os.environ.get("LSTM_TUI_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """A launched headless chromium (module-wide: starting one takes a second or two)."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("no chromium on PATH (apt-get install chromium, or set LSTM_TUI_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.skip(f"Playwright is not installed ({exc}); pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    """A fresh page (its own context: no state shared between tests) that records what the
    page asked of the network, in `page.requests`, and its console errors, in `page.errors`."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
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
