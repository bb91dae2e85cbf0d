"""Tests for Aozora Bunko detection and cleaning (corpora README section 3b)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lstm_tui.engine.data.aozora import clean_aozora, looks_like_aozora
from lstm_tui.engine.data.textfile import read_text_file

RAW_FILES = ["rashomon.sjis.txt", "rashomon.utf8.txt", "wagahaiwa_nekodearu.utf8.txt"]
PAIRS = [
    ("rashomon.sjis.txt", "akutagawa_rashomon.txt"),
    ("wagahaiwa_nekodearu.utf8.txt", "soseki_wagahaiwa_nekodearu.txt"),
]


@pytest.mark.parametrize(("raw_name", "clean_name"), PAIRS)
def test_clean_matches_shipped_clean_file(corpora_dir: Path, raw_name: str, clean_name: str) -> None:
    raw = read_text_file(corpora_dir / "ja" / "raw" / raw_name).text
    expected = (corpora_dir / "ja" / "clean" / clean_name).read_bytes().decode("utf-8")
    got = clean_aozora(raw)
    if got != expected:  # name the first differing line rather than dump a megabyte
        got_lines, expected_lines = got.split("\n"), expected.split("\n")
        first = next((i for i, (a, b) in enumerate(zip(got_lines, expected_lines)) if a != b), None)
        where = first if first is not None else min(len(got_lines), len(expected_lines))
        pytest.fail(f"line {where + 1} differs (got {len(got_lines)} lines, expected {len(expected_lines)})")


@pytest.mark.parametrize("raw_name", RAW_FILES)
def test_no_markup_survives_cleaning(corpora_dir: Path, raw_name: str) -> None:
    cleaned = clean_aozora(read_text_file(corpora_dir / "ja" / "raw" / raw_name).text)
    for mark in ("《", "》", "｜", "［＃", "底本：", "-----", "【テキスト中に現れる記号について】"):
        assert mark not in cleaned
    assert cleaned.endswith("\n") and not cleaned.endswith("\n\n")


@pytest.mark.parametrize("raw_name", RAW_FILES)
def test_raw_files_look_like_aozora(corpora_dir: Path, raw_name: str) -> None:
    assert looks_like_aozora(read_text_file(corpora_dir / "ja" / "raw" / raw_name).text)


def test_clean_files_and_english_do_not_look_like_aozora(corpora_dir: Path) -> None:
    clean_files = sorted((corpora_dir / "ja" / "clean").glob("*.txt"))
    assert clean_files
    for path in [*clean_files, corpora_dir / "tinyshakespeare.txt"]:
        assert not looks_like_aozora(read_text_file(path).text), path.name


@pytest.mark.parametrize(
    "text",
    ["吾輩は猫である。名前はまだ無い。\n", "To be, or not to be: that is the question.\n", ""],
)
def test_plain_text_does_not_look_like_aozora(text: str) -> None:
    assert not looks_like_aozora(text)


@pytest.mark.parametrize(
    "text",
    [
        "漢字《かんじ》\n",
        "［＃５字下げ］本文\n",
        "題\n著者\n-----\n【テキスト中に現れる記号について】\n-----\n本文\n",
        "本文\n底本：「全集」\n",
    ],
)
def test_each_kind_of_markup_is_recognised(text: str) -> None:
    assert looks_like_aozora(text)


def test_ruby_notes_and_blank_lines() -> None:
    raw = "題\n著者\n\n［＃８字下げ］一［＃「一」は中見出し］\n\n\n　所々｜丹塗《にぬり》の剥《は》げた［＃「剥げた」に傍点］\u3000 \n［＃ここから２字下げ］\n末尾\n"
    assert clean_aozora(raw) == "題\n著者\n\n一\n\n　所々丹塗の剥げた\n末尾\n"


def test_legend_and_colophon_dropped() -> None:
    raw = "題\n著者\n\n-----\n【テキスト中に現れる記号について】\n《》：ルビ\n-----\n\n本文\n\n\n底本：「全集」\n入力：誰か\n"
    assert clean_aozora(raw) == "題\n著者\n\n本文\n"


def test_rulers_far_down_are_not_a_legend() -> None:
    raw = "題\n" + "行\n" * 60 + "-----\n中\n-----\n"
    assert clean_aozora(raw) == raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("※［＃「目＋匡」、第3水準1-88-81］", "眶"),
        ("※［＃「てへん＋丑」、第4水準2-12-93］", "扭"),
        ("※［＃小書き片仮名ヒ、1-6-84］", "ㇶ"),
        ("※［＃「口＋世」、U+546D、ページ数-行数］", "呭"),
        ("※［＃感嘆符三つ、626-10］", "！！！"),
        ("※［＃小書き平仮名ん、278-11］", "ん"),
        ("※［＃「糸＋貴」、140-3］", "繢"),
        ("※［＃「未知の字」、底本ページ］", ""),  # unresolved gaiji notes are dropped, never 〓
    ],
)
def test_gaiji(raw: str, expected: str) -> None:
    assert clean_aozora(f"前{raw}後\n") == f"前{expected}後\n"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("〔ve'rite'〕", "vérité"),
        ("〔e^te'〕", "êté"),
        ("〔tre`s〕", "très"),
        ("〔Ma:dchen〕", "Mädchen"),
        ("〔garc,on〕", "garçon"),
        ("〔amicitiae& inimica〕", "amicitiæ inimica"),
        ("〔二十分停車〕", "〔二十分停車〕"),
        ("〔〕", "〔〕"),
    ],
)
def test_accent_notation(raw: str, expected: str) -> None:
    assert clean_aozora(f"「{raw}」\n") == f"「{expected}」\n"
