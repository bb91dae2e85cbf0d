"""What the train screen says about a chosen corpus: size, encoding, format and a safe preview.

Reading uses the engine's own readers (`read_document`: decoding and Aozora cleaning), so what is
shown is what training will see — totals over every file of a folder, and the cleaned text of an
Aozora Bunko file (its raw text too, for a look at what cleaning removed); every problem is the
engine's one-line `UserError`.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lstm_tui.engine.data.builtin_corpora import load_builtin
from lstm_tui.engine.data.catalogue import CatalogueEntry
from lstm_tui.engine.data.corpus import DEFAULT_SPLIT, read_document
from lstm_tui.engine.data.textfile import is_text_file_name, neutralise, read_text_file
from lstm_tui.engine.data.tokenizers import make_tokenizer, resolve_tokenizer_name
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.train.config import RunConfig

PREVIEW_LINES = 20
PREVIEW_LINE_CHARS = 300
FOLDER_FILE_LIMIT = 10_000  # stop counting a folder's .txt files here
FOLDER_READ_BYTES = 32_000_000  # read a folder's files up to this much for its totals (a big folder is scaled)
SAMPLE_CHARS = 20_000  # of the training text, to estimate its word tokens


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
    """Detected encoding(s) of its files."""
    format: str
    """plain or aozora (detected), or how many files of each in a mixed folder."""
    chars: int
    """Characters training reads, over all files (after Aozora cleaning)."""
    lines: int
    """Lines training reads, over all files."""
    distinct_chars: int
    """Different characters over all files (a character model's vocabulary is these and <unk>)."""
    preview: str
    """The first lines of the text training reads, neutralised."""
    raw_preview: str = ""
    """The first lines of the file as it is, when cleaning changed them (Aozora Bunko), neutralised."""
    sample: str = ""
    """The start of the text training reads (not neutralised: only counted, never shown)."""
    counted_share: float = 1.0
    """The share of the bytes that `chars` and `lines` count (less than 1 for a very big folder)."""
    notes: tuple[str, ...] = ()
    """Extra remarks (BOM, CRLF, description, truncated count)."""
    suggested: dict[str, str] = field(default_factory=dict)
    """A catalogue entry's suggested training options (`CatalogueEntry.option_defaults`)."""


def preview_of(text: str) -> str:
    """The first lines of `text`, each cut to a sane length, neutralised for the terminal."""
    lines = [line[:PREVIEW_LINE_CHARS] for line in itertools.islice(text.split("\n", PREVIEW_LINES), PREVIEW_LINES)]
    return neutralise("\n".join(lines))


def _line_count(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def _summary(counts: Counter) -> str:
    """One value, or each with its number of files."""
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{value} ({n:,} file{'' if n == 1 else 's'})" for value, n in counts.most_common())


def _describe_texts(spec: str, title: str, texts: list[str], raw: str, size_bytes: int, encodings: Counter,
                    formats: Counter, notes: list[str]) -> CorpusFacts:
    """Facts over the training texts of every file (`raw`: the first file before cleaning)."""
    first = texts[0]
    distinct: set[str] = set()
    for text in texts:
        distinct.update(text)
    preview = preview_of(first)
    raw_preview = preview_of(raw)
    return CorpusFacts(
        spec=spec,
        title=neutralise(title),
        size_bytes=size_bytes,
        files=len(texts),
        encoding=_summary(encodings),
        format=_summary(formats),
        chars=sum(map(len, texts)),
        lines=sum(map(_line_count, texts)),
        distinct_chars=len(distinct),
        preview=preview,
        raw_preview=raw_preview if raw_preview != preview else "",
        sample=first[:SAMPLE_CHARS],
        notes=tuple(neutralise(n) for n in notes),
    )


def _describe_builtin(spec: str, title: str, name: str) -> CorpusFacts:
    text = load_builtin(name)
    return _describe_texts(spec, title, [text], text, len(text.encode("utf-8")), Counter(["utf-8"]), Counter(["plain"]), [])


def _describe_path(spec: str, path: Path, title: str | None = None) -> CorpusFacts:
    if path.is_dir():
        files = sorted(itertools.islice((p for p in path.rglob("*") if is_text_file_name(p.name) and p.is_file()), FOLDER_FILE_LIMIT))
        if not files:
            raise UserError(f"{neutralise(str(path))} is a folder with no .txt files; choose a text file or a folder of .txt files")
        notes = [f"totals over its {len(files):,} .txt files; preview of the first, {neutralise(files[0].name)}"]
        if len(files) == FOLDER_FILE_LIMIT:
            notes.append(f"counted the first {FOLDER_FILE_LIMIT:,} files only")
        sizes = [p.stat().st_size for p in files]
        kept = 1
        while kept < len(files) and sum(sizes[: kept + 1]) <= FOLDER_READ_BYTES:
            kept += 1
        if kept < len(files):
            notes.append(f"characters and lines of the first {kept:,} files only ({sum(sizes[:kept]) / 1e6:.0f} MB)")
        size, share = sum(sizes), sum(sizes[:kept]) / max(1, sum(sizes))
        files = files[:kept]
        raw = None
    else:
        files, notes = [path], []
        decoded = read_text_file(path)
        raw = decoded.text
        size, share = path.stat().st_size, 1.0
        if decoded.had_bom:
            notes.append("has a byte-order mark (removed)")
        if decoded.had_crlf:
            notes.append("CR/CRLF line ends (normalised)")
    documents = [read_document(p) for p in files]
    if raw is None:
        raw = read_text_file(files[0]).text if documents[0].format == "aozora" else documents[0].text
    facts = _describe_texts(spec, title or path.name, [d.text for d in documents], raw, size,
                            Counter(d.encoding for d in documents), Counter(d.format for d in documents), notes)
    return CorpusFacts(**{**facts.__dict__, "counted_share": share})


def describe_corpus(spec: str, catalogue: dict[str, CatalogueEntry]) -> CorpusFacts:
    """Facts about a path, a builtin:NAME or a catalogue name (raises UserError when unusable)."""
    spec = spec.strip()
    if not spec:
        raise UserError("no corpus chosen; pick a file, a folder of .txt files or a catalogue entry")
    entry = catalogue.get(spec)
    if entry is not None:
        entry.require_available()
        if entry.source.startswith("builtin:"):
            facts = _describe_builtin(spec, spec, entry.source[len("builtin:") :])
        else:
            facts = _describe_path(spec, entry.path(entry.source), title=spec)  # type: ignore[arg-type]
        notes = (neutralise(entry.description), *facts.notes) if entry.description else facts.notes
        return CorpusFacts(**{**facts.__dict__, "notes": notes, "suggested": entry.option_defaults()})
    if spec.startswith("builtin:"):
        return _describe_builtin(spec, spec, spec[len("builtin:") :])
    path = Path(spec).expanduser()
    if not path.exists():
        raise UserError(
            f"{neutralise(spec)} does not exist; give a text file, a folder of .txt files, builtin:NAME or a catalogue name"
        )
    return _describe_path(str(path.resolve()), path.resolve())


def epoch_tokens(facts: CorpusFacts, run: RunConfig) -> tuple[int, int]:
    """(tokens an epoch trains on, vocabulary size) of the corpus under `run`'s level and tokenizer:
    counted for characters, scaled from the sample for words (a UserError when the tokenizer
    cannot be made, e.g. MeCab missing)."""
    share = (run.split or DEFAULT_SPLIT)[0]
    cap = run.effective_vocab_size
    if run.level == "char":
        vocab = facts.distinct_chars + 1
        return int(facts.chars / facts.counted_share * share), min(vocab, cap) if cap else vocab
    tokenizer = make_tokenizer(resolve_tokenizer_name(run.level, run.tokenizer, facts.sample))
    lines = facts.sample.split("\n")
    tokens = [token for line in lines for token in tokenizer.tokenize(line)]
    per_char = (len(tokens) + len(lines)) / max(1, len(facts.sample))  # a line ends in <eos>
    vocab = len(set(tokens)) + 2 if facts.chars <= len(facts.sample) else (cap or len(set(tokens)) + 2)
    return int(facts.chars / facts.counted_share * per_char * share), min(vocab, cap) if cap else vocab
