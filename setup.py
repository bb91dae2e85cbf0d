"""Packaging hook: a wheel carries the bundled corpora and the shipped models.

They live in the checkout's top-level `corpora/` and `checkpoints/default*/`, where users look.
Building a wheel copies them into the package as `lstm_tui/bundled/`, where `lstm_tui.paths`
finds them once installed; an editable install skips the copy and reads the checkout itself.
Everything else about the package is declared in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
MODEL_FILES = ("model.json", "model.npz", "eval.json", "TRAINING.md")  # not a run's trainer snapshot or lock


class BuildPyWithBundledData(build_py):
    """build_py, then `corpora/` and `checkpoints/default*/` into `lstm_tui/bundled/` of the build."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "lstm_tui" / "bundled"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(ROOT / "corpora", target / "corpora", ignore=shutil.ignore_patterns(".*", "__pycache__"))
        for model in sorted((ROOT / "checkpoints").glob("default*")):
            if not (model / "model.json").is_file():
                continue
            (target / "checkpoints" / model.name).mkdir(parents=True)
            for name in MODEL_FILES:
                if (model / name).is_file():
                    shutil.copy2(model / name, target / "checkpoints" / model.name / name)


setup(cmdclass={"build_py": BuildPyWithBundledData})
