"""The cells view on the predict screen (F9): a unit's strip under the text, bad units and layers,
and find cells, each checked against the engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Input, OptionList, Static

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.inspect import CellProbe
from lstm_tui.engine.inspect.find_cells import find_cells, run_sample
from lstm_tui.engine.runs.model_file import load_model
from lstm_tui.tui.dialogs import cells as cells_dialog
from lstm_tui.tui.dialogs.cells import CellsDialog, found_label, search_rows
from lstm_tui.tui.screens.predict import PredictScreen
from lstm_tui.tui.widgets.cells_strip import CellsStrip, layout, level, scaled
from tests.tui.conftest import wait_for
from tests.tui.test_inspect_mode import TYPED, reference, settled
from tests.tui.test_predict import SIZE, make_app, ready, type_text

SAMPLE_TOKENS = 3_000  # find cells on a short sample: the test is about the dialog, not the statistics


async def open_dialog(pilot, screen: PredictScreen) -> CellsDialog:
    """F9: inspect mode turns on, and the dialog opens once the inspector is loaded."""
    await pilot.press("f9")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CellsDialog))
    await pilot.pause()
    return pilot.app.screen


async def submit(pilot, dialog: CellsDialog, layer: str, kind: str, unit: str) -> None:
    for field, value in (("#cells-layer", layer), ("#cells-kind", kind), ("#cells-unit", unit)):
        dialog.query_one(field, Input).value = value
    dialog.query_one("#cells-unit", Input).focus()
    await pilot.press("enter")
    await pilot.pause()


def error_line(dialog: CellsDialog) -> str:
    line = dialog.query_one("#cells-error", Static)
    return str(line.render()) if line.has_class("-shown") else ""


def expected_rows(run: Path, text: str, probe: CellProbe, width: int) -> list[str]:
    """The strip's text and block rows for the cursor at the end of `text`, from a fresh inspector."""
    values = reference(run, text).cells(probe)
    rows = []
    for row in layout(text, values, probe.kind, len(text), width, 3):
        rows.append("".join(cell.shown for cell in row))
        rows.append("".join(level(cell.value) for cell in row))
    return rows


async def test_the_strip_draws_the_chosen_unit_under_the_text(trained_char_run: Path, tmp_path: Path) -> None:
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await type_text(pilot, TYPED)
        dialog = await open_dialog(pilot, screen)
        assert screen.inspect.on
        await submit(pilot, dialog, "2", "h", "5")
        assert pilot.app.screen is screen and screen.has_class("-cells")
        await settled(pilot, screen)
        strip = screen.query_one(CellsStrip)
        probe = CellProbe(2, "h", 5)
        assert strip.display and strip.probe == probe
        rows = strip.rows()
        values = reference(trained_char_run, TYPED).cells(probe)
        assert rows[0].startswith("L2 h 5 · h ") and f"cursor {float(values[-1]):+.3f}" in rows[0]
        assert [row.rstrip() for row in rows[1:5]] == [row.rstrip() for row in expected_rows(trained_char_run, TYPED, probe, strip.size.width)]
        assert rows[2][:6] == "".join(level(scaled(float(v), "h")) for v in values[:6])  # "ROMEO:" under its letters
        # c is drawn as tanh(c); the cursor moves the rows and the value shown
        dialog = await open_dialog(pilot, screen)
        await submit(pilot, dialog, "1", "c", "0")
        assert strip.probe == CellProbe(1, "c", 0) and "tanh(c)" in strip.rows()[0]
        screen.query_one("#editor").move_cursor((0, 2))
        await pilot.pause()
        c_values = reference(trained_char_run, TYPED).cells(CellProbe(1, "c", 0))
        assert f"cursor {float(c_values[2]):+.3f}" in strip.rows()[0]
        # hide it again
        dialog = await open_dialog(pilot, screen)
        dialog.query_one("#cells-hide", Button).press()
        await pilot.pause()
        assert not screen.has_class("-cells") and not strip.display


async def test_a_unit_or_layer_out_of_range_is_one_line_in_the_dialog(trained_char_run: Path, tmp_path: Path) -> None:
    units = load_model(trained_char_run).config.units
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        dialog = await open_dialog(pilot, screen)
        for (layer, kind, unit), field in [
            (("1", "c", str(units)), "#cells-unit"),
            (("3", "c", "0"), "#cells-layer"),
            (("1", "x", "0"), "#cells-kind"),
            (("1", "h", "many"), "#cells-unit"),
            (("1", "h", "-1"), "#cells-unit"),
        ]:
            await submit(pilot, dialog, layer, kind, unit)
            assert pilot.app.screen is dialog  # still open: nothing shown
            with pytest.raises(UserError) as raised:
                CellProbe.checked(int(layer), kind, int(unit) if unit.lstrip("-").isdigit() else unit, units)
            assert error_line(dialog) == str(raised.value)
            assert "\n" not in error_line(dialog) and dialog.focused is dialog.query_one(field, Input)
        assert error_line(dialog) == f"unit -1 is out of range; this model's layers have {units} units (0 to {units - 1})"
        await submit(pilot, dialog, "1", "h", "\x1b[31m9")
        assert error_line(dialog).startswith("unit '") and all(char.isprintable() for char in error_line(dialog))
        dialog.query_one("#cells-unit", Input).value = "7"
        await pilot.pause()
        assert error_line(dialog) == ""  # typing clears the message
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is screen and screen.inspect.probe is None


async def test_find_cells_lists_units_with_their_correlation_and_shows_the_one_chosen(trained_char_run: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(cells_dialog, "FIND_TOKENS", SAMPLE_TOKENS)
    progress: list[tuple[int, int]] = []
    shown_progress = CellsDialog._progress
    monkeypatch.setattr(CellsDialog, "_progress", lambda self, done, total: (progress.append((done, total)), shown_progress(self, done, total)))
    saved = load_model(trained_char_run)
    sample, name = run_sample(saved)
    expected = search_rows(find_cells(Predictor.from_saved(saved), sample, max_tokens=SAMPLE_TOKENS))
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await type_text(pilot, TYPED)
        dialog = await open_dialog(pilot, screen)
        assert not dialog.query_one("#cells-found").display
        dialog.query_one("#cells-find", Button).press()
        await wait_for(pilot, lambda: screen.inspect.session.found is not None, timeout=60)
        await pilot.pause()
        assert progress and progress[-1][1] == SAMPLE_TOKENS and len(progress) >= SAMPLE_TOKENS // 512
        assert [(c.feature, c.probe) for c in dialog.found] == [(c.feature, c.probe) for c in expected]
        assert [c.correlation for c in dialog.found] == pytest.approx([c.correlation for c in expected], abs=1e-6)
        options = dialog.query_one(OptionList)
        assert [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)] == [found_label(c) for c in expected]
        status = str(dialog.query_one("#cells-status", Static).render())
        assert f"{SAMPLE_TOKENS:,} tokens" in status and name in status
        chosen = expected[1]
        options.focus()
        options.highlighted = 1
        await pilot.press("enter")
        await pilot.pause()
        assert pilot.app.screen is screen and screen.query_one(CellsStrip).probe == chosen.probe
        header = screen.query_one(CellsStrip).rows()[0]
        assert header.startswith(f"{chosen.probe.label} · {chosen.feature_label}, r = {chosen.correlation:+.2f}")
        # the list is kept with the model: it is there when the dialog opens again
        dialog = await open_dialog(pilot, screen)
        assert [c.probe for c in dialog.found] == [c.probe for c in expected] and dialog.query_one("#cells-found").display


async def test_find_cells_without_the_run_corpus_reads_the_text_in_the_box(trained_char_run: Path, tmp_path: Path, monkeypatch) -> None:
    def missing(saved, chars=200_000):
        raise UserError("finding cells on the run's held-out text needs the training corpus, which is not available here")

    monkeypatch.setattr("lstm_tui.engine.inspect.find_cells.run_sample", missing)
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await type_text(pilot, TYPED)
        dialog = await open_dialog(pilot, screen)
        dialog.query_one("#cells-find", Button).press()
        await wait_for(pilot, lambda: screen.inspect.session.found is not None, timeout=60)
        await pilot.pause()
        assert screen.inspect.session.found.tokens == len(TYPED)
        assert "the text in the box" in str(dialog.query_one("#cells-status", Static).render())
