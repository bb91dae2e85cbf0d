"""`lstm-tui lsp` driven by a real LSP client over stdio: completions checked against `lstm-tui predict`
on the same text, after incremental edits with multi-byte and surrogate-pair characters."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from lstm_tui.lsp.completions import WINDOW
from tests.conftest import SHAKESPEARE_FIRST_100K
from tests.lsp.conftest import Editor, char_expectation, percent, start_editor, stop_editor, utf16_position, word_expectation, word_tail


def check_items(editor: Editor, uri: str, result: types.CompletionList, before: str, expected: list[tuple[str, float]]) -> None:
    """The items are `expected` (new text, probability) in order, each replacing exactly the partial
    word before the cursor (a range in UTF-16 columns)."""
    items = sorted(result.items, key=lambda item: item.sort_text)
    assert [item.text_edit.new_text for item in items] == [text for text, _ in expected]
    assert all(abs(percent(item) - prob) < 6e-4 for item, (_, prob) in zip(items, expected))
    probs = [percent(item) for item in items]
    assert probs == sorted(probs, reverse=True)
    text = editor.texts[uri]
    partial = word_tail(before)
    for item in items:
        assert item.text_edit.range.start == utf16_position(text, len(before) - len(partial))
        assert item.text_edit.range.end == utf16_position(text, len(before))
        assert item.filter_text == item.text_edit.new_text and item.text_edit.new_text.startswith(partial)


async def test_char_completions_follow_incremental_edits_and_match_predict(char_model: Path, capsys) -> None:
    editor = await start_editor(char_model)
    try:
        uri = "file:///notes/draft.txt"
        editor.open(uri, "The default value of ")
        editor.type(uri, "the par")
        before = editor.texts[uri]
        check_items(editor, uri, await editor.complete(uri), before, char_expectation(capsys, char_model, before))

        editor.edit(uri, 0, 0, "Café au lait, 日本語 😀 and more.\n")  # a new first line: é, 日本, a surrogate pair
        text = editor.texts[uri]
        at = text.index("default")
        editor.edit(uri, at, at + len("default"), "naïve 😀")  # a word before the cursor replaced
        text = editor.texts[uri]
        at = text.index("😀")
        editor.edit(uri, at + 1, at + 1, "😀é")  # right after a surrogate pair (UTF-16 column 2 past its start)
        editor.type(uri, "am")
        line = "日本 😀 la"
        editor.edit(uri, len(editor.texts[uri]), len(editor.texts[uri]), f"\n{line}")  # a line with astral characters before the partial word
        before = editor.texts[uri]
        assert before.endswith("😀 la") and "😀😀é" in before
        result = await editor.complete(uri)
        check_items(editor, uri, result, before, char_expectation(capsys, char_model, before))
        assert result.items[0].text_edit.range.start.character == len("日本 😀 ".encode("utf-16-le")) // 2  # 6, not 5 code points

        # the cursor in the middle of the text: the text before it is what counts
        middle = before.index("naïve") + len("naïve")
        check_items(editor, uri, await editor.complete(uri, middle), before[:middle], char_expectation(capsys, char_model, before[:middle]))
        assert editor.messages(types.MessageType.Error) == [] and editor.messages(types.MessageType.Warning) == []
    finally:
        assert await stop_editor(editor) == 0
    assert "Traceback" not in editor.stderr


async def test_word_completions_in_word_and_next_word(trained_word_run: Path, capsys) -> None:
    editor = await start_editor(trained_word_run, "--top-k", "4")
    try:
        uri = "file:///play.md"
        editor.open(uri, "First Citizen:\nBefore we proceed any further, hear me ", language="markdown")
        for typed in ("", "s", "p", "e"):
            editor.type(uri, typed)
            before = editor.texts[uri]
            expected = word_expectation(capsys, trained_word_run, before, k=4)
            assert expected, before
            check_items(editor, uri, await editor.complete(uri), before, expected)
        editor.edit(uri, 0, 0, "Ünïcödé 😀 words\n")
        before = editor.texts[uri]
        expected = word_expectation(capsys, trained_word_run, before, k=4)
        check_items(editor, uri, await editor.complete(uri), before, expected)
    finally:
        assert await stop_editor(editor) == 0


async def test_bad_requests_get_clear_errors_and_the_server_keeps_serving(trained_word_run: Path) -> None:
    editor = await start_editor(trained_word_run)
    try:
        good, code = "file:///good.txt", "file:///main.py"
        editor.open(good, "Line one 😀 and th\nline two, the ")
        editor.open(code, "def f(x):\n    return x", language="python")

        async def refused(uri: str, line: int, character: int) -> str:
            with pytest.raises(JsonRpcException) as caught:
                await editor.complete(uri, position=types.Position(line=line, character=character))
            assert caught.value.code == -32602  # InvalidParams
            return caught.value.message

        assert "file:///never.txt is not open" in await refused("file:///never.txt", 0, 0)
        assert "line 9 is past the end of the document (2 lines)" in await refused(good, 9, 0)
        assert "inside U+1F600" in await refused(good, 0, len("Line one ") + 1)  # between the halves of 😀
        past = await editor.complete(good, position=types.Position(line=0, character=400))  # past the line's end: the end
        assert past.items and past.items[0].text_edit.range == types.Range(types.Position(0, 16), types.Position(0, 18))  # "th"
        assert any("column 400 is past the end of the line" in m for m in editor.messages(types.MessageType.Warning))
        assert not (await editor.complete(code, 1)).items  # a language not enabled: nothing, with a note
        assert any("no completions for language 'python'" in m for m in editor.messages(types.MessageType.Info))

        editor.client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri="file:///never.txt"), [types.TextDocumentContentChangeWholeDocument(text="x")]))
        # an edit past the document's end is applied at the end, as vscode-languageserver does
        editor.client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=good),
            [types.TextDocumentContentChangePartial(range=types.Range(types.Position(7, 3), types.Position(8, 0)), text="ki")]))
        editor.texts[good] += "ki"
        result = await editor.complete(good)
        assert result.items and all(item.text_edit.new_text.startswith("ki") for item in result.items)
        errors, warnings = editor.messages(types.MessageType.Error), editor.messages(types.MessageType.Warning)
        assert any("a change to a document that is not open was ignored" in m for m in errors)
        assert any("line 7 is past the end of the document" in m for m in warnings)
    finally:
        assert await stop_editor(editor) == 0
    assert "Traceback" not in editor.stderr
    assert "request refused: file:///never.txt is not open" in editor.stderr  # one line each on stderr


async def test_a_1mb_document_reads_a_window_before_the_cursor(trained_word_run: Path, capsys) -> None:
    text = SHAKESPEARE_FIRST_100K.read_text(encoding="utf-8") * 10
    assert len(text.encode("utf-8")) >= 1_000_000
    editor = await start_editor(trained_word_run)
    try:
        uri = "file:///big.txt"
        editor.open(uri, text)

        async def check(cursor: int, start: int) -> None:
            result = await editor.complete(uri, cursor)
            before = editor.texts[uri][:cursor]
            check_items(editor, uri, result, before, word_expectation(capsys, trained_word_run, before, before[start:]))

        end = len(text)
        start = text.find("\n", end - WINDOW, end) + 1  # the window: from a line start at most WINDOW back
        await check(end, start)
        editor.type(uri, "Wh")  # typing at the cursor: the window stays
        await check(end + 2, start)
        middle = text.index("\n", len(text) // 2) - 3  # a jump: a new window
        await check(middle, text.find("\n", middle - WINDOW, middle) + 1)
    finally:
        assert await stop_editor(editor) == 0


async def test_a_model_folder_changing_on_disk_keeps_the_loaded_weights(trained_word_run: Path, tmp_path: Path) -> None:
    model = tmp_path / "run"
    shutil.copytree(trained_word_run, model)
    editor = await start_editor(model)
    try:
        uri = "file:///a.txt"
        editor.open(uri, "The default value of the ")
        first = await editor.complete(uri)
        (model / "model.npz").unlink()  # a training replacing its checkpoint, or the folder deleted
        os.utime(model / "model.json", (time.time() + 5, time.time() + 5))
        time.sleep(1.1)
        again = await editor.complete(uri)
        assert [i.text_edit.new_text for i in again.items] == [i.text_edit.new_text for i in first.items]
        warnings = editor.messages(types.MessageType.Warning)
        assert len(warnings) == 1 and "model.npz is gone from" in warnings[0] and "still serving the weights loaded at the start" in warnings[0]
        assert len((await editor.complete(uri)).items) == len(first.items)  # logged once
        assert len(editor.messages(types.MessageType.Warning)) == 1
    finally:
        assert await stop_editor(editor) == 0


def _message(payload: dict) -> bytes:
    body = json.dumps(payload).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def test_a_client_disconnecting_mid_request_stops_the_server_cleanly(trained_word_run: Path) -> None:
    text = SHAKESPEARE_FIRST_100K.read_text(encoding="utf-8")
    server = subprocess.Popen([sys.executable, "-m", "lstm_tui", "lsp", "--model", str(trained_word_run)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    uri = "file:///big.txt"
    for payload in (
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "plaintext", "version": 1, "text": text}}},
        {"jsonrpc": "2.0", "id": 2, "method": "textDocument/completion",
         "params": {"textDocument": {"uri": uri}, "position": {"line": text.count("\n"), "character": 0}}},
    ):
        server.stdin.write(_message(payload))
    server.stdin.close()  # the editor quits before the answer: both pipes closed
    server.stdout.close()
    assert server.wait(timeout=120) == 0
    stderr = server.stderr.read().decode("utf-8", "replace")
    assert "the client closed the connection mid-request; stopping" in stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr


def test_languages_option() -> None:
    from lstm_tui.commands.lsp import languages
    from lstm_tui.engine.errors import UserError
    from lstm_tui.lsp.server import ServerSettings

    assert languages("plaintext, markdown,gitcommit") == {"plaintext", "markdown", "gitcommit"}
    assert ServerSettings(languages=languages("*")).serves("python")
    assert not ServerSettings().serves("python") and ServerSettings().serves("markdown")
    with pytest.raises(UserError, match="at least one language id"):
        languages(" , ")
