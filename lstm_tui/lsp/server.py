"""The language server: the model's suggestions as completion items, over the Language Server Protocol.

pygls runs the protocol; this module keeps the open documents (`documents.TextDocument`, instead of
pygls's own copy, which re-splits the whole text on every edit) and one incremental predictor per
document (`completions.DocumentPredictor`, the few most recently used; the others are rebuilt from
their text when needed). `didChange` feeds the predictor the changed text up to the end of the
edit, where the cursor then is, so a completion request at the cursor costs the ranking and the
greedy continuations, not a re-read.

Bad input never stops the server: a request about a document never opened or a position that
names no character gets a JSON-RPC error saying so; an edit at a position past a line's or the
document's end is applied as the protocol's reference implementation does, with a
`window/logMessage` warning; a model folder that changes on disk is logged once and the weights
loaded at the start stay in use.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from lstm_tui import __version__
from lstm_tui.engine.data.textfile import neutralise, visible_token
from lstm_tui.lsp.completions import DocumentPredictor, Prediction, SharedModel
from lstm_tui.lsp.documents import Position, PositionError, TextDocument

log = logging.getLogger("lstm_tui.lsp")

DEFAULT_LANGUAGES = ("plaintext", "markdown")
DEFAULT_TOP_K = 3  # as many as the keystroke simulation offers: each a character model's few steps to its word's end
LIVE_PREDICTORS = 8  # documents that keep their predictor's state (each a few MB); others re-read on use
WATCH_SECONDS = 1.0  # how often the model folder is checked for changes at most
WATCHED_FILES = ("model.npz", "model.json")


@dataclass(frozen=True)
class ServerSettings:
    """What `lstm-tui lsp` was started with (besides the model)."""

    top_k: int = DEFAULT_TOP_K
    temperature: float = 1.0
    languages: frozenset[str] | None = frozenset(DEFAULT_LANGUAGES)
    """Language ids to complete in (None: every language)."""

    def serves(self, language_id: str) -> bool:
        return self.languages is None or language_id in self.languages


class RequestError(JsonRpcInvalidParams):
    """A request the server cannot answer, with a message for the user (no traceback in the log)."""

    def __init__(self, message: str) -> None:
        super().__init__(message=message)


class DocumentProtocol(LanguageServerProtocol):
    """pygls's protocol without its workspace copy of each document: the server keeps its own."""

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


class ModelWatch:
    """Notices when the model's files change on disk (a training saving a checkpoint, a deletion)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._seen = self._signature()
        self._checked = time.monotonic()

    def _signature(self) -> tuple:
        signature = []
        for name in WATCHED_FILES:
            try:
                stat = (self.folder / name).stat()
                signature.append((stat.st_mtime_ns, stat.st_size, stat.st_ino))
            except OSError:
                signature.append(None)
        return tuple(signature)

    def changed(self) -> str | None:
        """A message once each time the files change (checked at most every `WATCH_SECONDS`)."""
        now = time.monotonic()
        if now - self._checked < WATCH_SECONDS:
            return None
        self._checked = now
        signature = self._signature()
        if signature == self._seen:
            return None
        self._seen = signature
        gone = [name for name, seen in zip(WATCHED_FILES, signature) if seen is None]
        what = f"{', '.join(gone)} {'is' if len(gone) == 1 else 'are'} gone from" if gone else "the model files changed in"
        return f"{what} {self.folder}; still serving the weights loaded at the start (restart the server to load the new ones)"


class CompletionServer(LanguageServer):
    """The open documents, their predictors and the model they share."""

    def __init__(self, model: SharedModel, settings: ServerSettings) -> None:
        super().__init__("lstm-tui", __version__, protocol_cls=DocumentProtocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.model = model
        self.settings = settings
        self.documents: dict[str, TextDocument] = {}
        self.skipped: dict[str, str] = {}
        """Documents open in a language the server does not complete: uri → language id."""
        self.predictors: OrderedDict[str, DocumentPredictor] = OrderedDict()
        self.watch = ModelWatch(model.folder)

    # messages to the user -----------------------------------------------------------------
    def say(self, kind: types.MessageType, message: str) -> None:
        """A `window/logMessage` to the client and a line on stderr."""
        log.log(logging.WARNING if kind <= types.MessageType.Warning else logging.INFO, "%s", message)
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def check_model(self) -> None:
        if (message := self.watch.changed()) is not None:
            self.say(types.MessageType.Warning, message)

    # documents ----------------------------------------------------------------------------
    @property
    def encoding(self) -> str:
        """The position encoding agreed at initialize ("utf-16" unless the client offered another)."""
        capabilities = getattr(self.protocol, "server_capabilities", None)
        chosen = capabilities.position_encoding if capabilities is not None else None
        return str(getattr(chosen, "value", chosen) or "utf-16")

    def open(self, item: types.TextDocumentItem) -> None:
        if not self.settings.serves(item.language_id):
            self.skipped[item.uri] = item.language_id
            enabled = ", ".join(sorted(self.settings.languages or ()))
            self.say(types.MessageType.Info, f"{item.uri}: no completions for language {item.language_id!r} (enabled: {enabled}; --languages chooses)")
            return
        self.documents[item.uri] = TextDocument(item.uri, item.text, item.language_id, item.version, self.encoding)
        self.predictors.pop(item.uri, None)

    def change(self, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        document = self.documents.get(uri)
        if document is None:
            if uri not in self.skipped:
                self.say(types.MessageType.Error, f"{uri}: a change to a document that is not open was ignored (send textDocument/didOpen first)")
            return
        predictor = self.predictors.get(uri)
        cursor = None
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                start, end = change.range.start, change.range.end
                edit, notes = document.apply(Position(start.line, start.character), Position(end.line, end.character), change.text)
            else:
                edit, notes = document.apply(None, None, change.text)
            for note in notes:
                self.say(types.MessageType.Warning, f"{uri}: {note}")
            if predictor is not None:
                predictor.edited(edit)
            cursor = edit.start + edit.inserted
        document.version = params.text_document.version
        if cursor is not None:
            self.predictor(uri).prepare(document.text, cursor)  # the cursor is at the edit's end

    def close(self, uri: str) -> None:
        self.documents.pop(uri, None)
        self.predictors.pop(uri, None)
        self.skipped.pop(uri, None)

    def predictor(self, uri: str) -> DocumentPredictor:
        """The document's predictor (the most recently used `LIVE_PREDICTORS` keep their state)."""
        predictor = self.predictors.get(uri)
        if predictor is None:
            predictor = DocumentPredictor(self.model.predictor(), self.settings.top_k, self.settings.temperature, words_only=True)
            self.predictors[uri] = predictor
            while len(self.predictors) > LIVE_PREDICTORS:
                self.predictors.popitem(last=False)
        self.predictors.move_to_end(uri)
        return predictor

    # completion ---------------------------------------------------------------------------
    def complete(self, params: types.CompletionParams) -> types.CompletionList:
        uri = params.text_document.uri
        self.check_model()
        document = self.documents.get(uri)
        if document is None:
            if uri in self.skipped:
                return types.CompletionList(is_incomplete=False, items=[])
            raise RequestError(f"{uri} is not open: send textDocument/didOpen before asking for completions")
        position = Position(params.position.line, params.position.character)
        try:
            cursor, note = document.offset(position, strict=True)
        except PositionError as exc:
            raise RequestError(f"{uri}: no completion at {position.line}:{position.character}: {exc}") from None
        if note is not None:
            self.say(types.MessageType.Warning, f"{uri}: {note}; completing at the line's end")
        prediction = self.predictor(uri).predict(document.text, cursor)
        items = completion_items(document, cursor, prediction, self.model.saved.meta.level == "char")
        return types.CompletionList(is_incomplete=True, items=items)


def completion_items(document: TextDocument, cursor: int, prediction: Prediction, char_level: bool) -> list[types.CompletionItem]:
    """The prediction as completion items: each replaces the partial word before the cursor,
    ordered by probability (`sortText`), its probability in `detail` (`char_level`: the next
    character's, which it says); one that would add only whitespace is left out."""
    partial = prediction.partial
    start, end = document.position(cursor - len(partial)), document.position(cursor)
    edit_range = types.Range(types.Position(start.line, start.character), types.Position(end.line, end.character))
    items = []
    for rank, (item, word) in enumerate(zip(prediction.items, prediction.words())):
        if not word[len(partial):].strip():
            continue
        detail = f"{item.prob:.1%}"
        if char_level:
            detail += f" · next character {visible_token(item.token)}"
        items.append(types.CompletionItem(
            label=neutralise(word).replace("\n", "↵").replace("\t", "⇥"),
            kind=types.CompletionItemKind.Text,
            detail=detail,
            sort_text=f"{rank:03d}",
            filter_text=word,
            text_edit=types.TextEdit(range=edit_range, new_text=word),
        ))
    return items


def make_server(model: SharedModel, settings: ServerSettings) -> CompletionServer:
    """A server for `model` with its handlers registered (start it with `.start_io()`)."""
    server = CompletionServer(model, settings)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: CompletionServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.open(params.text_document)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: CompletionServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.change(params)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: CompletionServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.close(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[" "]))
    def completion(ls: CompletionServer, params: types.CompletionParams) -> types.CompletionList:
        return ls.complete(params)

    @server.feature(types.INITIALIZED)
    def initialized(ls: CompletionServer, params: types.InitializedParams) -> None:
        meta = ls.model.saved.meta
        ls.say(types.MessageType.Info, f"lstm-tui: serving {meta.name or ls.model.folder.name} ({meta.level} level) from {ls.model.folder}; "
                                       f"positions in {ls.encoding}")

    return server


class ClientPipe:
    """The server's stdout: a client that closed its end (quit, crashed) mid-request is one log
    line, and what is left to send is dropped, instead of a traceback for every message."""

    def __init__(self, stream: BinaryIO, on_lost: Callable[[], None]) -> None:
        self._stream = stream
        self._on_lost = on_lost
        self.lost = False

    def write(self, data: bytes) -> None:
        self._guarded(self._stream.write, data)

    def flush(self) -> None:
        self._guarded(self._stream.flush)

    def _guarded(self, action: Callable, *args) -> None:
        if self.lost:
            return
        try:
            action(*args)
        except (BrokenPipeError, ConnectionResetError, ValueError):  # ValueError: the stream is closed
            self.lost = True
            self._on_lost()

    def close(self) -> None:
        try:
            self._stream.close()
        except OSError:
            pass


class QuietRequestErrors(logging.Filter):
    """pygls logs every error a handler raises with its traceback; a `RequestError` is the
    client's mistake, already answered with its message: one line is enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], RequestError):
            record.msg, record.args, record.exc_info = "request refused: %s", (record.exc_info[1].message,), None
        return True
