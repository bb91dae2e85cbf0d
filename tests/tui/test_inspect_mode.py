"""Inspect mode on the predict screen (F8): the text coloured by rank bucket, the token under the
cursor, the totals, each checked against the engine's Inspector run on the same text."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lstm_tui.engine.data.textfile import visible_token
from lstm_tui.engine.inspect import Inspector
from lstm_tui.engine.runs.model_file import load_model
from lstm_tui.tui.screens.help import HELP
from lstm_tui.tui.screens.predict import PredictScreen
from lstm_tui.tui.widgets.inspect_editor import InspectEditor
from lstm_tui.tui.widgets.inspect_panel import InspectPanel
from lstm_tui.tui.widgets.inspect_session import KEY_SECONDS, SLICE_SECONDS
from lstm_tui.tui.widgets.status_bar import ModelStatus
from lstm_tui.tui.widgets.suggestions import percent
from tests.tui.conftest import wait_for
from tests.tui.test_predict import SIZE, make_app, ready, type_text
from tests.tui.test_predict_settings import type_into
from tests.tui.test_textual_hooks_rows import enter_until_the_box_scrolls, fresh_rows, rows

TYPED = "ROMEO:\nI will go, and zqx the night."


def reference(run: Path, text: str) -> Inspector:
    """A fresh inspector of `text`: what the app must show."""
    inspector = Inspector.from_saved(load_model(run))
    inspector.update(text)
    return inspector


async def inspect_on(pilot, screen: PredictScreen) -> None:
    """F8, then wait until the inspector is loaded and has scored the whole text."""
    await pilot.press("f8")
    await wait_for(pilot, lambda: screen.inspect.session is not None)
    await settled(pilot, screen)


async def settled(pilot, screen: PredictScreen) -> None:
    editor = screen.query_one(InspectEditor)
    await wait_for(pilot, lambda: screen.inspect.session.pending == 0 and screen.inspect.session.edit_mark == editor.edit_count)
    await pilot.pause()


def shown_buckets(editor: InspectEditor) -> np.ndarray:
    """The bucket each character of the box is coloured with (-1: plain; a line break, which no
    row draws: -2), read from its rows."""
    styles = editor.bucket_styles()
    out = np.full(len(editor.text), -1, dtype=np.int64)
    for row in range(editor.document.line_count):
        start = editor.offset_of((row, 0))
        for span in editor.get_line(row).spans:
            out[start + span.start : start + span.end] = styles.index(span.style)
    out[np.array([char == "\n" for char in editor.text], dtype=bool)] = -2
    return out


def drawn(buckets: np.ndarray, text: str) -> list[int]:
    """`buckets` as the box can draw them (-2 at line breaks)."""
    return [-2 if char == "\n" else int(bucket) for char, bucket in zip(text, buckets)]


async def test_inspect_colours_every_token_by_its_rank_bucket(trained_char_run: Path, tmp_path: Path) -> None:
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await type_text(pilot, TYPED)
        editor = screen.query_one(InspectEditor)
        assert editor.colouring is None and not editor.get_line(0).spans
        assert not screen.query_one(InspectPanel).display
        await inspect_on(pilot, screen)
        assert screen.has_class("-inspect") and screen.query_one(InspectPanel).display
        assert "| `F8` | inspect mode on/off" in HELP and "| `F9` | cells view" in HELP
        expected = reference(trained_char_run, TYPED).buckets
        assert expected[0] == -1 and len(set(expected[1:].tolist())) >= 3  # the context has no colour; buckets vary
        assert shown_buckets(editor).tolist() == drawn(expected, TYPED)
        # what reaches the screen: the row being typed (the cursor's) keeps the colours, the worst bucket is underlined
        styles = editor.bucket_styles()
        assert styles[3].underline and not any(style.underline for style in styles[:3])
        assert len({style.color for style in styles}) == 4
        row = editor.document.line_count - 1
        line = editor.document[row]
        strip = editor.render_line(editor.wrapped_document.location_to_offset((row, 0)).y)
        painted = "".join(segment.text for segment in strip)
        first = painted.index(line)
        position = 0
        start = editor.offset_of((row, 0))
        for segment in strip:
            for offset in range(position, position + len(segment.text)):
                if first <= offset < first + len(line) and expected[start + offset - first] >= 0:
                    bucket = expected[start + offset - first]
                    assert segment.style.color == styles[bucket].color, (line, offset - first)
                    assert bool(segment.style.underline) == (bucket == 3)
            position += len(segment.text)
        # off again: plain text, no totals
        await pilot.press("f8")
        await pilot.pause()
        assert not screen.has_class("-inspect")
        assert editor.colouring is None and not any(editor.get_line(r).spans for r in range(editor.document.line_count))
        assert "bits" not in screen.query_one(ModelStatus).text()


async def test_the_panel_shows_the_token_under_the_cursor_and_the_status_line_the_totals(trained_char_run: Path, tmp_path: Path) -> None:
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await type_text(pilot, TYPED)
        await inspect_on(pilot, screen)
        inspector = reference(trained_char_run, TYPED)
        editor, panel = screen.query_one(InspectEditor), screen.query_one(InspectPanel)
        totals = inspector.totals()
        status = screen.query_one(ModelStatus).text()
        # at 120 columns every part takes its short form
        assert f"{totals.bits:,.0f} bits {totals.bits_per_token:.2f} b/char" in status
        for offset in (len(TYPED), TYPED.index("zqx") + 1, TYPED.index("will")):
            editor.move_cursor(editor.location_of(offset))
            await pilot.pause()
            score = inspector.token(min(offset, len(TYPED) - 1))
            assert panel.token == score
            rows = panel.rows()
            assert rows[0] == f"{visible_token(score.text)}  p {percent(score.prob).strip()}  rank {score.rank:,}"
            assert rows[1] == f"surprisal {score.bits:.2f} bits"
            listed = rows[3 : 3 + len(score.top)]
            for rank, (row, choice) in enumerate(zip(listed, score.top), start=1):
                assert visible_token(choice.token) in row and percent(choice.prob) in row
                assert row.endswith("◂") == (rank == score.rank)
            buckets = inspector.buckets[inspector.buckets >= 0]
            legend = " ".join(rows[-2:])
            for label, count in zip(inspector.rank_buckets.labels, np.bincount(buckets, minlength=4)):
                assert f"{label} {count / len(buckets):.0%}" in legend
        # the first token is the context
        editor.move_cursor((0, 0))
        await pilot.pause()
        assert panel.token.index == 0 and "context" in panel.rows()[1]


async def test_the_panel_lists_as_many_of_the_models_choices_as_the_top_k_setting(trained_char_run: Path, tmp_path: Path) -> None:
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await type_text(pilot, TYPED)
        await inspect_on(pilot, screen)
        editor, panel = screen.query_one(InspectEditor), screen.query_one(InspectPanel)
        offset = TYPED.index("zqx") + 1
        editor.move_cursor(editor.location_of(offset))
        await pilot.pause()
        everything = Inspector.from_saved(load_model(trained_char_run), top_k=20)
        everything.update(TYPED)
        score = everything.token(offset)
        assert len(score.top) == 20
        for k in (8, 2, 20, 5):
            await type_into(pilot, "setting-k", str(k))
            await wait_for(pilot, lambda: panel.token is not None and len(panel.token.top) == k)
            assert panel.token.top == score.top[:k]
            rows = panel.rows()
            assert rows[2] == f"the model's top-{k} here"
            listed = rows[3 : 3 + k]
            assert all(visible_token(choice.token) in row and percent(choice.prob) in row for choice, row in zip(score.top, listed))
            assert not rows[3 + k].startswith(f"{k + 1:>2} ")


async def test_rows_an_enter_scrolls_keep_their_colours(trained_char_run: Path, tmp_path: Path) -> None:
    """Rows are kept by their text and colours across edits: after an Enter scrolls a full box,
    every row shows what rendering it afresh shows, coloured as a fresh analysis says."""
    text = (Path(__file__).parents[1] / "fixtures" / "tinyshakespeare_first_100k.txt").read_text(encoding="utf-8")[:2000]
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await inspect_on(pilot, screen)
        editor = screen.query_one(InspectEditor)
        editor.load_text(text)
        editor.move_cursor(editor.document.end)
        await settled(pilot, screen)
        assert editor.show_vertical_scrollbar and editor.scroll_offset.y > 0
        kept, moved = await enter_until_the_box_scrolls(pilot, editor)
        await type_text(pilot, "ab")
        await settled(pilot, screen)
        assert editor.render_line(moved) is kept  # the row moved up with its colours, rendered once
        typed = editor.text
        assert typed.startswith(text) and typed.endswith("\nab")
        assert shown_buckets(editor).tolist() == drawn(reference(trained_char_run, typed).buckets, typed)
        assert rows(editor) == fresh_rows(editor)


async def test_an_edit_far_back_is_rescored_in_slices_and_matches_a_fresh_analysis(trained_char_run: Path, tmp_path: Path) -> None:
    long_text = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\n" * 25)[:1200]
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await inspect_on(pilot, screen)
        editor = screen.query_one(InspectEditor)
        session = screen.inspect.session
        calls: list[tuple[float | None, int]] = []
        advance = session.inspector.advance

        def counted(*args, **kwargs) -> int:
            done = advance(*args, **kwargs)
            calls.append((kwargs.get("seconds"), done))
            return done

        session.inspector.advance = counted
        editor.load_text(long_text)
        await settled(pilot, screen)
        # the key's handler scored what fitted in its budget; timer slices did the rest
        assert calls[0][0] == KEY_SECONDS and {seconds for seconds, _ in calls[1:]} == {SLICE_SECONDS}
        assert len(calls) >= 3 and sum(done for _, done in calls) == len(long_text)
        calls.clear()
        editor.move_cursor((0, 5))
        await pilot.press("X")
        await settled(pilot, screen)
        assert len(calls) >= 2 and sum(done for _, done in calls) == len(long_text) + 1 - 5  # from the edit on
        edited = long_text[:5] + "X" + long_text[5:]
        assert editor.text == edited
        fresh = reference(trained_char_run, edited)
        assert shown_buckets(editor).tolist() == drawn(fresh.buckets, edited)
        assert np.allclose(session.inspector.bits[1:], fresh.bits[1:], rtol=1e-5)
        assert f"{fresh.totals().bits:,.0f} bits {fresh.totals().bits_per_token:.2f} b/char" in screen.query_one(ModelStatus).text()


async def test_another_model_is_inspected_when_it_loads_and_word_models_colour_words(trained_char_run: Path, trained_word_run: Path, tmp_path: Path) -> None:
    text = "KING HENRY:\nI will not go to the"
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await type_text(pilot, text)
        await inspect_on(pilot, screen)
        assert "beyond 10 " in " ".join(screen.query_one(InspectPanel).rows())
        screen.load(trained_word_run)  # as F5 or the models screen do
        await wait_for(pilot, lambda: screen.inspect.session is not None and screen.inspect.session.level == "word")
        await settled(pilot, screen)
        editor, panel = screen.query_one(InspectEditor), screen.query_one(InspectPanel)
        inspector = reference(trained_word_run, text)
        shown = shown_buckets(editor)
        for i in range(1, len(inspector)):
            token = inspector.token(i)
            assert set(shown[token.start : token.end].tolist()) <= {token.bucket, -2}  # a line end: no row draws it
        assert shown[text.index(" ")] == -1 and (shown >= 0).sum() > len(inspector) - 4
        assert "top-10" in " ".join(panel.rows()) and "beyond 1000" in " ".join(panel.rows())
        assert " b/token" in screen.query_one(ModelStatus).text()


async def test_escape_sequences_in_the_text_never_reach_the_panel(trained_char_run: Path, tmp_path: Path) -> None:
    hostile = "ab\x1b[31mred\u202egnp\x07"
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await inspect_on(pilot, screen)
        editor, panel = screen.query_one(InspectEditor), screen.query_one(InspectPanel)
        editor.load_text(hostile)
        await settled(pilot, screen)
        for offset in range(len(hostile) + 1):
            editor.move_cursor(editor.location_of(offset))
            await pilot.pause(0)
            for row in panel.rows():
                assert all(char.isprintable() for char in row), row
        editor.move_cursor(editor.location_of(2))
        await pilot.pause()
        assert panel.rows()[0].startswith("␛")


async def test_a_large_top_k_at_80x24_keeps_the_text_box_on_screen(trained_char_run: Path, tmp_path: Path) -> None:
    """The narrow inspect layout gives the panels a fixed row band: top-k 20 cuts their lists
    instead of pushing the text box off the screen."""
    async with make_app(trained_char_run, tmp_path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await type_text(pilot, TYPED)
        await inspect_on(pilot, screen)
        editor, panel = screen.query_one(InspectEditor), screen.query_one(InspectPanel)
        before = editor.region.height
        await type_into(pilot, "setting-k", "20")
        await wait_for(pilot, lambda: panel.token is not None and len(panel.token.top) == 20)
        await pilot.pause()
        assert editor.region.height == before >= 5
        assert screen.query_one("#suggestions-box").region.height == screen.query_one("#inspect-box").region.height == 12
