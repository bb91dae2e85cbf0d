"""Keystroke → suggestions in a browser: `lstm-tui serve` driven by headless Chromium.

For every key typed into the page: the time from the browser's keydown until (a) the first screen
update from the app reaches the page over the websocket, and (b) xterm.js's screen shows the
suggestions a fresh `Predictor` gives for the new text (checked each animation frame, so within
one frame). Both are page clocks (`performance.now()`); the app runs at textual-serve's 60 fps.

    .venv/bin/python benchmarks/serve_latency.py [--model DIR] [--keys 60]

Needs Playwright for Python and chromium (as the browser tests do: tests/browser.py).
"""

from __future__ import annotations

import argparse
import platform
import signal
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lstm_tui.engine.infer.predictor import Predictor  # noqa: E402
from tests.browser import CHROMIUM_ARGS, READ_XTERM, capture_xterm, chromium_path, offline, wait_for_xterm  # noqa: E402
from tests.cli.test_serve import SHIPPED, ServeProcess  # noqa: E402
from tests.cli.test_serve_browser import row_pattern  # noqa: E402

TEXT = ("It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of "
        "foolishness, it was the epoch of belief, it was the epoch of incredulity")

# Page clocks: each keydown, and each binary websocket message (the app's screen updates).
TIMESTAMPS = """
window.__keys = []; window.__frames = [];
window.addEventListener('keydown', () => window.__keys.push(performance.now()), true);
(() => {
  const Native = window.WebSocket;
  window.WebSocket = function (url, protocols) {
    const socket = new Native(url, protocols);
    socket.addEventListener('message', e => { if (typeof e.data !== 'string') window.__frames.push(performance.now()); });
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
})();
"""
SHOWN = f"""(patterns) => {{
  const text = ({READ_XTERM})() || '';
  if (!patterns.every(p => new RegExp(p).test(text))) return false;
  window.__shown = performance.now();
  return true;
}}"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=SHIPPED)
    parser.add_argument("--keys", type=int, default=60)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    reference = Predictor.load(args.model)
    to_frame, to_screen = [], []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        server = ServeProcess(Path(tmp), "--model", str(args.model.resolve()))
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 720})
            context.route("**/*", offline)
            page = context.new_page()
            capture_xterm(page)
            page.add_init_script(TIMESTAMPS)
            page.goto(server.url)
            wait_for_xterm(page, lambda screen: "next token" in screen and "%" in screen)
            page.click("#terminal")
            page.wait_for_timeout(500)
            for n, char in enumerate(TEXT[: args.keys], start=1):
                patterns = [row_pattern(s) for s in reference.suggest(TEXT[:n], 5).ranked]
                page.evaluate("window.__keys = []; window.__frames = []")
                page.keyboard.type(char)
                page.wait_for_function(SHOWN, arg=patterns, polling="raf", timeout=30_000)
                key, frames, shown = page.evaluate("[window.__keys[0], window.__frames, window.__shown]")
                to_frame.append(min(t for t in frames if t >= key) - key)
                to_screen.append(shown - key)
        finally:
            browser.close()
            server.stop(signal.SIGTERM)
            server.close()

    def line(name: str, values: list[float]) -> str:
        p50, p95, worst = np.percentile(values, [50, 95, 100])
        return f"{name:<38} p50 {p50:6.1f}  p95 {p95:6.1f}  max {worst:6.1f} ms"

    print(f"{len(to_screen)} keys, model {args.model.name}, {platform.node()} ({platform.machine()}), chromium headless")
    print(line("key -> first app frame at the page", to_frame))
    print(line("key -> its suggestions on xterm's screen", to_screen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
