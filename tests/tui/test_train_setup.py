"""The train screen's setup: the file browser (a folder opens on a click and is chosen with `c`;
backspace goes up), the cleaned Aozora preview and F8, folder totals, the tokenizer reset, the
seed row, and the time per epoch before F5."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from textual.widgets import Input, Select, Static

from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.engine.train.time_estimate import Throughput, token_cost, training_time
from lstm_tui.tui.app import LstmTuiApp
from lstm_tui.tui.corpus_facts import describe_corpus
from lstm_tui.tui.screens.train import TrainScreen
from lstm_tui.tui.widgets.corpus_picker import TextFileTree
from lstm_tui.tui.widgets.train_form import TrainForm
from tests.conftest import FIXTURES
from tests.tui.conftest import wait_for
from tests.tui.test_train import open_train_screen

SIZE = (120, 40)
RAW_AOZORA = FIXTURES / "ja" / "rashomon_excerpt.sjis.txt"


def make_app(model: Path, tmp_path: Path, browse: Path | None = None, checkpoints: Path | None = None) -> LstmTuiApp:
    return LstmTuiApp(model=model, checkpoints=checkpoints or tmp_path / "checkpoints", browse_root=browse or tmp_path)


async def choose(pilot, screen: TrainScreen, spec: str) -> None:
    field = screen.query_one("#corpus-path", Input)
    field.focus()
    field.value = spec
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen.facts is not None and screen.facts.spec in (spec, str(Path(spec).resolve())))


def preview(screen: TrainScreen) -> str:
    return str(screen.query_one("#corpus-preview", Static).render())


async def test_a_folder_click_opens_it_and_c_chooses_it(trained_char_run: Path, tmp_path: Path, browse_folder: Path) -> None:
    async with make_app(trained_char_run, tmp_path, browse_folder).run_test(size=SIZE) as pilot:
        screen = await open_train_screen(pilot)
        tree = screen.query_one(TextFileTree)
        await wait_for(pilot, lambda: len(tree.root.children) == 3)
        more = next(node for node in tree.root.children if str(node.label) == "more")
        await pilot.click(TextFileTree, offset=(9, more.line))  # on its name
        await wait_for(pilot, lambda: more.is_expanded and len(more.children) == 1)
        await pilot.pause(0.3)
        assert screen.query_one("#corpus-path", Input).value == "" and screen.facts is None
        assert tree.cursor_node is more
        await pilot.press("c")
        await wait_for(pilot, lambda: screen.facts is not None)
        assert screen.query_one("#corpus-path", Input).value == str(browse_folder / "more")
        assert screen.facts.files == 1
        tree.focus()
        await pilot.press("backspace")
        await wait_for(pilot, lambda: Path(tree.path) == browse_folder.parent)
        await wait_for(pilot, lambda: any(str(node.label) == browse_folder.name for node in tree.root.children))


async def test_an_aozora_file_previews_the_text_that_trains_and_f8_shows_the_raw_file(
    trained_char_run: Path, tmp_path: Path
) -> None:
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await open_train_screen(pilot)
        await choose(pilot, screen, str(RAW_AOZORA))
        assert screen.facts.format == "aozora"
        assert "ある日の暮方の事である" in preview(screen) and "テキスト中に現れる記号" not in preview(screen)
        assert "F8" in str(screen.query_one("#corpus-facts", Static).render())
        await pilot.press("f8")
        await pilot.pause()
        assert "テキスト中に現れる記号" in preview(screen)
        await pilot.press("f8")
        await pilot.pause()
        assert "テキスト中に現れる記号" not in preview(screen)


def test_a_folder_summary_counts_every_file(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(RAW_AOZORA, folder / "a.txt")
    (folder / "sub" / "b.txt").write_text("two lines\nof English\n", encoding="utf-8")
    facts = describe_corpus(str(folder), {})
    aozora = describe_corpus(str(RAW_AOZORA), {})
    assert facts.files == 2
    assert facts.chars == aozora.chars + len("two lines\nof English\n")
    assert facts.lines == aozora.lines + 2
    assert facts.format == "aozora (1 file), plain (1 file)"
    assert facts.encoding == "cp932 (1 file), utf-8 (1 file)"


async def test_a_char_corpus_resets_the_tokenizer(trained_char_run: Path, tmp_path: Path, monkeypatch) -> None:
    catalogue = tmp_path / "catalogue"
    catalogue.mkdir()
    shutil.copy(RAW_AOZORA, catalogue / "ja.txt")
    (catalogue / "en.txt").write_text("plain English text\n" * 20, encoding="utf-8")
    entries = [{"name": "ja-words", "source": "ja.txt", "level": "word", "tokenizer": "mecab"},
               {"name": "en-chars", "source": "en.txt", "level": "char", "tokenizer": "char"}]
    (catalogue / "catalogue.json").write_text(json.dumps({"corpora": entries}), encoding="utf-8")
    monkeypatch.setenv("LSTM_TUI_CORPORA", str(catalogue))
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await open_train_screen(pilot)
        tokenizer = screen.query_one("#field-tokenizer", Select)
        await choose(pilot, screen, "ja-words")
        await wait_for(pilot, lambda: tokenizer.value == "mecab")
        await choose(pilot, screen, "en-chars")
        await wait_for(pilot, lambda: screen.query_one("#field-level", Select).value == "char")
        await pilot.pause()
        assert tokenizer.value == TrainConfig().run.tokenizer


def test_the_time_per_epoch_scales_a_measured_run_by_the_model_size() -> None:
    measured = Throughput("reference", 10_000.0, token_cost(256, 64, 100), "cpu")
    config = TrainConfig.from_values(units=256, embed=64, batch_size=10, bptt=10, max_steps=50, epochs=3)
    same = training_time(config, 600_000, 100, measured)
    assert (same.epoch_seconds, same.total_seconds) == (60.0, 50 * 100 / 10_000)  # max steps come first
    bigger = training_time(config.replace(units=512, max_steps=None), 600_000, 100, measured)
    assert bigger.epoch_seconds > 2 * same.epoch_seconds and bigger.total_seconds == 3 * bigger.epoch_seconds


async def test_the_form_has_a_seed_and_shows_the_time_per_epoch(trained_char_run: Path, tmp_path: Path,
                                                               shakespeare_30k: Path) -> None:
    checkpoints = tmp_path / "checkpoints"
    measured = shutil.copytree(trained_char_run, checkpoints / "measured")
    meta = json.loads((measured / "model.json").read_text(encoding="utf-8"))
    meta.update(elapsed_seconds=100.0, tokens_seen=1_000_000)
    (measured / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    async with make_app(trained_char_run, tmp_path, checkpoints=checkpoints).run_test(size=SIZE) as pilot:
        screen = await open_train_screen(pilot)
        form = screen.query_one(TrainForm)
        form.set_value("seed", "7")
        assert form.read_config("builtin:pydoc").run.seed == 7
        estimate = screen.query_one("#train-estimate", Static)
        assert str(estimate.render()) == ""  # no corpus yet
        await choose(pilot, screen, str(shakespeare_30k))
        await wait_for(pilot, lambda: "per epoch" in str(estimate.render()))
        text = str(estimate.render())
        assert "27,000 tokens an epoch" in text and "scaled from the run shakespeare-char" in text
        first = text
        form.set_value("units", "512")
        await pilot.pause()
        assert str(estimate.render()) != first
        form.set_value("units", "-1")
        await pilot.pause()
        assert "no time per epoch yet" in str(estimate.render())
