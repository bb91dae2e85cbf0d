"""The train screen: corpus facts, form validation, a real training in a child process, Stop, quit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from textual.widgets import Input, Static

from lstm_tui.engine.runs.run_folder import MODEL_JSON
from lstm_tui.engine.runs.run_list import run_state
from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.tui.app import LstmTuiApp
from lstm_tui.tui.corpus_facts import describe_corpus
from lstm_tui.tui.dialogs.error import ErrorDialog
from lstm_tui.tui.dialogs.quit import QuitDialog
from lstm_tui.tui.screens.models import ModelsScreen, RunTable
from lstm_tui.tui.screens.predict import PredictScreen
from lstm_tui.tui.screens.train import TrainScreen
from lstm_tui.tui.widgets.corpus_picker import CorpusPicker, TextFileTree
from lstm_tui.tui.widgets.run_monitor import RunMonitor
from lstm_tui.tui.widgets.train_form import TrainForm
from tests.tui.conftest import wait_for

SIZE = (120, 40)
TRAINING_TIMEOUT = 120.0


def make_app(model: Path, tmp_path: Path, browse: Path | None = None) -> LstmTuiApp:
    return LstmTuiApp(model=model, checkpoints=tmp_path / "checkpoints", browse_root=browse or tmp_path)


async def open_train_screen(pilot) -> TrainScreen:
    await pilot.press("f3")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, TrainScreen))
    await pilot.pause()
    return pilot.app.screen


async def choose_corpus(pilot, screen: TrainScreen, spec: str) -> None:
    field = screen.query_one("#corpus-path", Input)
    field.focus()
    field.value = spec
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen.facts is not None or screen.query_one("#corpus-error", Static).has_class("-shown"))


def fill(screen: TrainScreen, **values: str) -> None:
    form = screen.query_one(TrainForm)
    for name, value in values.items():
        form.set_value(name, value)


async def start_small_training(pilot, corpus: Path, max_steps: int, out: str) -> TrainScreen:
    """Open the train screen, pick `corpus`, set a tiny model and press F5."""
    screen = await open_train_screen(pilot)
    await choose_corpus(pilot, screen, str(corpus))
    fill(screen, units="32", bptt="16", batch_size="8", max_steps=str(max_steps), out=out)
    await pilot.press("f5")
    return screen


def test_corpus_facts_are_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "evil.txt"
    path.write_text("hello \x1b[2J\x1b]0;title\x07 world\n" * 30, encoding="utf-8")
    facts = describe_corpus(str(path), {})
    assert "\x1b" not in facts.preview and "\x07" not in facts.preview
    assert "␛[2J" in facts.preview
    assert len(facts.preview.splitlines()) == 20
    assert (facts.encoding, facts.format, facts.files) == ("utf-8", "plain", 1)


async def test_browser_shows_text_files_only(trained_char_run: Path, tmp_path: Path, browse_folder: Path) -> None:
    async with make_app(trained_char_run, tmp_path, browse_folder).run_test(size=SIZE) as pilot:
        screen = await open_train_screen(pilot)
        tree = screen.query_one(TextFileTree)
        await wait_for(pilot, lambda: len(tree.root.children) > 0)
        names = sorted(str(node.label) for node in tree.root.children)
        assert names == ["NOTES", "more", "plays.txt"]


async def test_choosing_a_corpus_shows_facts_and_a_preview(trained_char_run: Path, tmp_path: Path, shakespeare_30k: Path) -> None:
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await open_train_screen(pilot)
        await choose_corpus(pilot, screen, str(shakespeare_30k))
        assert screen.facts is not None
        assert screen.facts.files == 1 and screen.facts.encoding == "utf-8"
        facts = str(screen.query_one("#corpus-facts", Static).render())
        assert "30.0 kB" in facts and "utf-8" in facts and "plain" in facts
        assert "First Citizen" in str(screen.query_one("#corpus-preview", Static).render())


async def test_an_unusable_corpus_is_flagged_not_a_crash(trained_char_run: Path, tmp_path: Path) -> None:
    image = tmp_path / "photo.txt"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await open_train_screen(pilot)
        await choose_corpus(pilot, screen, str(image))
        error = screen.query_one("#corpus-error", Static)
        assert error.has_class("-shown")
        assert "PNG" in str(error.render())


async def test_invalid_form_values_are_flagged_before_start(trained_char_run: Path, tmp_path: Path, shakespeare_30k: Path) -> None:
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await open_train_screen(pilot)
        await choose_corpus(pilot, screen, str(shakespeare_30k))
        units = screen.query_one("#field-units", Input)
        units.focus()
        await pilot.press("ctrl+u", "-", "3")
        await pilot.pause()
        assert screen.query_one("#error-units", Static).has_class("-shown")
        await pilot.press("f5")
        await pilot.pause()
        assert pilot.app.training is None
        assert pilot.app.focused is units
        fill(screen, units="32", dropout="1.5")
        await pilot.press("f5")
        await pilot.pause()
        assert pilot.app.training is None
        assert "dropout" in str(screen.query_one("#error-dropout", Static).render())
        fill(screen, dropout="0.1", cache_size="5000")
        await pilot.press("f5")
        await pilot.pause()
        assert pilot.app.training is None
        assert "3,000" in str(screen.query_one("#error-cache_size", Static).render())


async def test_the_cache_size_reaches_the_config(trained_char_run: Path, tmp_path: Path) -> None:
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await open_train_screen(pilot)
        fill(screen, cache_size="1000")
        assert screen.query_one(TrainForm).read_config("builtin:pydoc").prediction.cache_size == 1000


async def test_defaults_come_from_train_config(trained_char_run: Path, tmp_path: Path) -> None:
    defaults = TrainConfig()
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await open_train_screen(pilot)
        form = screen.query_one(TrainForm)
        config = form.read_config("builtin:pydoc")
        for name in ("level", "tokenizer", "units", "embed", "dropout", "bptt", "batch_size", "lr", "epochs", "max_steps", "time_budget", "cache_size", "device"):
            assert config.values()[name] == defaults.values()[name], name


async def test_training_from_the_screen_finishes_and_predict_follows_it(
    trained_char_run: Path, tmp_path: Path, shakespeare_30k: Path, trainings: list
) -> None:
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        app = pilot.app
        screen = await start_small_training(pilot, shakespeare_30k, max_steps=30, out="tiny")
        await wait_for(pilot, lambda: bool(trainings))
        folder = trainings[0].folder
        assert folder == tmp_path / "checkpoints" / "tiny"
        # type on the predict screen, following the training: its checkpoints load by themselves
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, PredictScreen))
        predict = app.screen
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: app.training is None, timeout=TRAINING_TIMEOUT)
        monitor = screen.query_one(RunMonitor)
        await wait_for(pilot, lambda: monitor.state == "finished")
        assert run_state(folder) == "finished"
        assert monitor.train_losses and monitor.valid_losses
        assert not isinstance(app.screen, ErrorDialog)
        # loading the new weights runs in a worker: on two busy cores it can take a while
        await wait_for(pilot, lambda: predict.live is not None and predict.live.folder == folder and predict.live.step == 30,
                       timeout=TRAINING_TIMEOUT, state=lambda: (predict.live and (predict.live.folder, predict.live.step),
                                                                app.latest_checkpoint, [(w.group, w.state.name) for w in app.workers]))
        await wait_for(pilot, lambda: predict.prediction is not None and predict._shown_key[0] == id(predict.live),
                       timeout=TRAINING_TIMEOUT)
        assert predict.prediction.suggestions == Predictor.load(folder).suggest("", 5)


async def test_turning_follow_on_loads_a_checkpoint_that_came_while_it_was_off(trained_char_run: Path, tmp_path: Path) -> None:
    """A checkpoint written before ctrl+o (a quick training, a busy app) loads when follow is
    turned on, instead of waiting for a next one that may never come."""
    from lstm_tui.tui.app import Checkpoint

    other = tmp_path / "checkpoints" / "other"
    shutil.copytree(trained_char_run, other)
    app = make_app(trained_char_run, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PredictScreen) and app.screen.live is not None)
        predict = app.screen
        app.latest_checkpoint = Checkpoint(other, 300)  # follow is off: noted, not loaded
        await pilot.pause(0.3)
        assert predict.live.folder == trained_char_run.resolve()
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: predict.live.folder == other.resolve())
        loads = len([w for w in app.workers if w.group == "load"])
        await pilot.press("ctrl+o")  # off, and on again: the model in use is that checkpoint, no new load
        await pilot.press("ctrl+o")
        await pilot.pause(0.3)
        assert len([w for w in app.workers if w.group == "load"]) == loads and predict.live.folder == other.resolve()


async def test_stop_saves_a_checkpoint_that_ctrl_l_loads(trained_char_run: Path, tmp_path: Path, shakespeare_30k: Path, trainings: list) -> None:
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        app = pilot.app
        screen = await start_small_training(pilot, shakespeare_30k, max_steps=100000, out="long")
        monitor = screen.query_one(RunMonitor)
        await wait_for(pilot, lambda: monitor.last_progress is not None, timeout=TRAINING_TIMEOUT)
        folder = trainings[0].folder
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.training is None, timeout=TRAINING_TIMEOUT)
        await wait_for(pilot, lambda: monitor.state == "interrupted")
        assert run_state(folder) == "interrupted"
        assert (folder / MODEL_JSON).exists()
        meta = json.loads((folder / MODEL_JSON).read_text(encoding="utf-8"))
        assert meta["state"] == "interrupted" and meta["step"] >= 1
        assert not isinstance(app.screen, ErrorDialog)
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, PredictScreen))
        predict = app.screen
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: predict.live is not None and predict.live.folder == folder)
        assert predict.live.step == meta["step"]
        # resume it from the models screen; it continues on the train screen from where it stopped
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelsScreen) and bool(app.screen.runs))
        app.screen.query_one(RunTable).focus()
        await pilot.press("r")
        await wait_for(pilot, lambda: len(trainings) == 2)
        assert trainings[1].resumed and trainings[1].folder == folder
        assert isinstance(app.screen, TrainScreen)
        stopped_at = meta["step"]
        await wait_for(pilot, lambda: monitor.last_progress is not None and (monitor.last_progress.step or 0) > stopped_at, timeout=TRAINING_TIMEOUT)
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.training is None, timeout=TRAINING_TIMEOUT)
        resumed = json.loads((folder / MODEL_JSON).read_text(encoding="utf-8"))
        assert resumed["state"] == "interrupted" and resumed["step"] > stopped_at


async def test_a_trainer_that_fails_early_shows_its_error(trained_char_run: Path, tmp_path: Path) -> None:
    blank = tmp_path / "blank.txt"
    blank.write_text("   \n\n  \n", encoding="utf-8")
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        app = pilot.app
        screen = await open_train_screen(pilot)
        screen.query_one(CorpusPicker).query_one("#corpus-path", Input).value = str(blank)
        fill(screen, units="32", max_steps="5", out="blank")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorDialog), timeout=TRAINING_TIMEOUT)
        assert "whitespace" in app.screen.message
        assert app.training is None


async def test_quitting_while_training_can_stop_it(trained_char_run: Path, tmp_path: Path, shakespeare_30k: Path) -> None:
    app = make_app(trained_char_run, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_small_training(pilot, shakespeare_30k, max_steps=100000, out="quit")
        monitor = screen.query_one(RunMonitor)
        await wait_for(pilot, lambda: monitor.last_progress is not None, timeout=TRAINING_TIMEOUT)
        process = app.training
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitDialog))
        await pilot.click("#stop")
        await wait_for(pilot, lambda: not process.running, timeout=45)
    assert process.returncode is not None
    assert run_state(process.folder) == "interrupted"
