"""A real LSP client (pygls's `LanguageClient`) driving `lstm-tui lsp` over stdio, and the models it
serves (the shipped default; the word model `trained_word_run` of tests/conftest.py)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient

from lstm_tui.cli import main
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.infer.word_bar import greedy_word

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "checkpoints" / "default"


@pytest.fixture(scope="session")
def char_model() -> Path:
    """The shipped default (a character model)."""
    if not (SHIPPED / "model.json").exists():
        pytest.skip("no shipped default model in checkpoints/default")
    return SHIPPED


def predicted(capsys, model: Path, text: str, k: int = 5) -> list[dict]:
    """What `lstm-tui predict --json` prints for `text`."""
    capsys.readouterr()
    assert main(["predict", "--model", str(model), "--top-k", str(k), "--json", text]) == 0
    return json.loads(capsys.readouterr().out)


def percent(item: types.CompletionItem) -> float:
    return float(item.detail.split("%")[0]) / 100


def word_tail(text: str) -> str:
    """The partial word before the cursor: the characters after the last whitespace."""
    return text.split()[-1] if text and not text[-1].isspace() else ""


def char_expectation(capsys, model: Path, before: str, k: int = 3) -> list[tuple[str, float]]:
    """`predict`'s k likeliest next characters for `before` that are not whitespace (an editor's
    completion is a word), each continued to its word's end by the engine's greedy continuation
    on a fresh predictor, after the partial word before the cursor."""
    fresh = Predictor.load(model)
    fresh.set_text(before)
    partial = word_tail(before)
    firsts = [p for p in predicted(capsys, model, before, 20) if p["token"].strip()][:k]
    return [(partial + greedy_word(fresh, fresh.vocab.id(p["token"])).rstrip(), p["prob"]) for p in firsts]


def word_expectation(capsys, model: Path, before: str, context: str | None = None, k: int = 3) -> list[tuple[str, float]]:
    """`predict`'s k likeliest words for `context` (default: `before`) other than a line end, each
    as it completes the partial word before the cursor; the partial word itself (nothing added)
    left out."""
    partial = word_tail(before)
    words = [p for p in predicted(capsys, model, before if context is None else context, k + 1) if p["token"] != "<eos>"][:k]
    return [(partial + p["token"][len(partial):], p["prob"]) for p in words if p["token"][len(partial):]]


def utf16_position(text: str, offset: int) -> types.Position:
    """The LSP position (UTF-16 columns) of code point `offset`, computed here, not by the server."""
    line_start = text.rfind("\n", 0, offset) + 1
    return types.Position(line=text.count("\n", 0, offset), character=len(text[line_start:offset].encode("utf-16-le")) // 2)


@dataclass
class Editor:
    """What an editor does: keeps its own copy of each document and tells the server each edit."""

    client: LanguageClient
    texts: dict[str, str] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    logs: list[tuple[int, str]] = field(default_factory=list)
    stderr: str = ""

    def open(self, uri: str, text: str, language: str = "plaintext") -> None:
        self.texts[uri], self.versions[uri] = text, 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, language, 1, text)))

    def edit(self, uri: str, start: int, end: int, new: str) -> None:
        """Replace code points [start, end) of the document with `new`, as an incremental change."""
        text = self.texts[uri]
        change = types.TextDocumentContentChangePartial(
            range=types.Range(utf16_position(text, start), utf16_position(text, end)), text=new)
        self.texts[uri] = text[:start] + new + text[end:]
        self.versions[uri] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=self.versions[uri], uri=uri), [change]))

    def type(self, uri: str, text: str) -> None:
        """Type `text` at the document's end, one character a change."""
        for char in text:
            end = len(self.texts[uri])
            self.edit(uri, end, end, char)

    async def complete(self, uri: str, offset: int | None = None, position: types.Position | None = None) -> types.CompletionList:
        text = self.texts.get(uri, "")
        if position is None:
            position = utf16_position(text, len(text) if offset is None else offset)
        result = await self.client.text_document_completion_async(
            types.CompletionParams(text_document=types.TextDocumentIdentifier(uri), position=position))
        assert isinstance(result, types.CompletionList)
        return result

    def messages(self, kind: types.MessageType | None = None) -> list[str]:
        return [text for level, text in self.logs if kind is None or level == kind]


async def start_editor(model: Path, *args: str) -> Editor:
    """`lstm-tui lsp --model MODEL ARGS` started and initialized by a real client."""
    client = LanguageClient("lstm-tui-tests", "0")
    editor = Editor(client)

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def log_message(params: types.LogMessageParams) -> None:
        editor.logs.append((params.type, params.message))

    await client.start_io(sys.executable, "-m", "lstm_tui", "lsp", "--model", str(model), *args)
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities()))
    client.initialized(types.InitializedParams())
    return editor


async def stop_editor(editor: Editor) -> int:
    """Shut the server down as an editor does; returns its exit code (its stderr in `editor.stderr`)."""
    client = editor.client
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    server = client._server
    assert server is not None and server.stderr is not None
    editor.stderr = (await server.stderr.read()).decode("utf-8", "replace")
    return server.returncode
