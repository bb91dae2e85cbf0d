"""Corpus loading: a path, a folder of text files, `builtin:NAME` or a catalogue name → split text.

A folder means its `.txt`, `.txt.gz` and `.txt.xz` files (sorted, recursive). Decoding (encodings,
BOM, CRLF, decompression) lives in `textfile`, Aozora Bunko cleaning in `aozora`. Splits are
contiguous fractions of the text, cut at line boundaries, unless explicit valid/test files are
given (as the Penn Treebank comes). A bundled file is checked against the sha256 the catalogue
records for it, so a damaged copy is refused instead of silently trained on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lstm_tui.engine.data.aozora import clean_aozora, looks_like_aozora
from lstm_tui.engine.data.builtin_corpora import DEFAULT_CORPUS, load_builtin
from lstm_tui.engine.data.catalogue import RESTORE_HINT, CatalogueEntry, load_catalogue
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.data.corpus_memory import require_memory
from lstm_tui.engine.data.textfile import is_text_file_name, read_text_file

FORMATS = ("auto", "plain", "aozora")
DEFAULT_SPLIT = (0.9, 0.05, 0.05)


@dataclass(frozen=True)
class TextDocument:
    """One decoded (and, for Aozora, cleaned) text with where it came from."""

    text: str
    source: str
    encoding: str
    format: str


@dataclass
class LoadedCorpus:
    """The train/valid/test texts of a corpus, and facts about it for model.json and the UI."""

    name: str
    train: str
    valid: str
    test: str
    encoding: str
    format: str
    sha256: str
    files: list[str] = field(default_factory=list)
    suggested_level: str | None = None
    suggested_tokenizer: str | None = None

    @property
    def chars(self) -> int:
        return len(self.train) + len(self.valid) + len(self.test)

    def info(self) -> dict:
        return {
            "name": self.name,
            "sha256": self.sha256,
            "encoding": self.encoding,
            "format": self.format,
            "chars": {"train": len(self.train), "valid": len(self.valid), "test": len(self.test)},
            "files": [_recorded_path(f) for f in self.files],
        }


def _recorded_path(file: str) -> str:
    """A bundled corpus file as `corpora/...` (a shipped model.json holds no machine's path);
    any other file as given."""
    from lstm_tui.paths import corpora_dir

    try:
        return str(Path("corpora") / Path(file).resolve().relative_to(corpora_dir().resolve()))
    except (ValueError, OSError):
        return file


def read_document(path: Path, encoding: str | None = None, fmt: str = "auto", *, sha256: str | None = None) -> TextDocument:
    """Decode a file and apply the Aozora cleaning when detected or asked for; with `sha256`
    (a bundled file's recorded digest), refuse a file whose text differs."""
    if fmt not in FORMATS:
        raise UserError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}", field="format")
    decoded = read_text_file(path, encoding)
    if sha256 is not None and decoded.sha256 != sha256:
        raise UserError(f"{path} is damaged: its text does not match the sha256 the corpus catalogue records; {RESTORE_HINT}", field="corpus")
    text = decoded.text
    used = "plain"
    if fmt == "aozora" or (fmt == "auto" and looks_like_aozora(text)):
        text = clean_aozora(text)
        used = "aozora"
        if not text.strip():
            raise UserError(f"{path}: nothing is left after Aozora cleaning; try --format plain", field="format")
    return TextDocument(text=text, source=str(path), encoding=decoded.encoding, format=used)


def text_files(folder: Path) -> list[Path]:
    """The text files of a folder (.txt, .txt.gz, .txt.xz), sorted, recursive."""
    files = sorted(p for p in folder.rglob("*") if is_text_file_name(p.name) and p.is_file())
    if not files:
        raise UserError(f"{folder} is a folder with no .txt files; point --corpus at a text file or a folder of .txt files", field="corpus")
    return files


def read_path(path: Path, encoding: str | None, fmt: str, checksums: Mapping[Path, str] | None = None) -> list[TextDocument]:
    """A file, or every text file of a folder (sorted, recursive); `checksums` by absolute path."""
    files = text_files(path) if path.is_dir() else [path]
    total = 0
    for file in files:
        try:
            total += file.stat().st_size
        except OSError:
            pass  # read_document reports it
    require_memory(total, str(path))
    checksums = checksums or {}
    return [read_document(p, encoding, fmt, sha256=checksums.get(p)) for p in files]


def _joined(docs: list[TextDocument]) -> str:
    """The documents' texts, one after another, each ending with exactly one newline."""
    return "\n".join(d.text.rstrip("\n") for d in docs) + "\n"


def read_whole_text(spec: str | Path, catalogue: dict[str, CatalogueEntry] | None = None) -> tuple[str, str]:
    """The whole text of a file, a folder of text files or a catalogue entry (its source files,
    checked like a corpus, unsplit), and a name for it: what `eval` scores as held-out text."""
    path = Path(spec).expanduser()
    entry = None
    if not path.exists():
        entry = (catalogue if catalogue is not None else load_catalogue()).get(str(spec))
    if entry is None:
        if path.is_dir():
            return _joined(read_path(path.resolve(), None, "auto")), str(spec)
        return read_document(path).text, str(spec)
    if entry.source.startswith("builtin:"):
        return load_builtin(entry.source[len("builtin:"):]), entry.name
    entry.require_available()
    docs = read_path(entry.path(entry.source), None, entry.format, entry.checksums)  # type: ignore[arg-type]
    return _joined(docs), entry.name


def split_text(text: str, fractions: tuple[float, float, float]) -> tuple[str, str, str]:
    """Contiguous train/valid/test parts, each cut at a line boundary when one is near."""
    if len(fractions) != 3 or any(f < 0 for f in fractions) or not 0.99 < sum(fractions) < 1.01:
        raise UserError(f"--split {fractions} must be three non-negative fractions that sum to 1, e.g. 0.9,0.05,0.05", field="split")
    if fractions[0] <= 0:
        raise UserError("--split needs a positive train fraction", field="split")
    n = len(text)

    def cut(at: int) -> int:
        if at <= 0 or at >= n:
            return max(0, min(at, n))
        newline = text.rfind("\n", max(0, at - 2000), at)
        return newline + 1 if newline >= 0 else at

    a = cut(round(n * fractions[0]))
    b = cut(round(n * (fractions[0] + fractions[1]))) if fractions[2] > 0 else n
    b = max(a, b)
    return text[:a], text[a:b], text[b:]


def _sha256(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def load_corpus(
    spec: str | None = None,
    *,
    encoding: str | None = None,
    fmt: str = "auto",
    valid: str | Path | None = None,
    test: str | Path | None = None,
    split: tuple[float, float, float] | None = None,
    catalogue: dict[str, CatalogueEntry] | None = None,
) -> LoadedCorpus:
    """Resolve `spec` (None → the built-in default) and return its split text."""
    spec = spec or DEFAULT_CORPUS
    entries = catalogue if catalogue is not None else load_catalogue()
    entry = entries.get(spec)
    suggested_level = suggested_tokenizer = None
    if entry is not None:
        suggested_level, suggested_tokenizer = entry.level, entry.tokenizer
        if fmt == "auto":
            fmt = entry.format
        valid = valid or entry.path(entry.valid)
        test = test or entry.path(entry.test)
        split = split or entry.split
        source = entry.source
        entry.require_available()
    else:
        source = spec
    checksums = entry.checksums if entry is not None else None
    if source.startswith("builtin:"):
        docs = [TextDocument(load_builtin(source[len("builtin:"):]), source, "utf-8", "plain")]
    else:
        path = Path(source).expanduser()
        if entry is not None:
            path = entry.path(source)  # type: ignore[assignment]
        if not path.exists():
            raise UserError(
                f"corpus {source!r} does not exist; give a text file, a folder of .txt files, "
                f"builtin:NAME, or a name from `lstm-tui corpora`",
                field="corpus",
            )
        docs = read_path(path.resolve(), encoding, fmt, checksums)
    text = _joined(docs)
    if not text.strip():
        raise UserError(f"corpus {spec!r} has no text (only whitespace); give a file with text in it", field="corpus")
    files = [d.source for d in docs]
    if valid is not None or test is not None:
        valid_docs = read_path(Path(valid).expanduser().resolve(), encoding, fmt, checksums) if valid else []
        test_docs = read_path(Path(test).expanduser().resolve(), encoding, fmt, checksums) if test else []
        train_text = text
        valid_text = "\n".join(d.text for d in valid_docs)
        test_text = "\n".join(d.text for d in test_docs)
        files += [d.source for d in valid_docs + test_docs]
    else:
        train_text, valid_text, test_text = split_text(text, split or DEFAULT_SPLIT)
    encodings = sorted({d.encoding for d in docs})
    formats = sorted({d.format for d in docs})
    return LoadedCorpus(
        name=spec,
        train=train_text,
        valid=valid_text,
        test=test_text,
        encoding=",".join(encodings),
        format=",".join(formats),
        sha256=_sha256(train_text, valid_text, test_text),
        files=files,
        suggested_level=suggested_level,
        suggested_tokenizer=suggested_tokenizer,
    )
