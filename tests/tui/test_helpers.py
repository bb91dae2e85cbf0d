"""The small pure pieces under the app: prefix lengths, ghost display, bars, sizes."""

from __future__ import annotations

import os

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from lstm_tui.tui import format as fmt
from lstm_tui.engine.infer.text_follower import common_prefix_length
from lstm_tui.tui.widgets.ghost_editor import ghost_display
from lstm_tui.tui.widgets.suggestions import BAR_CELLS, bar, clip


def naive_prefix(a: str, b: str) -> int:
    return len(os.path.commonprefix([a, b]))


@given(st.text(alphabet="ab\n", max_size=60), st.text(alphabet="ab\n", max_size=60))
def test_common_prefix_length_matches_the_naive_one(a: str, b: str) -> None:
    assert common_prefix_length(a, b) == naive_prefix(a, b)


def test_ghost_display_neutralises_and_marks_newlines() -> None:
    assert ghost_display("the\x1b[31m red") == "the␛[31m red"
    assert ghost_display("end\n    next") == "end↵    next"  # one row: what accepting inserts
    assert ghost_display("a\tb") == "a⇥b"


@given(st.floats(min_value=-1, max_value=2))
def test_bar_is_always_the_same_width(fraction: float) -> None:
    assert len(bar(fraction)) == BAR_CELLS


@given(st.text(max_size=30))
def test_clip_fits_the_cells(text: str) -> None:
    from lstm_tui.engine.data.textfile import visible_token

    shown = clip(visible_token(text), 14)
    assert cell_len(shown) == 14


def test_sizes_and_durations() -> None:
    assert fmt.size(512) == "512 B"
    assert fmt.size(30_000) == "30.0 kB"
    assert fmt.size(366_800) == "367 kB"
    assert fmt.size(1_234_567) == "1.23 MB"
    assert fmt.seconds(None) == "?"
    assert fmt.seconds(75) == "1:15"
    assert fmt.seconds(3725) == "1:02:05"
    assert fmt.local_time("not a date\x1b") == "not a date␛"
