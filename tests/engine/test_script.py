"""Telling Japanese text from Latin-script text: what the app's offer of the Japanese model rests on."""

from __future__ import annotations

import time

from lstm_tui.engine.data.script import (
    MIN_LETTERS,
    is_japanese_letter,
    japanese_share,
    looks_japanese,
    recent_letters,
    vocabulary_is_japanese,
)
from tests.conftest import FIXTURES, SHAKESPEARE_FIRST_100K

SOSEKI = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。"


def test_kana_and_kanji_are_japanese_letters_and_nothing_else_is() -> None:
    assert all(is_japanese_letter(c) for c in "あアｱ漢字々〆ー𠀋")
    assert not any(is_japanese_letter(c) for c in "aZéßЖ。、「」1１ 　!")


def test_only_letters_count() -> None:
    assert japanese_share("ab 猫!") == (1 / 3, 3)
    assert japanese_share("。、「」 123") == (0.0, 0)
    assert recent_letters("abc, def! ghi", 5) == "efghi"


def test_japanese_prose_looks_japanese_and_english_prose_does_not() -> None:
    english = SHAKESPEARE_FIRST_100K.read_text(encoding="utf-8")[:2_000]
    assert looks_japanese(SOSEKI)
    assert not looks_japanese(english)
    assert looks_japanese(english + SOSEKI)  # what was typed last decides, not the whole text
    assert not looks_japanese(SOSEKI + english)
    for sample in (FIXTURES / "ja").glob("*clean*"):  # the Aozora excerpts kept for the tests
        assert looks_japanese(sample.read_text(encoding="utf-8")), sample.name


def test_a_few_letters_are_no_evidence() -> None:
    short = SOSEKI[: MIN_LETTERS - 5]
    assert not looks_japanese(short)
    assert not looks_japanese("東京 is where I live, and I write in English most of the time")
    # mostly Japanese with English words in it is Japanese; mostly English with a few kanji is not
    assert looks_japanese("これはテストです" * 3 + "and some English")  # 24 of 38 letters
    assert not looks_japanese("これはテストです" * 2 + "and some English words")  # 16 of 34


def test_a_long_text_of_punctuation_costs_little() -> None:
    text = "。" * 1_000_000 + SOSEKI
    start = time.perf_counter()
    for _ in range(100):
        looks_japanese(text)
        looks_japanese("." * 1_000_000)
    assert (time.perf_counter() - start) / 200 < 0.005  # per call, far under a keystroke's budget


def test_a_vocabulary_tells_a_japanese_model_from_an_english_one() -> None:
    assert vocabulary_is_japanese(["<unk>", *"吾輩は猫である名前まだ無い。"])
    assert vocabulary_is_japanese(["<unk>", "名前", "は", "まだ", "無い", "。", "\n"])
    assert not vocabulary_is_japanese(["<unk>", *"abcdefghijklmnopqrstuvwxyz .,\n"])
    assert not vocabulary_is_japanese(["<unk>", "the", "cat", "猫"])
