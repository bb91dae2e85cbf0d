"""What the train screen says about a chosen corpus: size, encoding, format and a safe preview.

Detection uses the engine's own readers (`read_text_file`, `looks_like_aozora`), so what is shown
is what training will see; every problem is the engine's one-line `UserError`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

from lstm_tui.engine.data.aozora import looks_like_aozora
from lstm_tui.engine.data.builtin_corpora import load_builtin
from lstm_tui.engine.data.catalogue import CatalogueEntry
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.data.textfile import is_text_file_name, neutralise, read_text_file

PREVIEW_LINES = 20
PREVIEW_LINE_CHARS = 300
FOLDER_FILE_LIMIT = 10_000  # stop counting a folder's .txt files here


@dataclass(frozen=True)
class CorpusFacts:
    """A summary of a corpus for the train screen (all text already neutralised)."""

    spec: str
    """What to pass as `--corpus` (a path, builtin:NAME or a catalogue name)."""
    title: str
    """Its name for display."""
    size_bytes: int
    """Bytes on disk (or of the UTF-8 text for a built-in)."""
    files: int
    """Files it reads (1 for a file or built-in)."""
    encoding: str
    """Detected encoding of the (first) file."""
    format: str
    """plain or aozora (detected)."""
    chars: int
    """Characters of the (first) decoded text."""
    lines: int
    """Lines of the (first) decoded text."""
    preview: str
    """The first lines, neutralised."""
    notes: tuple[str, ...] = ()
    """Extra remarks (BOM, CRLF, description, truncated count)."""
    suggested: dict[str, str] = field(default_factory=dict)
    """A catalogue entry's suggested training options (`CatalogueEntry.option_defaults`)."""


def preview_of(text: str) -> str:
    """The first lines of `text`, each cut to a sane length, neutralised for the terminal."""
    lines = [line[:PREVIEW_LINE_CHARS] for line in itertools.islice(text.split("\n", PREVIEW_LINES), PREVIEW_LINES)]
    return neutralise("\n".join(lines))


def _describe_text(spec: str, title: str, text: str, size_bytes: int, encoding: str, files: int, notes: list[str]) -> CorpusFacts:
    fmt = "aozora" if looks_like_aozora(text) else "plain"
    return CorpusFacts(
        spec=spec,
        title=neutralise(title),
        size_bytes=size_bytes,
        files=files,
        encoding=encoding,
        format=fmt,
        chars=len(text),
        lines=text.count("\n") + (0 if text.endswith("\n") else 1),
        preview=preview_of(text),
        notes=tuple(neutralise(n) for n in notes),
    )


def _describe_path(spec: str, path: Path, title: str | None = None) -> CorpusFacts:
    if path.is_dir():
        files = sorted(itertools.islice((p for p in path.rglob("*") if is_text_file_name(p.name) and p.is_file()), FOLDER_FILE_LIMIT))
        if not files:
            raise UserError(f"{neutralise(str(path))} is a folder with no .txt files; choose a text file or a folder of .txt files")
        total = sum(p.stat().st_size for p in files)
        decoded = read_text_file(files[0])
        notes = [f"preview and encoding of the first file, {neutralise(files[0].name)}"]
        if len(files) == FOLDER_FILE_LIMIT:
            notes.append(f"counted the first {FOLDER_FILE_LIMIT:,} files only")
        return _describe_text(spec, title or path.name, decoded.text, total, decoded.encoding, len(files), notes)
    decoded = read_text_file(path)
    notes = []
    if decoded.had_bom:
        notes.append("has a byte-order mark (removed)")
    if decoded.had_crlf:
        notes.append("CR/CRLF line ends (normalised)")
    return _describe_text(spec, title or path.name, decoded.text, path.stat().st_size, decoded.encoding, 1, notes)


def describe_corpus(spec: str, catalogue: dict[str, CatalogueEntry]) -> CorpusFacts:
    """Facts about a path, a builtin:NAME or a catalogue name (raises UserError when unusable)."""
    spec = spec.strip()
    if not spec:
        raise UserError("no corpus chosen; pick a file, a folder of .txt files or a catalogue entry")
    entry = catalogue.get(spec)
    if entry is not None:
        entry.require_available()
        if entry.source.startswith("builtin:"):
            text = load_builtin(entry.source[len("builtin:") :])
            facts = _describe_text(spec, spec, text, len(text.encode("utf-8")), "utf-8", 1, [])
        else:
            facts = _describe_path(spec, entry.path(entry.source), title=spec)  # type: ignore[arg-type]
        notes = (neutralise(entry.description), *facts.notes) if entry.description else facts.notes
        return CorpusFacts(**{**facts.__dict__, "notes": notes, "suggested": entry.option_defaults()})
    if spec.startswith("builtin:"):
        text = load_builtin(spec[len("builtin:") :])
        return _describe_text(spec, spec, text, len(text.encode("utf-8")), "utf-8", 1, [])
    path = Path(spec).expanduser()
    if not path.exists():
        raise UserError(
            f"{neutralise(spec)} does not exist; give a text file, a folder of .txt files, builtin:NAME or a catalogue name"
        )
    return _describe_path(str(path.resolve()), path.resolve())
