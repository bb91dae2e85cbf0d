"""What the offer of the Japanese model costs a keystroke: the predict screen asks `ScriptOffer.check`
after every key until the offer is made once.

A key below U+3000 (Latin text) returns at one comparison; a CJK key under a model of another
script reads the text's last 40 letters (`looks_japanese`). Both are timed on texts of 100 kB, as
microseconds per call (median of `--repeats` runs of `--calls` calls).

    .venv/bin/python benchmarks/script_offer_cost.py [--calls 20000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import timeit
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lstm_tui.engine.data.script import looks_japanese  # noqa: E402
from lstm_tui.tui.script_offer import ScriptOffer  # noqa: E402

SOSEKI = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。"


def per_call_us(function, calls: int, repeats: int) -> float:
    """Median microseconds per call."""
    return statistics.median(timeit.repeat(function, number=calls, repeat=repeats)) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    english = (ROOT / "tests" / "fixtures" / "tinyshakespeare_first_100k.txt").read_text(encoding="utf-8")
    japanese = (SOSEKI * 3_000)[:100_000]
    mixed = english[:-200] + SOSEKI * 2  # English, then Japanese typed last
    english_model = SimpleNamespace(japanese=False, folder=Path("default"))
    spaces = " " * 100_000
    offer, made = ScriptOffer(), ScriptOffer()
    made.made = True
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"{'case':<46} {'us/call':>8}")
    cases = [
        ("looks_japanese, 100 kB English", lambda: looks_japanese(english)),
        ("looks_japanese, 100 kB Japanese", lambda: looks_japanese(japanese)),
        ("looks_japanese, English then Japanese", lambda: looks_japanese(mixed)),
        ("looks_japanese, 100 kB of spaces", lambda: looks_japanese(spaces)),
        ("offer check, Latin key (English model)", lambda: offer.check(english, english_model)),
        ("offer check, after the offer was made", lambda: made.check(japanese, english_model)),
    ]
    for name, function in cases:
        print(f"{name:<46} {per_call_us(function, args.calls, args.repeats):>8.1f}")


if __name__ == "__main__":
    main()
