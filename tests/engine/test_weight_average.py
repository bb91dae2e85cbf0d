"""The moving average of the weights: its arithmetic, what a run validates and saves, exact resume."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.engine.runs.model_file import load_model
from lstm_tui.engine.runs.trainer_state import read_trainer_snapshot
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.model.language_model import LanguageModel, ModelConfig
from lstm_tui.engine.train.trainer import Trainer
from lstm_tui.engine.train.weight_average import PREFIX, WeightAverage
from tests.conftest import small_config


def test_the_average_is_a_mean_of_the_updates_then_an_exponential_average() -> None:
    model = LanguageModel(ModelConfig(vocab_size=11, units=4, embed=3))
    model.init_weights(np.random.default_rng(0))
    param = model.embed.W
    start = param.array.copy()
    average = WeightAverage(model, decay=0.9)
    expected = start.astype(np.float64)
    for n in range(1, 40):
        param.array[...] = start + n  # the weights after update n
        average.update()
        weight = max(0.1, 1 / n)  # a plain mean of the updates until the horizon of 10 is reached
        if n == 1:
            assert weight == 1  # the random start does not count at all
        expected = expected + weight * (param.array - expected)
        np.testing.assert_allclose(average.arrays["/embed/W"], expected, rtol=1e-5)
    assert average.updates == 39
    with average.swapped_in():  # the model holds the average inside, its own weights after
        np.testing.assert_array_equal(param.array, average.arrays["/embed/W"])
    np.testing.assert_array_equal(param.array, start + 39)


@pytest.mark.parametrize("decay", [1.0, -0.1, float("nan"), 1.5])
def test_a_decay_outside_0_to_1_is_refused(decay: float, shakespeare_100k: Path) -> None:
    with pytest.raises(UserError, match=r"--weight-average must be in \[0, 1\)"):
        small_config(shakespeare_100k, weight_average=decay).validate()


def _arrays(folder: Path) -> dict[str, np.ndarray]:
    return {name: param.array.copy() for name, param in load_model(folder).model.namedparams()}


def test_a_run_validates_and_saves_the_average_and_resumes_exactly(shakespeare_100k: Path, tmp_path: Path) -> None:
    config = dict(max_steps=40, eval_every=10, dropout=0.2, weight_average=0.95)
    straight = tmp_path / "straight"
    trainer = Trainer.new(small_config(shakespeare_100k, **config), straight)
    trainer.run()
    saved = _arrays(straight)
    snapshot, state = read_trainer_snapshot(straight)
    assert state.average_updates == 40
    raw = dict(trainer.model.namedparams())  # after the run the model holds its own weights again
    for name, array in saved.items():  # model.npz: the average; trainer.npz: both
        np.testing.assert_array_equal(array, snapshot[PREFIX + name.lstrip("/")], err_msg=name)
        np.testing.assert_array_equal(snapshot["model/" + name.lstrip("/")], raw[name].array, err_msg=name)
    assert any(not np.array_equal(saved[n], snapshot["model/" + n.lstrip("/")]) for n in saved)
    with trainer.evaluator.weights_in_use():  # the recorded valid loss is the average's
        assert trainer.evaluator.loss(trainer.valid_streams) == pytest.approx(trainer.progress.last_valid, rel=1e-6)

    stop = threading.Event()

    def stop_at_step_20(event: dict) -> None:
        if event["event"] == "validation" and event["step"] == 20:
            stop.set()

    halves = tmp_path / "halves"
    assert Trainer.new(small_config(shakespeare_100k, **config), halves, listeners=[stop_at_step_20]).run(stop).step == 20
    assert Trainer.resume(halves).run().step == 40
    resumed = _arrays(halves)
    for name in saved:
        np.testing.assert_array_equal(resumed[name], saved[name], err_msg=name)
    history = lambda folder: [(h["step"], h["valid_loss"]) for h in json.loads((folder / "model.json").read_text())["metrics"]["history"]]  # noqa: E731
    assert history(halves) == history(straight)


def test_without_averaging_nothing_changes(shakespeare_100k: Path, tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    trainer = Trainer.new(small_config(shakespeare_100k, max_steps=5), folder)
    trainer.run()
    assert trainer.average is None
    snapshot, state = read_trainer_snapshot(folder)
    assert state.average_updates is None and not any(key.startswith(PREFIX) for key in snapshot)
    for name, array in _arrays(folder).items():
        np.testing.assert_array_equal(array, snapshot["model/" + name.lstrip("/")], err_msg=name)
