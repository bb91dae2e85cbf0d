"""Getting a keystroke's whole update into one frame."""

from __future__ import annotations

from textual.widget import Widget


def flush_repaints(*widgets: Widget) -> None:
    """Hand the widgets' pending repaints to their screen now rather than on their next idle.

    Textual sends a widget's repaint request to the screen from the widget's own idle handler,
    one task switch later. For a keystroke that meant the screen had often already painted a
    frame with only the text box changed, and the suggestions came a frame later (after waiting
    for the frame timer): twice the work and up to two frame periods of delay. Flushing right
    after the prediction is shown puts the text box, the suggestions and the status line in one
    frame (see benchmarks/tui_latency.py). It uses Textual's private `Widget._check_refresh`;
    without it the update simply takes the usual path.
    """
    for widget in widgets:
        flush = getattr(widget, "_check_refresh", None)
        if callable(flush):
            flush()
