"""Choosing the model in the predict screen (F5), the Japanese default for a Japanese locale, and
the offer of the Japanese model when the text turns Japanese under a model of another script."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import OptionList

from lstm_tui.engine.runs.model_choice import remembered_model
from lstm_tui.tui.app import LstmTuiApp
from lstm_tui.tui.dialogs.error import ErrorDialog
from lstm_tui.tui.dialogs.model_picker import ModelPicker
from lstm_tui.tui.screens.predict import PredictScreen
from lstm_tui.tui.widgets.ghost_editor import GhostEditor
from lstm_tui.tui.widgets.status_bar import ModelStatus, short_name
from tests.tui.conftest import wait_for

SIZE = (80, 24)
SOSEKI = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。"
OFFER = "A Japanese model is here"


@pytest.fixture
def checkpoints(tmp_path: Path, trained_char_run: Path, trained_word_run: Path, monkeypatch) -> Path:
    """A checkpoints folder holding the shipped English default (a small char model) and one
    finished run (a word model); no default-ja; an English locale."""
    root = tmp_path / "checkpoints"
    root.mkdir()
    shutil.copytree(trained_char_run, root / "default")
    shutil.copytree(trained_word_run, root / "shakespeare-word")
    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(root))
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    return root


@pytest.fixture
def with_japanese(checkpoints: Path, japanese_run: Path) -> Path:
    """The same, with a shipped Japanese default (a tiny MeCab word model)."""
    shutil.copytree(japanese_run, checkpoints / "default-ja")
    return checkpoints


async def ready(pilot) -> PredictScreen:
    screen = pilot.app.screen
    assert isinstance(screen, PredictScreen)
    await wait_for(pilot, lambda: screen.live is not None and screen.prediction is not None)
    return screen


async def open_picker(pilot) -> ModelPicker:
    await pilot.press("f5")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelPicker))
    picker = pilot.app.screen
    await wait_for(pilot, lambda: len(picker.entries) > 0)
    return picker


def prompts(picker: ModelPicker) -> list[str]:
    option_list = picker.query_one(OptionList)
    return [str(option_list.get_option(str(index)).prompt) for index in range(len(picker.entries))]


def notices(app, title: str) -> list[str]:
    return [n.message for n in app._notifications if n.title == title]


async def test_the_picker_lists_the_defaults_and_runs_and_loads_the_one_chosen(checkpoints: Path) -> None:
    async with LstmTuiApp(checkpoints=checkpoints).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        status = screen.query_one(ModelStatus)
        assert status.text().startswith("default · char")
        picker = await open_picker(pilot)
        assert [entry.name for entry in picker.entries] == ["default", "default-ja", "shakespeare-word"]
        shown = prompts(picker)
        assert "predicting now" in shown[0] and "shipped, English" in shown[0] and "valid ppl" in shown[0]
        assert "not here yet" in shown[1] and "predicting now" not in shown[1]  # greyed, with the reason
        assert "word/space" in shown[2] and "shakespeare100k.txt" in shown[2] and "valid ppl" in shown[2]
        option_list = picker.query_one(OptionList)
        assert option_list.get_option("1").disabled and option_list.highlighted == option_list.get_option_index("0")
        await pilot.press("down")  # past the missing default-ja and the rule, onto the run
        assert option_list.highlighted == option_list.get_option_index("2")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.live is not None and screen.live.folder.name == "shakespeare-word")
        assert isinstance(pilot.app.screen, PredictScreen) and screen.query_one(GhostEditor).has_focus
        await wait_for(pilot, lambda: status.text().startswith("shakespeare-word · word/space"))
        assert remembered_model(checkpoints) == (checkpoints / "shakespeare-word").resolve()  # opens next time
        await pilot.press("h", "e")
        await pilot.pause()
        assert screen.prediction is not None and screen.prediction.text == "he"  # the new model follows the text
        # escape keeps the model
        picker = await open_picker(pilot)
        assert "predicting now" in prompts(picker)[2]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, PredictScreen) and screen.live.folder.name == "shakespeare-word"


async def test_a_model_that_fails_to_load_is_a_notice_and_the_old_one_stays(checkpoints: Path) -> None:
    async with LstmTuiApp(checkpoints=checkpoints).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        before = screen.live
        picker = await open_picker(pilot)
        (checkpoints / "shakespeare-word" / "model.npz").write_bytes(b"not a zip")  # damaged after it was listed
        picker.query_one(OptionList).highlighted = picker.query_one(OptionList).get_option_index("2")
        await pilot.press("enter")
        await wait_for(pilot, lambda: notices(pilot.app, "Could not load the model"))
        [message] = notices(pilot.app, "Could not load the model")
        assert "model.npz" in message and "\n" not in message and message.endswith("default still predicts")
        assert not isinstance(pilot.app.screen, ErrorDialog)
        assert screen.live is before and screen.query_one(ModelStatus).text().startswith("default · ")
        assert remembered_model(checkpoints) is None  # nothing remembered for a model that never loaded


async def test_typing_japanese_into_the_english_model_offers_the_japanese_one_once(with_japanese: Path) -> None:
    async with LstmTuiApp(checkpoints=with_japanese).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        assert screen.live.folder.name == "default" and not screen.live.japanese
        assert not screen.check_action("accept_offer", ())  # no offer: alt+j is not a key yet
        await pilot.press(*"Hello")
        await pilot.press(*SOSEKI[:10])
        await pilot.pause()
        assert not notices(pilot.app, OFFER)  # a few Japanese letters after English are no evidence yet
        await pilot.press(*SOSEKI[10:])
        await wait_for(pilot, lambda: notices(pilot.app, OFFER))
        assert "alt+j" in notices(pilot.app, OFFER)[0] and "default-ja" in notices(pilot.app, OFFER)[0]
        assert screen.live.folder.name == "default"  # offered, not switched
        assert screen.check_action("accept_offer", ())
        await pilot.press(*SOSEKI)
        await pilot.pause()
        assert len(notices(pilot.app, OFFER)) == 1  # once, not at every key
        typed = screen.query_one(GhostEditor).text
        await pilot.press("alt+j")
        await wait_for(pilot, lambda: screen.live.folder.name == "default-ja")
        assert screen.live.japanese and screen.query_one(GhostEditor).text == typed  # no "j" typed
        await wait_for(pilot, lambda: screen.query_one(ModelStatus).text().startswith("default-ja · word/mecab"))
        assert not screen.check_action("accept_offer", ())
        assert remembered_model(with_japanese) == (with_japanese / "default-ja").resolve()


async def test_no_offer_without_a_japanese_model(checkpoints: Path) -> None:
    async with LstmTuiApp(checkpoints=checkpoints).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        screen.query_one(GhostEditor).insert(SOSEKI * 2)
        await wait_for(pilot, lambda: screen.prediction is not None and screen.prediction.text == SOSEKI * 2)
        assert not notices(pilot.app, OFFER) and screen.offer.target is None
        await pilot.press("alt+j")  # not a key now: nothing loads
        await pilot.pause()
        assert screen.live.folder.name == "default"


def test_a_japanese_locale_opens_the_japanese_default(with_japanese: Path, monkeypatch) -> None:
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert LstmTuiApp(checkpoints=with_japanese).initial_model == with_japanese / "default-ja"
    monkeypatch.setenv("LC_ALL", "C")  # LC_ALL says otherwise
    assert LstmTuiApp(checkpoints=with_japanese).initial_model == with_japanese / "default"


def test_a_long_run_name_is_shortened_in_the_middle() -> None:
    name = "ja-books-char-20261206-035000-fine-tuned"
    short = short_name(name)
    assert len(short) == 24 and short.startswith("ja-books-ch") and short.endswith("fine-tuned") and "…" in short
    assert short_name("default") == "default"
    wide = short_name("日本語の作品で学習した文字モデルです")  # two cells a character
    assert wide.startswith("日本語の") and "…" in wide


def test_a_damaged_shipped_model_is_listed_greyed_with_the_reason(checkpoints: Path) -> None:
    from lstm_tui.engine.runs.run_service import RunService
    from lstm_tui.tui.dialogs.model_picker import model_entries

    shutil.copytree(checkpoints / "default", checkpoints / "default-ja")
    (checkpoints / "default-ja" / "model.json").write_text('{"format": 1, "metrics": "x"}', encoding="utf-8")
    shipped, finished = model_entries(RunService(checkpoints))
    assert [(e.name, bool(e.problem)) for e in shipped] == [("default", False), ("default-ja", True)]
    assert shipped[1].problem.startswith("damaged: ") and "\n" not in shipped[1].problem
    assert [e.name for e in finished] == ["shakespeare-word"]  # the shipped ones are not listed twice
