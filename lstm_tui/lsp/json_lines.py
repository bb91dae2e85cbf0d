"""`lstm-tui predict --stdin --json`: JSON lines in, JSON lines out, with the model loaded once.

Each input line is one JSON object that changes the text, then asks for the suggestions at the
cursor (offsets count code points, as Python and JavaScript's `Array.from` do):

    {"text": "To be or not to b"}                          the whole text (only what differs is redone)
    {"append": "e"}                                        text added at the end
    {"edit": {"start": 3, "end": 5, "text": "is"}}         code points [start, end) replaced
    {}                                                     no change
    optional "cursor": N (default: the text's end; after an edit, the end of what it inserted),
    optional "id": anything, echoed back

Each answer is one line: {"partial": "b", "suggestions": [{"token": "e", "prob": 0.93,
"completion": "be"}, ...]} — the tokens and probabilities that `lstm-tui predict --json` prints for
the text before the cursor, each with the word it completes (what replaces `partial`), as the
language server offers it — or {"error": "line 3: ..."}; the loop goes on after an error. The text
is followed by the same incremental predictor the language server keeps per document
(`completions.DocumentPredictor`): an append costs about one model step. Output is ASCII JSON
(other characters escaped), so no terminal or encoding can garble it.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, TextIO

from lstm_tui.lsp.completions import DocumentPredictor
from lstm_tui.lsp.documents import TextDocument

KEYS = ("text", "append", "edit", "cursor", "id")


class LineError(ValueError):
    """An input line that cannot be used (the message says why and what to send)."""


class JsonLinesSession:
    """One text, followed across the lines of one input stream."""

    def __init__(self, predictor: DocumentPredictor) -> None:
        self.predictor = predictor
        self.document = TextDocument("stdin", "", encoding="utf-32")

    def answer(self, raw: bytes, number: int) -> dict[str, Any]:
        """The answer to input line `number` (its bytes)."""
        request: Any = None
        try:
            request = _parse(raw, number)
            cursor = self._apply(request, number)
            prediction = self.predictor.predict(self.document.text, cursor)
        except LineError as exc:
            return {**_echo(request), "error": str(exc)}
        suggestions = [{"token": item.token, "prob": round(item.prob, 6), "completion": word}
                       for item, word in zip(prediction.items, prediction.words())]
        return {**_echo(request), "partial": prediction.partial, "suggestions": suggestions}

    def _apply(self, request: dict[str, Any], number: int) -> int:
        """Apply the request's change to the text (nothing when any part of it is wrong); returns
        the cursor."""
        changes = [key for key in ("text", "append", "edit") if key in request]
        if len(changes) > 1:
            raise LineError(f"line {number}: give one of text, append or edit, not {' and '.join(changes)}")
        document, length = self.document, len(self.document.text)
        whole, start, end, text = None, length, length, ""
        if "text" in request:
            whole = _string(request, "text", number)
        elif "append" in request:
            text = _string(request, "append", number)
        elif "edit" in request:
            change = request["edit"]
            if not isinstance(change, dict) or set(change) != {"start", "end", "text"}:
                raise LineError(f'line {number}: "edit" must be an object like {{"start": 3, "end": 5, "text": "is"}}')
            text = _string(change, "text", number)
            start, end = _offset(change, "start", number, length), _offset(change, "end", number, length)
            if end < start:
                raise LineError(f"line {number}: the edit ends ({end}) before it starts ({start})")
        new_length = len(whole) if whole is not None else length - (end - start) + len(text)
        cursor = _offset(request, "cursor", number, new_length) if "cursor" in request else None
        if whole is not None:
            edit = document.replace_all(whole)
        elif changes:
            edit = document.replace(start, end, text)
        else:
            edit = None
        if edit is not None:
            self.predictor.edited(edit)
        if cursor is not None:
            return cursor
        return edit.start + edit.inserted if "edit" in request and edit is not None else len(document.text)


def _parse(raw: bytes, number: int) -> dict[str, Any]:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LineError(f"line {number} is not UTF-8 (byte {exc.start}); send UTF-8 JSON") from None
    try:
        request = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LineError(f"line {number} is not JSON ({exc.msg} at column {exc.colno}); send one JSON object per line") from None
    if not isinstance(request, dict):
        raise LineError(f'line {number}: expected a JSON object such as {{"append": "e"}}, got {type(request).__name__}')
    unknown = sorted(set(request) - set(KEYS))
    if unknown:
        raise LineError(f"line {number}: unknown key {unknown[0]!r} (the keys are {', '.join(KEYS)})")
    return request


def _string(obj: dict[str, Any], key: str, number: int) -> str:
    value = obj[key]
    if not isinstance(value, str):
        raise LineError(f"line {number}: {key!r} must be a string, got {json.dumps(value)[:40]}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise LineError(f"line {number}: {key!r} holds a lone surrogate (U+{ord(value[exc.start]):04X}); send valid Unicode") from None
    return value


def _offset(obj: dict[str, Any], key: str, number: int, length: int) -> int:
    value = obj[key]
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= length:
        raise LineError(f"line {number}: {key!r} must be a whole number from 0 to {length} (the text's length in code points), got {json.dumps(value)[:40]}")
    return value


def _echo(request: Any) -> dict[str, Any]:
    return {"id": request["id"]} if isinstance(request, dict) and "id" in request else {}


def serve(session: JsonLinesSession, lines: Iterable[bytes], out: TextIO) -> None:
    """Answer each non-blank input line with one output line (flushed: a script waits for it)."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        out.write(json.dumps(session.answer(raw, number)) + "\n")
        out.flush()
