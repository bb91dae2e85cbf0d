"""The Textual app: predict, train and models screens over the engine (a client of it, no training code here)."""

import os

# Textual paints at most TEXTUAL_FPS frames a second (default 60), on a clock of its own: a
# keystroke then waits up to 16.7 ms for its frame slot on top of the model and the render. 240
# makes that wait at most 4.2 ms, keeping key → screen within one 60 Hz frame even when keys
# come faster than frames (benchmarks/tui_latency.py); it costs nothing while nothing changes.
# The user's own setting wins. Set before Textual is imported (it reads it once).
os.environ.setdefault("TEXTUAL_FPS", "240")
