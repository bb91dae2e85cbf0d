"""An inspection as JSON, written token by token (a 1 MB text is never one object in memory).

Strings are the text's and the vocabulary's own, exact; characters a terminal could act on (C1
controls, DEL, bidi overrides) are written as \\u escapes besides the C0 controls JSON escapes
anyway, so printing the JSON cannot drive a terminal, and lone surrogates cannot break the output.
"""

from __future__ import annotations

import json
import re
from typing import TextIO

import numpy as np

from lstm_tui.engine.inspect.inspector import Inspector

_TERMINAL_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def terminal_safe_json(value: object) -> str:
    """`json.dumps` of `value` with every terminal-active character as a \\u escape."""
    dumped = json.dumps(value, ensure_ascii=False)
    return _TERMINAL_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


def bucket_shares(inspector: Inspector) -> list[float]:
    """Share of the scored tokens in each rank bucket."""
    buckets = inspector.buckets
    scored = buckets[buckets >= 0]
    if not len(scored):
        return [0.0] * inspector.rank_buckets.count
    counts = np.bincount(scored, minlength=inspector.rank_buckets.count)
    return [float(c) / len(scored) for c in counts]


def _float32(value: float | None) -> float | None:
    """A float32 probability written with the fewest digits that read back as the same float32."""
    return None if value is None else float(str(np.float32(value)))


def token_record(inspector: Inspector, index: int) -> dict:
    """One token; `bits` in full (they add up to the totals), probabilities as the float32 they are."""
    token = inspector.token(index)
    return {"i": index, "text": token.text, "start": token.start, "end": token.end, "prob": _float32(token.prob),
            "rank": token.rank, "bits": token.bits, "bucket": token.bucket,
            "top": [[choice.token, _float32(choice.prob)] for choice in token.top]}


def totals_record(inspector: Inspector) -> dict:
    totals = inspector.totals()
    return {"tokens": totals.tokens, "scored": totals.scored, "bits": totals.bits,
            "bits_per_token": totals.bits_per_token, "bits_per_char": totals.bits_per_char,
            "bucket_shares": bucket_shares(inspector)}


def write_json(inspector: Inspector, header: dict, out: TextIO) -> None:
    """{…header, "buckets", "tokens": [one object a token], "totals"}, one token a line."""
    buckets = inspector.rank_buckets
    out.write("{\n")
    for key, value in {**header, "buckets": {"edges": list(buckets.edges), "labels": list(buckets.labels)}}.items():
        out.write(f" {terminal_safe_json(key)}: {terminal_safe_json(value)},\n")
    out.write(' "tokens": [')
    for index in range(len(inspector)):
        out.write((",\n  " if index else "\n  ") + terminal_safe_json(token_record(inspector, index)))
    out.write(f'\n ],\n "totals": {terminal_safe_json(totals_record(inspector))}\n}}\n')
