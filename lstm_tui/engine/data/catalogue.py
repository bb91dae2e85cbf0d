"""The corpus catalogue: named entries in `corpora/catalogue.json` (see `paths.corpora_dir`).

An entry says where a text comes from (a built-in, or files relative to the catalogue folder),
and which level, tokenizer and format suit it, so `--corpus NAME` needs no other flags.

Two kinds of files: the corpora bundled in `corpora/` (compressed, each with the sha256 of its
text in the catalogue, so a damaged or missing file is caught before training on it), and
entries marked `shared`, which read `../shared` beside a checkout: those are listed only where
their files exist, since a user's clone or an installed wheel does not have them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from lstm_tui.engine.data.builtin_corpora import BUILTINS
from lstm_tui.engine.errors import UserError
from lstm_tui.paths import corpora_dir

RESTORE_HINT = "restore the bundled corpora (in a checkout: git checkout -- corpora; installed: reinstall lstm-tui)"


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
    shared: bool = False  # reads ../shared beside a checkout: listed only where present
    folder: Path = field(default=Path("."), compare=False)
    checksums: Mapping[Path, str] = field(default_factory=dict, compare=False)
    """sha256 of the text of each bundled file this entry reads, by absolute path."""

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

    def missing_files(self) -> list[Path]:
        """Bundled files of this entry that are not on disk (a damaged checkout or install)."""
        return [path for path in self.checksums if not path.is_file()]

    @property
    def available(self) -> bool:
        if self.source.startswith("builtin:"):
            return self.source[len("builtin:") :] in BUILTINS
        paths = [self.path(self.source), self.path(self.valid), self.path(self.test)]
        return all(p.exists() for p in paths if p is not None) and not self.missing_files()

    @property
    def listed(self) -> bool:
        """Whether `lstm-tui corpora` and the train screen offer it: a shared entry only where
        its files are; a built-in or bundled one always (marked when damaged)."""
        return self.available or not self.shared

    @property
    def level_label(self) -> str:
        """Its level, with the tokenizer where that adds something: `char`, `word/mecab`."""
        return self.level if self.tokenizer in ("char", "auto") else f"{self.level}/{self.tokenizer}"

    @property
    def note(self) -> str:
        """A remark for listings: damaged (bundled files missing), or read from ../shared."""
        missing = self.missing_files()
        if missing:
            return f"damaged: {len(missing)} file{'s' if len(missing) > 1 else ''} missing; {RESTORE_HINT}"
        return "from ../shared" if self.shared else ""

    def require_available(self) -> None:
        """Raise the one-line error that says why this entry cannot be read here, and what to do."""
        missing = self.missing_files()
        if missing:
            more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
            raise UserError(f"corpus {self.name!r} is damaged: {missing[0]} is missing{more}; {RESTORE_HINT}", field="corpus")
        if self.available:
            return
        if self.shared:
            raise UserError(
                f"corpus {self.name!r} is not available here: it reads ../shared beside a checkout "
                f"({self.source}); choose another entry of `lstm-tui corpora`",
                field="corpus",
            )
        raise UserError(f"catalogued corpus {self.name!r} is not available here (its files are missing: {self.source})", field="corpus")


def catalogue_folder() -> Path:
    """`$LSTM_TUI_CORPORA`, else the bundled corpora folder (`paths.corpora_dir`)."""
    env = os.environ.get("LSTM_TUI_CORPORA")
    if env:
        return Path(env).expanduser().resolve()
    return corpora_dir()


def listed_entries(entries: Mapping[str, CatalogueEntry]) -> list[CatalogueEntry]:
    """What `lstm-tui corpora` and the train screen's picker show, in catalogue order."""
    return [entry for entry in entries.values() if entry.listed]


def _under(path: Path, roots: Iterable[Path | None]) -> bool:
    return any(root is not None and (path == root or root in path.parents) for root in roots)


def _entry(item: dict, folder: Path, checksums: Mapping[Path, str]) -> CatalogueEntry:
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
        shared=bool(item.get("shared", False)),
        folder=folder,
    )
    if entry.source.startswith("builtin:"):
        return entry
    roots = [entry.path(entry.source), entry.path(entry.valid), entry.path(entry.test)]
    own = {path: digest for path, digest in checksums.items() if _under(path, roots)}
    return replace(entry, checksums=MappingProxyType(own))


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
        checksums = {(folder / str(name)).resolve(): str(digest) for name, digest in raw.get("sha256", {}).items()}
        for item in raw["corpora"]:
            entry = _entry(item, folder, checksums)
            entries[entry.name] = entry
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(f"the corpus catalogue {path} is malformed ({exc}); fix or remove it") from None
    return entries
