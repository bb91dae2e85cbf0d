"""The predict screen: every keystroke follows the text before the cursor through the model."""

from __future__ import annotations

import asyncio
import time

from pathlib import Path

import pytest

from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.data.textfile import visible_token
from lstm_tui.tui.app import LstmTuiApp
from lstm_tui.tui.screens.predict import PredictScreen
from lstm_tui.tui.widgets.ghost_editor import GhostEditor
from lstm_tui.tui.widgets.status_bar import ModelStatus
from lstm_tui.tui.widgets.suggestions import SuggestionsPanel, percent
from tests.conftest import count_steps
from tests.tui.conftest import type_text, wait_for

SIZE = (120, 40)


def make_app(model: Path, tmp_path: Path) -> LstmTuiApp:
    return LstmTuiApp(model=model, checkpoints=tmp_path / "checkpoints", browse_root=tmp_path)


async def ready(pilot) -> PredictScreen:
    """Wait until the model is loaded; the predict screen."""
    screen = pilot.app.screen
    assert isinstance(screen, PredictScreen)
    await wait_for(pilot, lambda: screen.live is not None and screen.prediction is not None)
    return screen


def shown(screen: PredictScreen):
    return screen.query_one(SuggestionsPanel).suggestions


async def test_typing_updates_the_suggestions(trained_char_run: Path, tmp_path: Path) -> None:
    reference = Predictor.load(trained_char_run)
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        assert shown(screen) == reference.suggest("", 5)
        typed = ""
        for char in "ROMEO:\nI will":
            typed += char
            await type_text(pilot, char)
            assert screen.query_one(GhostEditor).text == typed
            assert shown(screen) == reference.suggest(typed, 5)
        rows = screen.query_one(SuggestionsPanel).rows()
        suggestions = reference.suggest(typed, 5)
        assert len(rows) == 3 + 1 + 5  # the word bar, a label, the next characters
        assert rows[3].strip() == "next character"
        for row, item in zip(rows[:3] + rows[4:], suggestions.ranked):
            assert visible_token(item.token) in row
            assert percent(item.prob) in row
        assert all(ch.isprintable() for row in rows for ch in row)
        latency = screen.query_one(ModelStatus).latency_ms
        assert latency is not None and latency >= 0


async def test_between_keys_the_likeliest_next_keys_get_their_word_bar_stepped(trained_char_run: Path, tmp_path: Path) -> None:
    """After a key's frame a worker runs the word bar's searches for the likeliest next
    characters: typing the likeliest then steps nothing, and shows what a fresh model shows."""
    typed = "ROMEO:\nI will "
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        live = screen.live
        assert live is not None
        warmed: list[str] = []
        warm = live.warm

        def recorded_warm(text, stop) -> None:
            warm(text, stop)
            warmed.append(text)

        live.warm = recorded_warm  # type: ignore[method-assign]
        await type_text(pilot, typed)
        await wait_for(pilot, lambda: typed in warmed)
        predictor = live.predictor
        _, token_ids = predictor.likeliest_next()
        steps = count_steps(predictor)
        typed += predictor.vocab.tokens[token_ids[0]]
        await type_text(pilot, typed[-1])
        await wait_for(pilot, lambda: screen.prediction is not None and screen.prediction.text == typed)
        assert steps[0] == 0
        assert shown(screen) == Predictor.load(trained_char_run).suggest(typed, 5)


async def test_whitespace_tokens_are_shown_as_glyphs(trained_char_run: Path, tmp_path: Path) -> None:
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await type_text(pilot, "ROMEO:\nI will")
        text = "\n".join(screen.query_one(SuggestionsPanel).rows())
        tokens = [item.token for item in shown(screen).items]
        if " " in tokens:
            assert "␣" in text
        assert "\n" not in "".join(screen.query_one(SuggestionsPanel).rows())


@pytest.mark.parametrize(("key", "rank", "typed"), [("tab", 1, "KING RICHARD:\nAnd"), ("alt+3", 3, "First Cit")])
async def test_tab_and_alt_digit_accept_the_kth_suggestion(key: str, rank: int, typed: str, trained_char_run: Path, tmp_path: Path) -> None:
    reference = Predictor.load(trained_char_run)
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await type_text(pilot, typed)
        item = reference.suggest(typed, 5).ranked[rank - 1]
        await pilot.press(key)
        await pilot.pause()
        expected = typed + item.insert
        assert screen.query_one(GhostEditor).text == expected
        assert shown(screen) == reference.suggest(expected, 5)
        await pilot.press("alt+9")  # beyond the 3 words and k = 5: nothing happens (a bell)
        await pilot.pause()
        assert screen.query_one(GhostEditor).text == expected


async def test_backspace_and_mid_text_edit_match_fresh_typing(trained_char_run: Path, tmp_path: Path) -> None:
    reference = Predictor.load(trained_char_run)
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        editor = screen.query_one(GhostEditor)
        await type_text(pilot, "Good morrow, sweet lady")
        for _ in range(5):
            await pilot.press("backspace")
        await pilot.pause()
        assert editor.text == "Good morrow, sweet"
        assert shown(screen) == reference.suggest("Good morrow, sweet", 5)
        # an edit in the middle: the model follows the text before the cursor
        editor.move_cursor((0, 4))
        await pilot.pause()
        assert shown(screen) == reference.suggest("Good", 5)
        await pilot.press("delete", "delete", "delete", "delete", "delete", "delete", "delete")
        await type_text(pilot, " night")
        assert editor.text == "Good night, sweet"
        assert shown(screen) == reference.suggest("Good night", 5)
        editor.move_cursor((0, len(editor.text)))
        await pilot.pause()
        assert shown(screen) == reference.suggest("Good night, sweet", 5)


async def test_ghost_text_is_the_greedy_continuation_and_right_accepts_it(trained_char_run: Path, tmp_path: Path) -> None:
    reference = Predictor.load(trained_char_run)
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        editor = screen.query_one(GhostEditor)
        await type_text(pilot, "ROMEO:\nWhat say")
        ghost = reference.ghost(reference.suggest("ROMEO:\nWhat say", 5))
        assert editor.ghost == ghost
        assert "\n" not in editor.suggestion and "\x1b" not in editor.suggestion
        await pilot.press("right")
        await pilot.pause()
        assert editor.text == "ROMEO:\nWhat say" + ghost
        # ctrl+f accepts too; in the middle of a line, right just moves
        accepted = editor.text
        ghost2 = editor.ghost
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert editor.text == accepted + ghost2
        editor.move_cursor((1, 2))
        await pilot.pause()
        assert editor.suggestion == ""
        await pilot.press("right")
        await pilot.pause()
        assert editor.text == accepted + ghost2
        assert editor.cursor_location == (1, 3)


async def test_k_and_temperature_change_the_suggestions(trained_char_run: Path, tmp_path: Path) -> None:
    reference = Predictor.load(trained_char_run)
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await type_text(pilot, "QUEEN")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert pilot.app.focused.id == "setting-k"
        await pilot.press("up", "up", "up")  # 5 → 8
        await pilot.press("ctrl+t")
        await pilot.press("ctrl+u", "0", ".", "5", "enter")
        await pilot.pause()
        assert isinstance(pilot.app.focused, GhostEditor)
        assert shown(screen) == reference.suggest("QUEEN", 8, 0.5)
        assert len(screen.query_one(SuggestionsPanel).rows()) == 3 + 1 + 8  # the word bar, a label, k = 8


async def test_word_level_shows_completions_of_the_word_being_typed(trained_word_run: Path, tmp_path: Path) -> None:
    reference = Predictor.load(trained_word_run)
    async with make_app(trained_word_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await type_text(pilot, "the company sa")
        suggestions = shown(screen)
        assert suggestions.partial == "sa"
        assert suggestions == reference.suggest("the company sa", 5)
        assert "completing" in screen.query_one(SuggestionsPanel).rows()[0]
        first = suggestions.items[0]
        await pilot.press("tab")
        await pilot.pause()
        assert screen.query_one(GhostEditor).text == "the company sa" + first.insert
        assert shown(screen).partial == ""


def painted(widget) -> list[str]:
    """The widget's rows as painted on the screen (cut where the screen cuts them)."""
    return ["".join(segment.text for segment in widget.render_line(y)).rstrip() for y in range(widget.size.height)]


async def test_char_models_offer_whole_words_and_a_ghost_to_the_word_end(trained_char_run: Path, tmp_path: Path) -> None:
    reference = Predictor.load(trained_char_run)
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        editor = screen.query_one(GhostEditor)
        typed = "First Citizen:\nBefore we pro"
        await type_text(pilot, typed)
        suggestions = reference.suggest(typed, 5)
        assert shown(screen) == suggestions and len(suggestions.words) == 3
        rows = painted(screen.query_one(SuggestionsPanel))
        for rank, (row, word) in enumerate(zip(rows, suggestions.words), start=1):
            assert row.split()[0] == ("tab" if rank == 1 else f"alt+{rank}") and visible_token(word.token) in row
        assert editor.ghost == suggestions.words[0].insert  # the rest of the word and its space, no more
        assert not any(a.isspace() and not b.isspace() for a, b in zip(editor.ghost, editor.ghost[1:]))
        await pilot.press("alt+2")
        await pilot.pause()
        assert editor.text == typed + suggestions.words[1].insert


async def test_japanese_kana_complete_to_the_word_being_typed(japanese_run: Path, tmp_path: Path) -> None:
    """"名前はま" offers まだ (ま alone is a word the model knows too)."""
    async with make_app(japanese_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        editor = screen.query_one(GhostEditor)
        editor.insert("名前はま")
        await wait_for(pilot, lambda: screen.prediction.text == "名前はま")
        rows = screen.query_one(SuggestionsPanel).rows()
        assert rows[0] == "completing ま…" and "まだ" in rows[1]
        await pilot.press("tab")
        await pilot.pause()
        assert editor.text == "名前はまだ"


async def test_word_completion_ignores_case_and_says_when_nothing_matches(trained_word_run: Path, tmp_path: Path) -> None:
    """At 80×24: "Wor…" completes "world"; a prefix no word has says so in full (it used to be cut)."""
    vocab = Predictor.load(trained_word_run).vocab
    word = next(t for t in vocab.tokens if t.isalpha() and t.islower() and len(t) > 4 and t.capitalize() not in vocab.index)
    async with make_app(trained_word_run, tmp_path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        editor = screen.query_one(GhostEditor)
        await type_text(pilot, "the " + word[:3].capitalize())
        assert word[3:] + " " in [s.insert for s in shown(screen).items]
        await type_text(pilot, " zzqx")
        text = " ".join(" ".join(painted(screen.query_one(SuggestionsPanel))).split())
        assert "no word in the vocabulary starts like this" in text
        assert editor.text.endswith("zzqx")


async def test_text_the_model_cannot_read_is_named_in_the_status_line(trained_char_run: Path, tmp_path: Path) -> None:
    from lstm_tui.tui.screens.predict import UNREADABLE

    async with make_app(trained_char_run, tmp_path).run_test(size=(160, 40)) as pilot:
        screen = await ready(pilot)
        editor = screen.query_one(GhostEditor)
        status = screen.query_one(ModelStatus)
        panel = screen.query_one(SuggestionsPanel)
        editor.insert("名前はまだ無い")
        await wait_for(pilot, lambda: screen.prediction.text == "名前はまだ無い")
        await pilot.pause()
        assert "unknown 100%" in status.text() and "early" not in status.text()
        assert UNREADABLE in " ".join(painted(panel))
        editor.load_text("ROMEO: my lord, 名前")
        editor.move_cursor((0, len(editor.text)))
        await wait_for(pilot, lambda: screen.prediction.text == editor.text)
        await pilot.pause()
        assert "unknown 11%" in status.text() and UNREADABLE not in " ".join(painted(panel))


async def test_an_early_model_says_so_and_never_shows_0_percent(trained_word_run: Path, tmp_path: Path) -> None:
    from lstm_tui.engine.infer.suggestion_ranker import Suggestion, Suggestions

    async with make_app(trained_word_run, tmp_path).run_test(size=(160, 40)) as pilot:
        screen = await ready(pilot)
        assert "early in training (step 30)" in screen.query_one(ModelStatus).text()
        panel = screen.query_one(SuggestionsPanel)
        panel.suggestions = Suggestions([Suggestion("the", 0.0004, "the "), Suggestion("a", 0.00003, "a ")], "")
        await pilot.pause()
        rows = painted(panel)
        assert rows[0].endswith(" 0.04%") and rows[1].endswith("<0.01%")


def test_the_training_note_of_a_model(trained_char_run: Path, trained_word_run: Path) -> None:
    from lstm_tui.tui.live_model import LiveModel

    early = LiveModel.load(trained_word_run)
    assert early.training_note() == "early in training (step 30)" and early.training_note(short=True) == "early (step 30)"
    live = LiveModel.load(trained_char_run)
    assert live.training_note() == "" and not live.still_training  # no trainer holds its lock
    live.still_training = True
    assert live.training_note() == "still training (step 300)"


def test_percentages_keep_small_probabilities_visible() -> None:
    assert [percent(p) for p in (1.0, 0.5, 0.001, 0.0004, 0.00004, 0.0)] == ["100.0%", " 50.0%", "  0.1%", " 0.04%", "<0.01%", "  0.0%"]


async def test_a_100_kB_paste_never_freezes_the_app_for_a_second(trained_char_run: Path, shakespeare_100k: Path, tmp_path: Path) -> None:
    """Paste 100 kB, keep typing: the event loop never stalls ≥ 1 s and the suggestions end right."""
    from textual import events

    text = shakespeare_100k.read_text(encoding="utf-8")[:100_000]
    reference = Predictor.load(trained_char_run)
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        gaps: list[float] = []
        beating = True

        async def heartbeat() -> None:  # the longest time the app's loop could not run anything
            last = time.perf_counter()
            while beating:
                await asyncio.sleep(0.01)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        beat = asyncio.create_task(heartbeat())
        pilot.app.post_message(events.Paste(text))  # as the terminal driver posts a bracketed paste
        await pilot.pause(0.05)
        await type_text(pilot, " and")  # typed while the paste is being followed
        await wait_for(pilot, lambda: screen.prediction is not None and screen.prediction.text == text + " and", timeout=120)
        beating = False
        await beat
        assert shown(screen) == reference.suggest(text + " and", 5)
        assert max(gaps) < 1.0, f"the app froze for {max(gaps):.2f} s"


async def test_a_bad_model_folder_is_an_error_dialog_not_a_crash(tmp_path: Path) -> None:
    from lstm_tui.tui.dialogs.error import ErrorDialog

    missing = tmp_path / "no-such-run"
    async with make_app(missing, tmp_path).run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ErrorDialog))
        assert "not a folder" in pilot.app.screen.message or "missing" in pilot.app.screen.message
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, PredictScreen)
        assert "No model" in pilot.app.screen.query_one(SuggestionsPanel).message


async def test_function_keys_switch_screens(trained_char_run: Path, tmp_path: Path) -> None:
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        await ready(pilot)
        for key, name in (("f3", "TrainScreen"), ("f4", "ModelsScreen"), ("f2", "PredictScreen")):
            await pilot.press(key)
            await pilot.pause()
            assert type(pilot.app.screen).__name__ == name


def test_the_text_box_on_a_real_terminal_equals_a_full_redraw(trained_char_run: Path, tmp_path: Path) -> None:
    """The text box repaints only the rows a key changed: after typing, new lines, backspaces
    across lines, cursor moves, deletes, split and wrapped lines and scrolling, the terminal
    shows what a full redraw shows."""
    from tests.tui.terminal import TerminalApp

    app = TerminalApp(["--model", str(trained_char_run)], env={"LSTM_TUI_CHECKPOINTS": str(tmp_path / "checkpoints")})

    def shown_then_redrawn() -> tuple[str, str]:
        app.pump(1.5)
        shown = app.text()
        app.resize(app.columns + 2, app.rows)  # the app repaints everything at the new size…
        app.pump(1.0)
        app.resize(app.columns - 2, app.rows)  # …and again at the old one
        app.pump(1.5)
        return shown, app.text()

    try:
        app.wait_for(lambda screen: "latency" in screen and "%" in screen)
        app.send(*"ROMEO: my lord", "enter", *"JULIET: what", "enter", "enter", *"say", "backspace", "backspace")
        app.send("backspace", "backspace", "backspace", "up", "end", *" now?", "up", "home", "delete", *"r")
        app.send("down", "down", *"the ende", "enter", *"KING")
        app.pump(1.0)  # a ghost continuation is shown after "KING"…
        app.send("up")  # …and must vanish from that row when the cursor leaves it
        shown, redrawn = shown_then_redrawn()
        text_box = [line.split("││")[0].strip("│ ") for line in shown.splitlines()]
        assert "KING" in text_box, shown  # the row shows "KING" and no leftover ghost text
        assert "rOMEO: my lord now?" in shown and "JULIET: whatthe end" in shown
        assert shown == redrawn
        # Rows move: split the first line (every row below shifts down)…
        app.send("up", "up", "home", *["right"] * 6, "enter")
        shown, redrawn = shown_then_redrawn()
        assert shown == redrawn
        # …and join two others (every row below shifts up).
        app.send("down", "end", "delete")
        shown, redrawn = shown_then_redrawn()
        rows = [line.split("││")[0].strip("│ ") for line in shown.splitlines()]
        assert rows.index("rOMEO:") + 1 == rows.index("my lord now?"), shown
        assert any(row.startswith("JULIET: whatthe end") and row.endswith("KING") for row in rows), shown
        assert shown == redrawn
        # A line grows until it wraps onto new rows, then shrinks back.
        app.send("end", *(" and on" * 12))
        app.send(*["backspace"] * 30)
        shown, redrawn = shown_then_redrawn()
        assert shown == redrawn
        # Lines until the box scrolls and its scrollbar appears, then most of them removed.
        app.send("down", "end", *(["enter", "x"] * 24), *(["backspace"] * 30))
        shown, redrawn = shown_then_redrawn()
        assert shown == redrawn
    finally:
        app.close()
