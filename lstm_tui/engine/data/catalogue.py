"""The corpus catalogue: named entries in the repository's `corpora/catalogue.json`.

An entry says where a text comes from (a built-in, or files relative to the catalogue folder),
and which level, tokenizer and format suit it, so `--corpus NAME` needs no other flags.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from lstm_tui.engine.data.builtin_corpora import BUILTINS
from lstm_tui.engine.errors import UserError
from lstm_tui.paths import SOURCE_ROOT


@dataclass(frozen=True)
class CatalogueEntry:
    """One named corpus."""

    name: str
    description: str
    source: str  # "builtin:NAME" or a path relative to the catalogue folder
    level: str = "char"
    tokenizer: str = "auto"
    format: str = "auto"
    valid: str | None = None
    test: str | None = None
    split: tuple[float, float, float] | None = None
    folder: Path = field(default=Path("."), compare=False)

    def path(self, relative: str | None) -> Path | None:
        if relative is None:
            return None
        return (self.folder / relative).resolve()

    def option_defaults(self) -> dict[str, str]:
        """The training options this corpus suggests (its level, and its word tokenizer): the
        defaults under a preset and explicit options, in the CLI and the train form alike."""
        defaults = {"level": self.level}
        if self.tokenizer != "char":
            defaults["tokenizer"] = self.tokenizer
        return defaults

    @property
    def available(self) -> bool:
        if self.source.startswith("builtin:"):
            return self.source[len("builtin:") :] in BUILTINS
        paths = [self.path(self.source), self.path(self.valid), self.path(self.test)]
        return all(p.exists() for p in paths if p is not None)


def catalogue_folder() -> Path:
    """`$LSTM_TUI_CORPORA`, else the `corpora/` folder of the source checkout."""
    env = os.environ.get("LSTM_TUI_CORPORA")
    if env:
        return Path(env).expanduser().resolve()
    return SOURCE_ROOT / "corpora"


def load_catalogue(folder: Path | None = None) -> dict[str, CatalogueEntry]:
    """All entries, built-ins first; a missing catalogue file just means no named entries."""
    folder = folder or catalogue_folder()
    entries: dict[str, CatalogueEntry] = {}
    for builtin in BUILTINS.values():
        name = "builtin:" + builtin.name
        entries[name] = CatalogueEntry(
            name=name,
            description=builtin.description,
            source=name,
            level=builtin.level,
            tokenizer=builtin.tokenizer,
        )
    path = folder / "catalogue.json"
    if not path.exists():
        return entries
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        for item in raw["corpora"]:
            split = item.get("split")
            entry = CatalogueEntry(
                name=str(item["name"]),
                description=str(item.get("description", "")),
                source=str(item["source"]),
                level=str(item.get("level", "char")),
                tokenizer=str(item.get("tokenizer", "auto")),
                format=str(item.get("format", "auto")),
                valid=item.get("valid"),
                test=item.get("test"),
                split=tuple(float(x) for x in split) if split else None,
                folder=folder,
            )
            entries[entry.name] = entry
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"the corpus catalogue {path} is malformed ({exc}); fix or remove it") from None
    return entries
