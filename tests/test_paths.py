"""Where lstm-tui finds its corpora and default model: in a checkout, and installed from a wheel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from lstm_tui import paths

ROOT = paths.SOURCE_ROOT
PACKAGING = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")


def test_a_checkout_reads_its_own_folders(monkeypatch) -> None:
    monkeypatch.delenv("LSTM_TUI_CHECKPOINTS", raising=False)
    assert not paths.is_installed()
    assert paths.corpora_dir() == ROOT / "corpora"
    assert paths.checkpoints_dir() == ROOT / "checkpoints"
    assert paths.default_model_dir() == ROOT / "checkpoints" / "default"


def test_an_installed_copy_reads_the_bundled_data_and_writes_runs_to_the_user_folder(tmp_path: Path, monkeypatch) -> None:
    bundled = tmp_path / "site-packages" / "lstm_tui" / "bundled"
    bundled.mkdir(parents=True)
    monkeypatch.setattr(paths, "BUNDLED_DIR", bundled)
    monkeypatch.delenv("LSTM_TUI_CHECKPOINTS", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert paths.is_installed()
    assert paths.corpora_dir() == bundled / "corpora"
    assert paths.default_model_dir() == bundled / "checkpoints" / "default"
    assert paths.checkpoints_dir() == tmp_path / "data" / "lstm-tui" / "checkpoints"
    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(tmp_path / "mine"))
    assert paths.checkpoints_dir() == tmp_path / "mine"
    assert paths.default_model_dir() == tmp_path / "mine" / "default"


def source_copy(target: Path) -> Path:
    """What a wheel is built from: the packaging files, the package, corpora/ and the shipped models."""
    target.mkdir(parents=True)
    junk = shutil.ignore_patterns("__pycache__", "*.py[cod]")
    for name in PACKAGING:
        shutil.copy(ROOT / name, target / name)
    shutil.copytree(ROOT / "lstm_tui", target / "lstm_tui", ignore=junk)
    shutil.copytree(ROOT / "corpora", target / "corpora", ignore=junk)
    for model in (ROOT / "checkpoints").glob("default*"):
        shutil.copytree(model, target / "checkpoints" / model.name)
    return target


def run(*args: str | Path, cwd: Path, env: dict | None = None) -> str:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{args}: {proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.mark.skipif(not (ROOT / "checkpoints" / "default" / "model.json").exists(), reason="no shipped default model")
def test_a_wheel_installed_in_a_fresh_venv_predicts_and_reads_the_bundled_corpora(tmp_path: Path) -> None:
    """pip wheel --no-deps, install it into a new venv (its dependencies: this environment's,
    by a .pth line, so no download), then run lstm-tui from a folder outside the checkout."""
    source = source_copy(tmp_path / "src")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    run(*pip, "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", tmp_path / "dist", source, cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("lstm_tui-*.whl")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    run(*pip, "--python", python, "install", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path).strip())
    (site / "zz_lstm_tui_test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LSTM_TUI_", "PYTHON"))}
    env.update(HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "home" / "data"))
    where = run(python, "-c", "import lstm_tui.paths as p; print(p.PACKAGE_DIR, p.is_installed(), p.default_model_dir())",
                cwd=elsewhere, env=env).split()
    assert where == [str(site / "lstm_tui"), "True", str(site / "lstm_tui" / "bundled" / "checkpoints" / "default")]

    suggestions = run(venv / "bin" / "lstm-tui", "predict", "To be or not to b", cwd=elsewhere, env=env).splitlines()
    assert len(suggestions) == 5 and all("%" in line for line in suggestions)
    listing = run(venv / "bin" / "lstm-tui", "corpora", cwd=elsewhere, env=env)
    assert "en-books" in listing and "ja-heldout" in listing and "damaged" not in listing
    assert str(site / "lstm_tui" / "bundled" / "corpora" / "catalogue.json") in listing
    held_out = run(python, "-c", "from lstm_tui.engine.data.corpus import read_whole_text; print(len(read_whole_text('en-doyle-heldout')[0]))",
                   cwd=elsewhere, env=env)
    assert held_out.strip() == "562179"  # read from the wheel, checked against its sha256
