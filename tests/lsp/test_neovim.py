"""A real editor: headless Neovim's built-in LSP client against `lstm-tui lsp` (skipped without nvim;
.ci/run installs it), and the editor configurations in docs/editors.md, each checked for syntax."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lsp.conftest import ROOT, char_expectation, utf16_position, word_tail

NVIM = shutil.which("nvim")
needs_nvim = pytest.mark.skipif(NVIM is None, reason="Neovim (nvim) is not installed; .ci/run installs it with apt")
DRIVER = Path(__file__).with_name("nvim_complete.lua")


def run_neovim(model: Path, typed: list[str], out: Path) -> dict:
    """Drive headless Neovim (`nvim_complete.lua`); returns what its LSP client got back."""
    config = {"cmd": [sys.executable, "-m", "lstm_tui", "lsp", "--model", str(model)], "typed": typed,
              "out": str(out), "timeout_ms": 60_000}
    env = {**os.environ, "LSTM_TUI_NVIM": json.dumps(config)}
    done = subprocess.run([NVIM, "--headless", "--clean", "-c", f"luafile {DRIVER}"], env=env, capture_output=True,
                          timeout=180, cwd=out.parent)
    assert out.exists(), done.stderr.decode("utf-8", "replace")
    return json.loads(out.read_text(encoding="utf-8"))


@needs_nvim
def test_neovim_gets_the_completions_predict_gives(char_model: Path, tmp_path: Path, capsys) -> None:
    typed = ["Le café est prêt. ", "日本 😀\n", "The default value of ", "the p", "a", "r"]
    result = run_neovim(char_model, typed, tmp_path / "result.json")
    assert "error" not in result, result
    text = "".join(typed)
    assert result["text"] == text and result["encoding"] == "utf-16"
    expected = char_expectation(capsys, char_model, text)
    items = sorted(result["items"], key=lambda item: item["sortText"])
    assert [item["newText"] for item in items] == [new for new, _ in expected]
    partial = word_tail(text)
    start = utf16_position(text, len(text) - len(partial))
    assert all(item["range"]["start"] == {"line": start.line, "character": start.character} for item in items)
    print(f"\nNeovim {result['encoding']} at {result['position']}: "
          + ", ".join(f"{item['label']} ({item['detail'].split(' ')[0]})" for item in items) + f" in {result['ms']:.1f} ms")


EDITORS = ROOT / "docs" / "editors.md"


def config_blocks(language: str) -> list[str]:
    """The ```language blocks of docs/editors.md's configuration section."""
    page = EDITORS.read_text(encoding="utf-8")
    section = page.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.S)


@needs_nvim
def test_the_documented_neovim_configuration_is_valid_lua(tmp_path: Path) -> None:
    (block,) = config_blocks("lua")
    snippet = tmp_path / "init.lua"
    snippet.write_text(block, encoding="utf-8")
    check = f"lua local f, err = loadfile('{snippet}'); if not f then io.stderr:write(err) vim.cmd('cquit 1') end"
    done = subprocess.run([NVIM, "--headless", "--clean", "-c", check, "-c", "qall!"], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert '"lstm-tui", "lsp"' in block and "vim.lsp.start(" in block


def test_the_documented_helix_and_vscode_configurations_parse() -> None:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    (toml_block,) = config_blocks("toml")
    helix = tomllib.loads(toml_block)
    assert helix["language-server"]["lstm-tui"] == {"command": "lstm-tui", "args": ["lsp"]}
    assert all("lstm-tui" in language["language-servers"] for language in helix["language"])
    (json_block,) = config_blocks("json")
    vscode = json.loads(json_block)
    assert vscode["glspc.server.command"] == "lstm-tui" and vscode["glspc.server.commandArguments"] == ["lsp"]
    assert set(vscode["glspc.server.languageId"]) == {"plaintext", "markdown"}
