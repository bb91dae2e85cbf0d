"""The Textual app: predict, train and models screens over the engine (a client of it, no training code here)."""

import os

# Textual paints at most TEXTUAL_FPS frames a second (default 60): a keystroke then waits up to
# 16.7 ms for its frame on top of the model and the render. 120 keeps key → screen within one
# 60 Hz frame; the user's own setting wins. Set before Textual is imported (it reads it once).
os.environ.setdefault("TEXTUAL_FPS", "120")
