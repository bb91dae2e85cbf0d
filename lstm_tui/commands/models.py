"""`lstm-tui models`: the run folders, with their state and validation perplexity."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SYNOPSIS = ""  # after `lstm-tui NAME`, for the main --help
SUMMARY = "list run folders under checkpoints/"
DESCRIPTION = "List run folders."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", nargs="?", help="folder of runs, or one run folder (default $LSTM_TUI_CHECKPOINTS, else checkpoints/ of the checkout)")


def run(args: argparse.Namespace) -> int:
    from lstm_tui.engine.data.textfile import neutralise
    from lstm_tui.engine.runs.run_service import RunService

    service = RunService(Path(args.folder) if args.folder else None)
    runs = service.list_runs()
    if not runs:
        print(f"no runs in {service.root}")
    for run in runs:
        if run.problem is not None:
            print(neutralise(f"{run.name:<36} {run.state:<12} {run.problem}  {run.folder}"))
            continue
        ppl = f"{run.valid_ppl:.2f}" if run.valid_ppl else "-"
        print(neutralise(f"{run.name:<36} {run.state:<12} {run.level:<5} vocab {run.vocab:<6} valid ppl {ppl:<8} {run.folder}"))
    for run in runs:
        if run.eval_problem is not None:
            print(neutralise(f"note: {run.folder.name}: {run.eval_problem}; the recorded evaluation is ignored"), file=sys.stderr)
    return 0
