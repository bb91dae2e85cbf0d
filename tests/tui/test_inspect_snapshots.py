"""Snapshots of inspect mode and the cells view on the predict screen (the fixed world of
test_snapshots.py): 80×24 with the text coloured and the inspect panel beside the suggestions;
120×36 with the cells strip under the text as well."""

from __future__ import annotations

from pathlib import Path

import pytest

from lstm_tui.engine.inspect import CellProbe
from lstm_tui.tui.app import LstmTuiApp
from lstm_tui.tui.widgets.status_bar import ModelStatus
from tests.tui.conftest import type_text, wait_for
from tests.tui.test_snapshots import fixed_world, predict_screen  # noqa: F401 (a fixture)

TEXT = 'ROMEO:\n"What say you, sir?" (he said)'


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_predict_screen_in_inspect_mode(size: tuple[int, int], snap_compare, fixed_checkpoints: Path, fixed_world, tmp_path: Path) -> None:  # noqa: F811
    app = LstmTuiApp(model=fixed_checkpoints / "shakespeare-char", checkpoints=fixed_checkpoints, browse_root=tmp_path)

    async def run_before(pilot) -> None:
        screen = await predict_screen(pilot)
        await pilot.press("f8")
        await wait_for(pilot, lambda: screen.inspect.session is not None)
        await type_text(pilot, TEXT)
        await wait_for(pilot, lambda: screen.inspect.session.pending == 0)
        if size[0] >= 110:
            screen.inspect.show_cell(CellProbe(1, "c", 0))
        screen.query_one("#editor").move_cursor((1, 3))
        await pilot.pause()
        screen.query_one(ModelStatus).latency_ms = 0.42

    assert snap_compare(app, terminal_size=size, run_before=run_before)
