"""Each training option is declared once; the CLI, the form, presets and the child's config follow."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input

from lstm_tui.cli import add_train_arguments, config_from_args, main_parser
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.train.config import RunConfig, TrainConfig
from lstm_tui.engine.train.options import FormRow, fraction, option
from lstm_tui.engine.train.presets import PRESETS
from lstm_tui.tui.widgets.train_form import TrainForm


@dataclass
class RunWithSmoothing(RunConfig):
    """A copy of the run's declaration with one option more: what a contributor's one edit adds."""

    label_smoothing: float = option(0.0, group="training", check=fraction, form=FormRow("smoothing"),
                                    help="share of each target's probability spread over the vocabulary")


@dataclass
class ConfigWithSmoothing(TrainConfig):
    run: RunWithSmoothing = field(default_factory=RunWithSmoothing)


def _parser(spec: type[TrainConfig]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config")
    add_train_arguments(parser, spec)
    return parser


def test_a_new_option_reaches_the_parser_and_its_help() -> None:
    parser = _parser(ConfigWithSmoothing)
    assert "--label-smoothing" in parser.format_help() and "(default 0)" in parser.format_help()
    config, given = config_from_args(parser.parse_args(["--label-smoothing", "0.1", "--units", "32"]), ConfigWithSmoothing)
    assert config.run.label_smoothing == 0.1 and config.run.units == 32
    assert given == {"label_smoothing": 0.1, "units": 32}


def test_a_new_option_is_checked_and_its_error_names_the_field() -> None:
    config = ConfigWithSmoothing.from_values(label_smoothing=1.5)
    with pytest.raises(UserError, match=r"--label-smoothing must be in \[0, 1\), got 1.5") as caught:
        config.validate()
    assert caught.value.field == "label_smoothing"


def test_a_new_option_reaches_the_child_through_its_config_file(tmp_path: Path) -> None:
    config = ConfigWithSmoothing.from_values(corpus="x.txt", label_smoothing=0.05, cache_size=100, device="cpu")
    path = tmp_path / "child.json"
    path.write_text(json.dumps(config.to_dict()), encoding="utf-8")
    parsed, _ = config_from_args(_parser(ConfigWithSmoothing).parse_args(["--config", str(path)]), ConfigWithSmoothing)
    assert parsed == config and parsed.run.label_smoothing == 0.05


async def test_a_new_option_gets_a_form_row() -> None:
    class FormApp(App):
        def compose(self) -> ComposeResult:
            yield TrainForm(spec=ConfigWithSmoothing)

    async with FormApp().run_test() as pilot:
        form = pilot.app.query_one(TrainForm)
        row = pilot.app.query_one("#field-label_smoothing", Input)
        assert row.value == "0"
        row.value = "0.2"
        await pilot.pause()
        assert form.read_config("x.txt").run.label_smoothing == 0.2
        row.value = "2"
        await pilot.pause()
        with pytest.raises(UserError) as caught:
            form.read_config("x.txt")
        assert caught.value.field == "label_smoothing" and "smoothing must be in [0, 1)" in str(caught.value)


def test_every_preset_names_declared_options_and_is_valid() -> None:
    for preset in PRESETS.values():
        TrainConfig.from_values(preset.values).validate()
    with pytest.raises(UserError, match="unknown training option 'unitz'"):
        TrainConfig.from_values(unitz=3)


def test_the_parts_split_what_resume_keeps() -> None:
    recorded = TrainConfig.from_values(corpus="x.txt", units=64, time_budget=5.0, device="cpu", distributed=True, cache_size=10).to_dict()
    resumed = TrainConfig.resumed(recorded, {"time_budget": 9.0, "cache_size": 20})
    assert resumed.run.units == 64 and resumed.limits.time_budget == 9.0 and resumed.prediction.cache_size == 20
    assert resumed.session.device == "auto" and resumed.session.distributed is False  # the session's own, not the record's
    with pytest.raises(UserError, match="--units defines the run") as caught:
        TrainConfig.resumed(recorded, {"units": 128})
    assert caught.value.field == "units"


def test_model_json_keeps_its_flat_train_object() -> None:
    """The shipped default model's recorded options load into the parts and write back unchanged."""
    meta = json.loads((Path(__file__).resolve().parents[2] / "checkpoints" / "default" / "model.json").read_text(encoding="utf-8"))
    config = TrainConfig.from_dict(meta["train"])
    assert meta["train"].items() <= config.to_dict().items()


def test_the_main_parser_has_every_declared_flag() -> None:
    help_text = main_parser().format_help()
    for d in TrainConfig.declared():
        if d.flag:
            assert d.flag in help_text, d.flag


def test_the_documented_option_table_names_every_declared_flag() -> None:
    """docs/training-recipes.md explains the options; it may not drift from the declaration."""
    import re

    doc = (Path(__file__).resolve().parents[2] / "docs" / "training-recipes.md").read_text(encoding="utf-8")
    table = doc[doc.index("| option | default | meaning |"):doc.index("## Stopping and resuming")]
    documented = set(re.findall(r"`(--[a-z-]+)", table))
    declared = {d.flag for d in TrainConfig.declared() if d.flag}
    missing = declared - documented
    assert not missing, f"declared but not in docs/training-recipes.md: {sorted(missing)}"
    unknown = documented - declared - {"--preset", "--out", "--resume", "--config"}
    assert not unknown, f"in docs/training-recipes.md but not declared: {sorted(unknown)}"
