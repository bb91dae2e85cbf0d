"""Two checkouts of the project measured in the same run: did a change slow training or typing?

Each checkout runs its own copy of `train_speed.py --one project CONFIG` (tokens/s of one training
step) and of `keystroke_latency.py` (the predictor's p50/p99 per key), alternating round by round
so that a slow spell of a shared machine hits both. The table gives the medians and new ÷ base.

    git worktree add ../base <commit> && (cd ../base && ./dev setup)
    .venv/bin/python benchmarks/compare_checkouts.py --base ../base --new . --rounds 5
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
from pathlib import Path

ROW = re.compile(r"^\| (a|d)(?: \+ cache ([\d,]+))?[:| ].*?\| ([\d,]+) / ([\d,]+) \| [^|]* \| [^|]* \|$")


def python_of(checkout: Path) -> str:
    return str(checkout / ".venv" / "bin" / "python")


def train_rate(checkout: Path, config: str, steps: int) -> float:
    """Tokens/s of the checkout's trainer step on `config`."""
    out = subprocess.run([python_of(checkout), "benchmarks/train_speed.py", "--one", "project", config, "--steps", str(steps)],
                         cwd=checkout, capture_output=True, text=True, check=True).stdout
    return float(json.loads(out.strip().splitlines()[-1])["tokens_per_second"])


def keystroke_rows(checkout: Path, tokens: int, cache: int) -> dict[str, tuple[float, float]]:
    """Project p50/p99 µs per row (`a`, `a+cache`, `d`, `d+cache`) of the checkout's keystroke benchmark."""
    out = subprocess.run([python_of(checkout), "benchmarks/keystroke_latency.py", "--tokens", str(tokens), "--cache-sizes", str(cache)],
                         cwd=checkout, capture_output=True, text=True, check=True).stdout
    rows = {}
    for line in out.splitlines():
        match = ROW.match(line)
        if match:
            name = match.group(1) + ("+cache" if match.group(2) else "")
            rows[name] = (float(match.group(3).replace(",", "")), float(match.group(4).replace(",", "")))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, required=True, help="the checkout before the change (with its own .venv)")
    parser.add_argument("--new", type=Path, default=Path("."), help="the checkout after the change")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--configs", nargs="+", default=["a", "c"], help="train_speed configs")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=1000, help="keystrokes per keystroke run")
    parser.add_argument("--cache", type=int, default=1000)
    parser.add_argument("--only", choices=("train", "keys"), help="measure only the trainer step or only the keystrokes")
    args = parser.parse_args()
    checkouts = {"base": args.base.resolve(), "new": args.new.resolve()}
    rates: dict[tuple[str, str], list[float]] = {}
    keys: dict[tuple[str, str, int], list[float]] = {}
    for round_ in range(args.rounds):
        for label, checkout in checkouts.items():
            for config in args.configs if args.only != "keys" else ():
                rates.setdefault((label, config), []).append(train_rate(checkout, config, args.steps))
            for row, (p50, p99) in (keystroke_rows(checkout, args.tokens, args.cache) if args.only != "train" else {}).items():
                keys.setdefault((label, row, 50), []).append(p50)
                keys.setdefault((label, row, 99), []).append(p99)
        print(f"round {round_ + 1} of {args.rounds} done", flush=True)
    print("| measure | base (median) | new (median) | new ÷ base | rounds base / new |")
    print("|---|---|---|---|---|")
    for config in args.configs if args.only != "keys" else ():
        base, new = rates[("base", config)], rates[("new", config)]
        print(f"| train {config} tok/s | {statistics.median(base):,.0f} | {statistics.median(new):,.0f} | "
              f"{statistics.median(new) / statistics.median(base):.3f} | {' '.join(f'{x:,.0f}' for x in base)} / "
              f"{' '.join(f'{x:,.0f}' for x in new)} |")
    for row in sorted({r for _, r, _ in keys}):
        for q in (50, 99):
            base, new = keys.get(("base", row, q), []), keys.get(("new", row, q), [])
            if base and new:
                print(f"| keystroke {row} p{q} µs | {statistics.median(base):,.0f} | {statistics.median(new):,.0f} | "
                      f"{statistics.median(new) / statistics.median(base):.3f} | {' '.join(f'{x:,.0f}' for x in base)} / "
                      f"{' '.join(f'{x:,.0f}' for x in new)} |")


if __name__ == "__main__":
    main()
