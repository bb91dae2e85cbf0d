"""`lstm-tui lsp`: a language server over stdio, offering the model's suggestions as completions."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from lstm_tui.commands.common import add_cache_arguments, add_model_argument, add_sampling_arguments, cache_override, resolve_model, sampling_settings
from lstm_tui.engine.errors import UserError

SYNOPSIS = "--model DIR"  # after `lstm-tui NAME`, for the main --help
SUMMARY = "a language server: completions in any editor"
DESCRIPTION = """\
A Language Server (LSP over stdin/stdout) that offers the model's suggestions as completion items
in plain text and Markdown documents (and the languages --languages names). Start it from your
editor, not by hand; configuration for Neovim, Helix and VS Code is in docs/editors.md."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from lstm_tui.lsp.server import DEFAULT_LANGUAGES, DEFAULT_TOP_K

    add_model_argument(parser)
    add_sampling_arguments(parser, "top_k", "temperature", helps={
        "top_k": f"how many completions to offer (1 to 20; default {DEFAULT_TOP_K}: each of a character model's costs a few model steps)"})
    add_cache_arguments(parser)
    parser.add_argument("--languages", default=",".join(DEFAULT_LANGUAGES), metavar="L,...",
                        help=f"language ids to complete in, comma-separated, or * for all (default: {','.join(DEFAULT_LANGUAGES)})")
    parser.add_argument("--log-level", choices=("error", "warning", "info"), default="warning",
                        help="what the server writes to stderr (the editor's LSP log; default: warning)")


def languages(value: str) -> frozenset[str] | None:
    """The --languages value as a set (None: every language)."""
    if value.strip() == "*":
        return None
    names = frozenset(name.strip() for name in value.split(",") if name.strip())
    if not names:
        raise UserError("--languages needs at least one language id (e.g. plaintext,markdown), or * for all")
    return names


def run(args: argparse.Namespace) -> int:
    from lstm_tui.engine.runtime.blas_threads import keystroke_blas_threads, use_blas_threads
    from lstm_tui.lsp.completions import SharedModel
    from lstm_tui.lsp.server import DEFAULT_TOP_K, ClientPipe, QuietRequestErrors, ServerSettings, make_server

    sampling = sampling_settings(args)
    top_k = sampling.top_k if args.top_k is not None else DEFAULT_TOP_K
    settings = ServerSettings(top_k=top_k, temperature=sampling.temperature, languages=languages(args.languages))
    folder = resolve_model(args.model)
    if sys.stdin.isatty():
        print(f"{os.path.basename(sys.argv[0]) or 'lstm-tui'} lsp speaks the Language Server Protocol on stdin/stdout: start it from "
              "your editor (see docs/editors.md); Ctrl-D stops it", file=sys.stderr)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr, format="lstm-tui lsp: %(levelname)s: %(message)s")
    logging.getLogger("pygls").setLevel(max(logging.WARNING, logging.getLogger().level))  # pygls logs every message at info
    for handler in logging.getLogger().handlers:
        handler.addFilter(QuietRequestErrors())
    model = SharedModel.load(folder, cache_override(folder, args))
    use_blas_threads(keystroke_blas_threads(model.predictor().step_bytes))  # process-wide, before serving
    server = make_server(model, settings)
    log = logging.getLogger("lstm_tui.lsp")
    pipe = ClientPipe(sys.stdout.buffer, lambda: log.warning("the client closed the connection mid-request; stopping"))
    server.start_io(stdout=pipe)  # returns when the client sends exit or closes stdin
    if pipe.lost:  # nothing more can be written to it, not even Python's flush at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    log.info("stopped")
    return 0
