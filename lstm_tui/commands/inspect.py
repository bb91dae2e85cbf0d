"""`lstm-tui inspect`: what the model thought of each token of a file, as a summary, JSON or an HTML page."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from lstm_tui.commands.common import add_cache_arguments, add_model_argument, cache_override, resolve_model
from lstm_tui.engine.errors import UserError

SYNOPSIS = "--model DIR FILE"  # after `lstm-tui NAME`, for the main --help
SUMMARY = "each token's probability, rank, bits (--json, --html)"
DESCRIPTION = (
    "Score every token of FILE under the model: its probability, rank (colour buckets as in GLTR), surprisal in bits "
    "and the model's top-k, with the run's cache as eval scores it (total bits equal eval's). Prints a summary; "
    "--json prints every token; --html writes a self-contained page with the cells that follow quotes, brackets "
    "and line position as colour strips. See docs/inspect.md."
)
CELL_SAMPLE_TOKENS = 20_000  # tokens of the sample the cells are found on
PROGRESS_FROM = 20_000  # tokens: a text this long shows progress on stderr


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    parser.add_argument("--json", action="store_true", help="print every token (text, probability, rank, bits, top-k) and the totals as JSON")
    parser.add_argument("--html", metavar="OUT", default=None, help="write a self-contained HTML page to OUT")
    parser.add_argument("--top-k", type=int, default=5, help="the model's likeliest tokens kept at each position (0 to 20; default 5)")
    parser.add_argument("--max-tokens", type=int, default=None, help="inspect at most this many tokens (eval's --max-tokens)")
    parser.add_argument("--cells", type=int, default=6, help="found cells shown as strips in the HTML page (default 6; 0: none)")
    parser.add_argument("--cells-sample", default="valid", metavar="SOURCE",
                        help="text the cells are found on: valid (the run's held-out text; default), text (FILE itself) or a file")
    add_cache_arguments(parser)
    parser.add_argument("file", help="text file to inspect")


def run(args: argparse.Namespace) -> int:
    from lstm_tui.engine.data.corpus import read_whole_text
    from lstm_tui.engine.data.textfile import neutralise
    from lstm_tui.engine.infer.predictor import Predictor
    from lstm_tui.engine.inspect import Inspector
    from lstm_tui.engine.inspect.report_html import HTML_MAX_TOKENS
    from lstm_tui.engine.runs.model_file import load_model

    if args.max_tokens is not None and args.max_tokens < 1:
        raise UserError(f"--max-tokens must be at least 1, got {args.max_tokens}")
    if args.cells < 0:
        raise UserError(f"--cells must be 0 (none) or more, got {args.cells}")
    folder = resolve_model(args.model)
    cache = cache_override(folder, args)
    saved = load_model(folder)
    text, source = read_whole_text(Path(args.file))
    predictor = Predictor.from_saved(saved, cache)
    search, cells, sample_name = None, [], ""
    if args.html and args.cells:
        search, sample_name = _find_cells(saved, text, args.cells_sample)
        cells = search.best(args.cells)
    inspector = Inspector(predictor, top_k=args.top_k, cells=[c.probe for c in cells] if cells else False)
    inspector.set_text(text)
    if args.max_tokens is not None and len(inspector) > args.max_tokens + 1:
        inspector.set_text(text[: int(inspector.ends[args.max_tokens])])  # eval's ids[:max_tokens + 1]
    if len(inspector) < 2:
        raise UserError(f"{neutralise(source)} has fewer than two tokens; there is nothing to inspect")
    if args.html and len(inspector) > HTML_MAX_TOKENS:
        raise UserError(f"{neutralise(source)} has {len(inspector):,} tokens, more than an HTML page shows comfortably ({HTML_MAX_TOKENS:,}); "
                        f"inspect a part with --max-tokens {HTML_MAX_TOKENS:,}, or use --json")
    inspector.advance(progress=_progress(f"inspecting {source}") if len(inspector) >= PROGRESS_FROM else None)
    if args.html:
        _write_page(inspector, saved, source, Path(args.html), search, cells, sample_name)
    if args.json:
        from lstm_tui.engine.inspect.report_json import write_json

        try:
            write_json(inspector, _header(inspector, saved, source), sys.stdout)
            sys.stdout.flush()
        except BrokenPipeError:  # `| head`: the reader has what it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    else:
        print(summary(inspector, saved, source) + (f"\nHTML page: {args.html}" if args.html else ""))
    return 0


def _find_cells(saved, text: str, sample: str):
    """The cells of the model, found on `sample` ("valid", "text" or a file), and its name."""
    from lstm_tui.engine.data.corpus import read_whole_text
    from lstm_tui.engine.data.textfile import neutralise
    from lstm_tui.engine.infer.predictor import Predictor
    from lstm_tui.engine.inspect.find_cells import find_cells, run_sample

    if sample == "valid":
        try:
            sample_text, name = run_sample(saved)
        except UserError as exc:
            print(neutralise(f"note: cells are found on the inspected text instead ({exc})"), file=sys.stderr)
            sample_text, name = text, "the inspected text"
    elif sample == "text":
        sample_text, name = text, "the inspected text"
    else:
        sample_text, name = read_whole_text(Path(sample))
    return find_cells(Predictor.from_saved(saved), sample_text, max_tokens=CELL_SAMPLE_TOKENS,
                      progress=_progress(f"finding cells on {name}")), name


def _progress(doing: str):
    """Progress on stderr: one updating line on a terminal, a line every 10 % otherwise."""
    from lstm_tui.engine.data.textfile import neutralise

    tty = sys.stderr.isatty()
    shown = [-1]
    doing = neutralise(doing)

    def report(done: int, total: int) -> None:
        tenth = 10 * done // total
        if tty:
            print(f"\r{doing}: {done:,} of {total:,} tokens", end="" if done < total else "\n", file=sys.stderr, flush=True)
        elif tenth > shown[0]:
            print(f"{doing}: {done:,} of {total:,} tokens", file=sys.stderr, flush=True)
        shown[0] = tenth
    return report


def _cache_words(inspector) -> str:
    cache = inspector.predictor.cache
    return f"with the continuous cache over {cache.size:,} tokens (θ {cache.theta:g}, λ {cache.mix:g})" if cache.active else "no cache"


def _header(inspector, saved, source: str) -> dict:
    from dataclasses import asdict

    cache = inspector.predictor.cache
    return {"model": str(saved.folder), "file": source, "level": inspector.level, "tokenizer": inspector.predictor.tokenizer.name,
            "cache": asdict(cache) if cache.active else None, "top_k": inspector.top_k}


def _write_page(inspector, saved, source: str, out: Path, search, cells, sample_name: str) -> None:
    from lstm_tui.engine.inspect.report_html import PageFacts, write_html
    from lstm_tui.engine.runs.atomic import atomic_open

    facts = PageFacts(title=f"{Path(source).name} under {inspector.predictor.name}", model=f"{inspector.predictor.name} ({inspector.level})",
                      cache=_cache_words(inspector), cells_source=sample_name)
    try:
        with atomic_open(out, "w") as handle:
            write_html(inspector, facts, handle, search, cells)
    except OSError as exc:
        from lstm_tui.engine.data.textfile import neutralise

        raise UserError(f"could not write {neutralise(str(out))} ({exc.strerror or exc}); choose another --html path") from None


def summary(inspector, saved, source: str) -> str:
    """A few lines: totals, the share of each rank bucket, the most surprising tokens."""
    import numpy as np

    from lstm_tui.engine.data.textfile import neutralise, visible_token
    from lstm_tui.engine.inspect.report_json import bucket_shares

    totals = inspector.totals()
    per = "bits/char" if inspector.level == "char" else "bits/token"
    shares = " · ".join(f"{label} {share:.1%}" for label, share in zip(inspector.rank_buckets.labels, bucket_shares(inspector)))
    lines = [
        f"model  {saved.folder} ({inspector.level}; {_cache_words(inspector)})",
        f"file   {source}: {totals.tokens:,} tokens, {totals.scored:,} scored (the first is the context)",
        f"total  {totals.bits:,.1f} bits · {totals.bits_per_token:.3f} {per}",
        f"ranks  {shares}",
    ]
    bits = np.nan_to_num(inspector.bits, nan=-1.0)
    worst = np.argsort(-bits, kind="stable")[:5]
    text = inspector.text
    picks = []
    for index in worst.tolist():
        token = inspector.token(index)
        line = text.count("\n", 0, token.start) + 1
        picks.append(f"{visible_token(token.text)} (line {line}, {token.bits:.1f} bits, rank {token.rank})")
    lines.append("most surprising: " + ", ".join(picks))
    return neutralise("\n".join(lines))
