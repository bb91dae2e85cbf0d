"""The status line under the editor: which model predicts (its folder's name: `default`,
`default-ja`, a run's folder), how far it was trained, how much of the text it can read, and how
fast it answered.

It is one line at any width: when the full line does not fit, every part takes its short form
(`887k params` for `params 887,400`), then the least needed parts go (device, cache, parameters…),
so at 80 columns it still ends with the latency instead of being cut mid-number.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from lstm_tui.engine.data.textfile import neutralise
from lstm_tui.engine.inspect import Totals
from lstm_tui.tui import format as fmt
from lstm_tui.tui.live_model import LiveModel


SEPARATOR = " · "
KEEP = 99  # the priority of a part that is never dropped
SHORT_NAME = 24  # cells a model's name takes at most in the short line (80 columns)
INSPECT_PRIORITY = 8  # inspect mode's totals outlast the model's facts (the user asked for them)


@dataclass(frozen=True)
class StatusPart:
    """One part of the status line: its full and short forms, and how much it is needed."""

    full: tuple[Segment, ...]
    short: tuple[Segment, ...]
    priority: int  # parts with the lowest priority are dropped first when even the short forms do not fit

    @classmethod
    def of(cls, full: list[Segment], short: list[Segment] | None = None, priority: int = KEEP) -> "StatusPart":
        return cls(tuple(full), tuple(short if short is not None else full), priority)


def share(fraction: float) -> str:
    """A share as a whole percentage ("<1%" for a trace: never a misleading "0%")."""
    return "<1%" if 0 < fraction < 0.01 else f"{fraction:.0%}"


def short_count(value: int | None) -> str:
    """887k, 1.2M, 3k: a count to about two significant digits."""
    if value is None:
        return "?"
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if value >= size:
            scaled = value / size
            digits = f"{scaled:.1f}".removesuffix(".0") if scaled < 10 else f"{scaled:.0f}"
            return digits + unit
    return str(value)


def leading_cells(text: str, cells: int) -> str:
    """The longest start of `text` that takes at most `cells` terminal cells."""
    used = 0
    for index, char in enumerate(text):
        used += cell_len(char)
        if used > cells:
            return text[:index]
    return text


def short_name(name: str, width: int = SHORT_NAME) -> str:
    """`name` in at most `width` cells: its start and its end (a run folder's time) around an ellipsis."""
    if cell_len(name) <= width:
        return name
    start = leading_cells(name, (width - 1) // 2)
    end = leading_cells(name[::-1], width - 1 - cell_len(start))[::-1]
    return f"{start}…{end}"


def fit(parts: list[StatusPart], width: int, separator: Segment) -> list[Segment]:
    """The parts' segments for a line of `width` cells: full forms, else short forms, else fewer parts."""

    def length(forms: list[tuple[Segment, ...]]) -> int:
        return sum(s.cell_length for form in forms for s in form) + separator.cell_length * (len(forms) - 1)

    forms = [part.full for part in parts]
    if length(forms) > width:
        kept = list(parts)
        for weakest in sorted((p for p in parts if p.priority < KEEP), key=lambda p: p.priority):
            if length([p.short for p in kept]) <= width:
                break
            kept.remove(weakest)
        forms = [part.short for part in kept]
    segments: list[Segment] = []
    for index, form in enumerate(forms):
        if index:
            segments.append(separator)
        segments += form
    return segments


def totals_part(totals: Totals, label: Style, value: Style) -> StatusPart:
    """The text's total surprisal and its mean per token (per character for a character model)."""
    unit = "char" if totals.bits_per_char is not None else "token"
    mean = "-" if totals.bits_per_token is None else f"{totals.bits_per_token:.2f}"
    scoring = [Segment(f" (scoring, {totals.pending:,} left)", label)] if totals.pending else []
    short_scoring = [Segment("…", label)] if totals.pending else []
    return StatusPart.of(
        [Segment(f"{totals.bits:,.1f}", value), Segment(" bits · ", label), Segment(mean, value), Segment(f" bits/{unit}", label), *scoring],
        [Segment(f"{totals.bits:,.0f}", value), Segment(" bits ", label), Segment(mean, value), Segment(f" b/{unit}", label), *short_scoring],
        priority=INSPECT_PRIORITY)


class ModelStatus(Widget):
    """Model name, level, a training note, vocabulary, parameters, valid perplexity, device, the
    share of unknown tokens in the text, in inspect mode the text's bits, and the last latency."""

    DEFAULT_CSS = """
    ModelStatus { height: 1; }
    ModelStatus > .status--label { color: $text-muted; }
    """
    COMPONENT_CLASSES = {"status--label"}

    model: reactive[LiveModel | None] = reactive(None)
    """The loaded model (None: none loaded)."""
    latency_ms: reactive[float | None] = reactive(None)
    """Model time of the last keystroke in milliseconds."""
    unknown_share: reactive[float] = reactive(0.0)
    """Share of the text's tokens the model's vocabulary does not hold (shown when above 0)."""
    note: reactive[str] = reactive("")
    """A transient state shown first (loading…, following a paste…)."""
    inspect_totals: reactive[Totals | None] = reactive(None)
    """Inspect mode's surprisal of the whole text (None: inspect mode is off)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._model_parts: list[StatusPart] | None = None  # the parts that change only with the model
        self._head_length = 0  # how many of them come before the unknown share (name, level, training note)
        self._base = Style()
        self._label = Style()

    def watch_model(self) -> None:
        self._model_parts = None

    def notify_style_update(self) -> None:
        self._model_parts = None
        super().notify_style_update()

    def _describe_model(self, label: Style, base: Style) -> list[StatusPart]:
        model = self.model
        if model is None:
            return [StatusPart.of([Segment("no model loaded — F4 opens a run, F3 trains one", base)],
                                  [Segment("no model — F4 opens one, F3 trains one", base)])]
        name = neutralise(model.label).replace("\n", " ")
        tokenizer = "" if model.level == "char" else f"/{model.tokenizer}"
        bold = base + Style(bold=True)
        note = model.training_note()
        self._head_length = 3 if note else 2
        parts = [
            StatusPart.of([Segment("model ", label), Segment(name, bold)], [Segment(short_name(name), bold)]),
            StatusPart.of([Segment(f"{model.level}{tokenizer}", base)], priority=5),
            *([StatusPart.of([Segment(note, bold)], [Segment(model.training_note(short=True), bold)])] if note else []),
            StatusPart.of([Segment("vocab ", label), Segment(fmt.count(model.vocab_size), base)],
                          [Segment("vocab ", label), Segment(short_count(model.vocab_size), base)], priority=3),
            StatusPart.of([Segment("params ", label), Segment(fmt.count(model.parameters), base)],
                          [Segment(short_count(model.parameters), base), Segment(" params", label)], priority=2),
            StatusPart.of([Segment("valid ppl ", label), Segment(fmt.number(model.valid_perplexity), base)],
                          [Segment("ppl ", label), Segment(fmt.number(model.valid_perplexity), base)], priority=6),
            StatusPart.of([Segment("device ", label), Segment("cpu", base)], [Segment("cpu", base)], priority=0),
        ]
        if model.cache_size:  # suggestions also draw on the recent text (neural_cache)
            parts.insert(len(parts) - 1, StatusPart.of([Segment("cache ", label), Segment(fmt.count(model.cache_size), base)],
                                          [Segment("cache ", label), Segment(short_count(model.cache_size), base)], priority=1))
        return parts

    def render_line(self, y: int) -> Strip:
        """One line, fitted to the width (the model's parts cached): cheap enough for every key."""
        if self._model_parts is None:  # the styles are costly to look up: once per model or theme
            self._base = self.rich_style
            self._label = self._base + self.get_component_rich_style("status--label")
            self._model_parts = self._describe_model(self._label, self._base)
        base, label = self._base, self._label
        bold = base + Style(bold=True)
        width = self.size.width
        if y != 0:
            return Strip.blank(width, base)
        parts: list[StatusPart] = []
        if self.note:
            parts.append(StatusPart.of([Segment(self.note, bold)]))
        parts += self._model_parts
        if self.model is not None:
            if self.unknown_share > 0:  # early in the line: it explains suggestions that make no sense
                unknown = share(self.unknown_share)
                at = len(parts) - len(self._model_parts) + self._head_length
                parts.insert(at, StatusPart.of([Segment("unknown ", label), Segment(unknown, bold)],
                                               [Segment("unk ", label), Segment(unknown, bold)]))
            if self.inspect_totals is not None:
                parts.append(totals_part(self.inspect_totals, label, bold))
            latency = "-" if self.latency_ms is None else f"{self.latency_ms:.2f} ms"
            parts.append(StatusPart.of([Segment("latency ", label), Segment(latency, base)], [Segment(latency, base)]))
        return Strip(fit(parts, width, Segment(SEPARATOR, base))).crop_extend(0, width, base)

    def text(self) -> str:
        """The line as plain text (what the user reads; used by tests)."""
        return "".join(segment.text for segment in self.render_line(0)).rstrip()
