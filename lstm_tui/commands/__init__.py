"""The subcommands (`lstm-tui NAME ...`): one module each, with `DESCRIPTION`, `add_arguments(parser)`
and `run(args) -> int`. A new subcommand is a new module plus one line in `REGISTRY`."""

from __future__ import annotations

import argparse
import importlib
from types import ModuleType

PROG = "lstm-tui"

# name -> module under lstm_tui.commands (imported only when the command runs)
REGISTRY: dict[str, str] = {
    "corpora": "corpora",
    "models": "models",
    "predict": "predict",
    "generate": "generate",
    "eval": "evaluate",
    "inspect": "inspect",
    "serve": "serve",
}


def command_module(name: str) -> ModuleType:
    return importlib.import_module(f"lstm_tui.commands.{REGISTRY[name]}")


def command_parser(name: str) -> argparse.ArgumentParser:
    module = command_module(name)
    parser = argparse.ArgumentParser(prog=f"{PROG} {name}", description=module.DESCRIPTION)
    module.add_arguments(parser)
    return parser


def run_command(name: str, argv: list[str]) -> int:
    args = command_parser(name).parse_args(argv)
    return command_module(name).run(args)


def overview() -> str:
    """One line per subcommand for the main `--help`, from each module's SYNOPSIS and SUMMARY."""
    lines = []
    for name in REGISTRY:
        module = command_module(name)
        usage = f"{PROG} {name} {module.SYNOPSIS}".rstrip()
        lines.append(f"  {usage:<38} {module.SUMMARY}")
    return "\n".join(lines)
