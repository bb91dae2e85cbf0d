"""Memory over a long training run: RSS of a headless trainer sampled while it runs.

A run of hours must not grow without bound. This starts `lstm-tui --headless-train` with a time
budget, samples the child's resident set size (VmRSS from /proc) every few seconds, and prints
the curve and the growth between the first and the last quarter of the run.

    .venv/bin/python benchmarks/memory_soak.py --minutes 10 [-- extra training options]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--csv", help="also append each sample (seconds,RSS MB) to this file as it is taken")
    parser.add_argument("extra", nargs="*", help="training options after --")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "lstm_tui", "--headless-train", "--time-budget", str(args.minutes),
                   "--out", str(Path(tmp) / "soak"), "--checkpoint-minutes", "1", *args.extra]
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        start = time.monotonic()
        samples: list[tuple[float, float]] = []
        while proc.poll() is None:
            value = rss_mb(proc.pid)
            if value is not None:
                samples.append((time.monotonic() - start, value))
                if args.csv:
                    with open(args.csv, "a", encoding="utf-8") as log:
                        log.write(f"{samples[-1][0]:.1f},{value:.1f}\n")
            time.sleep(args.every)
        if proc.returncode != 0:
            sys.exit(f"training failed: {proc.stderr.read().strip().splitlines()[-1:]}")
    print(f"command: {' '.join(command[1:])}")
    print("| minute | RSS MB |")
    print("|---|---|")
    step = max(1, len(samples) // 20)
    for seconds, value in samples[::step]:
        print(f"| {seconds / 60:.1f} | {value:.0f} |")
    quarter = max(1, len(samples) // 4)
    first = max(v for _, v in samples[:quarter])
    last = max(v for _, v in samples[-quarter:])
    print(f"\npeak in first quarter {first:.0f} MB, in last quarter {last:.0f} MB, growth {last - first:+.0f} MB "
          f"over {(samples[-1][0] - samples[0][0]) / 60:.1f} minutes")


if __name__ == "__main__":
    main()
