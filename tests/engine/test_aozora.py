"""Tests for Aozora Bunko detection and cleaning (the rules of ../shared/corpora/README.md section 3b)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lstm_tui.engine.data.aozora import clean_aozora, looks_like_aozora
from lstm_tui.engine.data.textfile import read_text_file
from tests.conftest import SHAKESPEARE_FIRST_100K, SHARED_CORPORA, in_fixtures, in_shared, needs_shared_corpora

# Excerpts in the repository (the same works, cut short) run everywhere; the whole shared files
# are checked too where ../shared exists.
RAW_FILES = [
    in_fixtures("ja/rashomon_excerpt.sjis.txt", id="fixture-rashomon.sjis"),
    in_fixtures("ja/rashomon_excerpt.utf8.txt", id="fixture-rashomon.utf8"),
    in_fixtures("ja/wagahaiwa_nekodearu_excerpt.utf8.txt", id="fixture-wagahaiwa_nekodearu.utf8"),
    in_shared("ja/raw/rashomon.sjis.txt", id="shared-rashomon.sjis"),
    in_shared("ja/raw/rashomon.utf8.txt", id="shared-rashomon.utf8"),
    in_shared("ja/raw/wagahaiwa_nekodearu.utf8.txt", id="shared-wagahaiwa_nekodearu.utf8"),
]
PAIRS = [
    in_fixtures("ja/rashomon_excerpt.sjis.txt", "ja/rashomon_excerpt.clean.txt", id="fixture-rashomon"),
    in_fixtures("ja/wagahaiwa_nekodearu_excerpt.utf8.txt", "ja/wagahaiwa_nekodearu_excerpt.clean.txt", id="fixture-wagahaiwa_nekodearu"),
    in_shared("ja/raw/rashomon.sjis.txt", "ja/clean/akutagawa_rashomon.txt", id="shared-rashomon"),
    in_shared("ja/raw/wagahaiwa_nekodearu.utf8.txt", "ja/clean/soseki_wagahaiwa_nekodearu.txt", id="shared-wagahaiwa_nekodearu"),
]


@pytest.mark.parametrize(("raw_path", "clean_path"), PAIRS)
def test_clean_matches_shipped_clean_file(raw_path: Path, clean_path: Path) -> None:
    raw = read_text_file(raw_path).text
    expected = clean_path.read_bytes().decode("utf-8")
    got = clean_aozora(raw)
    if got != expected:  # name the first differing line rather than dump a megabyte
        got_lines, expected_lines = got.split("\n"), expected.split("\n")
        first = next((i for i, (a, b) in enumerate(zip(got_lines, expected_lines)) if a != b), None)
        where = first if first is not None else min(len(got_lines), len(expected_lines))
        pytest.fail(f"line {where + 1} differs (got {len(got_lines)} lines, expected {len(expected_lines)})")


@pytest.mark.parametrize("raw_path", RAW_FILES)
def test_no_markup_survives_cleaning(raw_path: Path) -> None:
    cleaned = clean_aozora(read_text_file(raw_path).text)
    for mark in ("《", "》", "｜", "［＃", "底本：", "-----", "【テキスト中に現れる記号について】"):
        assert mark not in cleaned
    assert cleaned.endswith("\n") and not cleaned.endswith("\n\n")


@pytest.mark.parametrize("raw_path", RAW_FILES)
def test_raw_files_look_like_aozora(raw_path: Path) -> None:
    assert looks_like_aozora(read_text_file(raw_path).text)


@pytest.mark.parametrize(
    "path",
    [
        in_fixtures("ja/rashomon_excerpt.clean.txt", id="rashomon"),
        in_fixtures("ja/wagahaiwa_nekodearu_excerpt.clean.txt", id="wagahaiwa_nekodearu"),
        in_fixtures(SHAKESPEARE_FIRST_100K.name, id="tinyshakespeare"),
    ],
)
def test_clean_text_and_english_do_not_look_like_aozora(path: Path) -> None:
    assert not looks_like_aozora(read_text_file(path).text)


@needs_shared_corpora
def test_shared_clean_files_and_english_do_not_look_like_aozora() -> None:
    clean_files = sorted((SHARED_CORPORA / "ja" / "clean").glob("*.txt"))
    assert clean_files
    for path in [*clean_files, SHARED_CORPORA / "tinyshakespeare.txt"]:
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
