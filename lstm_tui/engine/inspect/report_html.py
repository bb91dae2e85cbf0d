"""An inspection as one self-contained HTML page: every token coloured by its rank bucket, a
legend, the probability, rank, surprisal and top-k of a token on hover, and the found cells as
colour strips under the text.

The text is data: every piece of it is neutralised (escape sequences become visible ␛…) and
HTML-escaped; the hover data sits in a JSON block whose `<`, `>` and `&` are \\u escapes, so no
`</script>` in the text can end it; the one script is allowed by its hash (`html_assets`).
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from lstm_tui.engine.data.textfile import neutralise, visible_token
from lstm_tui.engine.inspect.find_cells import CellSearch, FoundCell
from lstm_tui.engine.inspect.html_assets import CSS, SCRIPT, script_hash
from lstm_tui.engine.inspect.inspector import Inspector
from lstm_tui.engine.inspect.report_json import bucket_shares
from lstm_tui.engine.inspect.text_features import FEATURE_LABELS

STRIP_CHARS = 1_500  # characters of the text under each found cell
HTML_MAX_TOKENS = 200_000  # more spans than a browser shows comfortably


@dataclass(frozen=True)
class PageFacts:
    """What the page says about where its numbers come from."""

    title: str
    model: str
    cache: str
    """"the continuous cache over N tokens" or "no cache"."""
    cells_source: str = ""
    """Where the cells were found ("" when no cells were searched)."""


def _text(value: str) -> str:
    return html.escape(neutralise(value), quote=False)


def _attr(value: str) -> str:
    return html.escape(neutralise(value), quote=True)


def _script_json(value: object) -> str:
    """JSON that can sit inside <script>…</script> whatever strings it holds."""
    dumped = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        dumped = dumped.replace(char, escape)
    return dumped


def _hover_data(inspector: Inspector) -> list:
    """Per token: null (not scored) or [prob, rank, bits, [[token, prob], …]], tokens shown visibly."""
    data = []
    for index in range(len(inspector)):
        token = inspector.token(index)
        if token.rank is None:
            data.append(None)
            continue
        top = [[visible_token(c.token), round(c.prob, 6)] for c in token.top]
        data.append([round(token.prob, 6), token.rank, round(token.bits, 4), top])
    return data


def _text_spans(inspector: Inspector, out: TextIO) -> None:
    text, position = inspector.text, 0
    buckets = inspector.buckets.tolist()
    for index, (start, end) in enumerate(zip(inspector.starts.tolist(), inspector.ends.tolist())):
        if start > position:
            out.write(_text(text[position:start]))
        cls = "ctx" if buckets[index] < 0 else f"b{buckets[index]}"
        out.write(f'<span class="t {cls}" data-i="{index}">{_text(text[start:end])}</span>')
        position = max(position, end)
    out.write(_text(text[position:]))


def _strip_colour(value: float) -> str:
    if math.isnan(value):
        return "transparent"
    alpha = min(abs(value), 1.0)
    rgb = "214,50,40" if value > 0 else "38,110,200"
    return f"rgba({rgb},{alpha:.2f})"


def _cell_strip(inspector: Inspector, cell: FoundCell, out: TextIO) -> None:
    values = inspector.cells(cell.probe)[:STRIP_CHARS]
    finite = np.abs(values[np.isfinite(values)])
    scale = float(finite.max()) if len(finite) and finite.max() > 0 else 1.0
    values = (values / scale).tolist()  # c is unbounded: each strip spans its own range
    heading = f"{cell.probe.label} · {cell.feature_label} · r = {cell.correlation:+.2f}"
    out.write(f'<div class="cell"><h3>{_text(heading)}</h3><div class="strip">')
    for char, value in zip(inspector.text[:STRIP_CHARS], values):
        out.write(f'<span style="background:{_strip_colour(value)}">{_text(char)}</span>')
    out.write("</div></div>\n")


def _cells_section(inspector: Inspector, search: CellSearch, cells: list[FoundCell], facts: PageFacts, out: TextIO) -> None:
    out.write('<section id="cells"><h2>Cells</h2>\n<p class="muted">')
    out.write(_text(f"The units that follow simple features of text most closely (Pearson's r over {search.tokens:,} "
                    f"tokens of {facts.cells_source}); each strip colours the first {STRIP_CHARS:,} characters by the "
                    "unit's value after each one, divided by its largest magnitude in the strip "))
    out.write('<span class="scale"></span> −1 … +1')
    if search.absent:
        out.write(_text(f"; not in the sample: {', '.join(FEATURE_LABELS[name] for name in search.absent)}"))
    out.write(".</p>\n")
    for cell in cells:
        _cell_strip(inspector, cell, out)
    out.write("</section>\n")


def write_html(inspector: Inspector, facts: PageFacts, out: TextIO, search: CellSearch | None = None,
               cells: list[FoundCell] | None = None) -> None:
    """The page for a fully analysed `inspector`; `cells` (from `search`) must be among its probes."""
    totals = inspector.totals()
    per = "bits/char" if inspector.level == "char" else "bits/token"
    rate = totals.bits_per_token if totals.bits_per_token is not None else 0.0
    policy = (f"default-src 'none'; style-src 'unsafe-inline'; script-src {script_hash()}; img-src 'none'; "
              "connect-src 'none'; font-src 'none'; base-uri 'none'; form-action 'none'")
    out.write('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n')
    out.write(f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n<meta name="referrer" content="no-referrer">\n')
    out.write(f"<title>{_text(facts.title)}</title>\n<style>{CSS}</style></head>\n<body>\n<header>\n")
    out.write(f"<h1>{_text(facts.title)}</h1>\n")
    out.write(f'<p id="totals">{_text(f"{totals.tokens:,} tokens, {totals.scored:,} scored: {totals.bits:,.1f} bits, {rate:.3f} {per}")}'
              f'<br><span class="muted">{_text(f"model {facts.model}; {facts.cache}; the first token is the context and is not scored")}</span></p>\n')
    out.write('<ul class="legend" id="legend">')
    for bucket, (label, share) in enumerate(zip(inspector.rank_buckets.labels, bucket_shares(inspector))):
        out.write(f'<li><span class="t b{bucket}">{_text(label)}</span> {share:.1%}</li>')
    out.write('<li><span class="t ctx">context</span> not scored</li></ul>\n</header>\n<main>\n<div id="text" class="text">')
    _text_spans(inspector, out)
    out.write("</div>\n</main>\n")
    if search is not None and cells:
        _cells_section(inspector, search, cells, facts, out)
    out.write('<div id="tip" role="tooltip" hidden></div>\n')
    out.write(f'<script type="application/json" id="data">{_script_json({"tokens": _hover_data(inspector)})}</script>\n')
    out.write(f"<script>{SCRIPT}</script>\n</body></html>\n")
