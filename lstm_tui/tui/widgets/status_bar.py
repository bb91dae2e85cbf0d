"""The status line under the editor: which model is loaded, how far it was trained, how much of
the text it can read, and how fast it answered."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from lstm_tui.engine.data.textfile import neutralise
from lstm_tui.tui import format as fmt
from lstm_tui.tui.live_model import LiveModel


SEPARATOR = " · "


def share(fraction: float) -> str:
    """A share as a whole percentage ("<1%" for a trace: never a misleading "0%")."""
    return "<1%" if 0 < fraction < 0.01 else f"{fraction:.0%}"


class ModelStatus(Widget):
    """Model name, level, a training note, vocabulary, parameters, valid perplexity, device, the
    share of unknown tokens in the text and the last latency."""

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

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._model_segments: list[Segment] | None = None  # the part that changes only with the model
        self._head_length = 0  # its segments up to the training note: the unknown share follows them
        self._base = Style()
        self._label = Style()

    def watch_model(self) -> None:
        self._model_segments = None

    def notify_style_update(self) -> None:
        self._model_segments = None
        super().notify_style_update()

    def _describe_model(self, label: Style, base: Style) -> list[Segment]:
        model = self.model
        if model is None:
            return [Segment("no model loaded — F4 opens a run, F3 trains one", base)]
        name = neutralise(model.name).replace("\n", " ")
        tokenizer = "" if model.level == "char" else f"/{model.tokenizer}"
        note = model.training_note()
        head = [
            [("model ", label), (name, base + Style(bold=True))],
            [(f"{model.level}{tokenizer}", base)],
            *([[(note, base + Style(bold=True))]] if note else []),
        ]
        tail = [
            [("vocab ", label), (fmt.count(model.vocab_size), base)],
            [("params ", label), (fmt.count(model.parameters), base)],
            [("valid ppl ", label), (fmt.number(model.valid_perplexity), base)],
            [("device ", label), ("cpu", base)],
        ]
        if model.cache_size:  # suggestions also draw on the recent text (neural_cache)
            tail.insert(3, [("cache ", label), (fmt.count(model.cache_size), base)])
        segments: list[Segment] = []
        for part in head:
            segments += [Segment(text, style) for text, style in part] + [Segment(SEPARATOR, base)]
        self._head_length = len(segments)
        for part in tail:
            segments += [Segment(text, style) for text, style in part] + [Segment(SEPARATOR, base)]
        return segments

    def render_line(self, y: int) -> Strip:
        """One line, built from segments (the model's part cached): cheap enough for every key."""
        if self._model_segments is None:  # the styles are costly to look up: once per model or theme
            self._base = self.rich_style
            self._label = self._base + self.get_component_rich_style("status--label")
            self._model_segments = self._describe_model(self._label, self._base)
        base, label = self._base, self._label
        if y != 0:
            return Strip.blank(self.size.width, base)
        segments: list[Segment] = []
        if self.note:
            segments += [Segment(self.note, base + Style(bold=True)), Segment(SEPARATOR, base)]
        segments += self._model_segments
        if self.model is not None:
            if self.unknown_share > 0:  # early in the line: it explains suggestions that make no sense
                at = len(segments) - len(self._model_segments) + self._head_length
                segments[at:at] = [Segment("unknown ", label), Segment(share(self.unknown_share), base + Style(bold=True)), Segment(SEPARATOR, base)]
            latency = "-" if self.latency_ms is None else f"{self.latency_ms:.2f} ms"
            segments += [Segment("latency ", label), Segment(latency, base)]
        elif segments:
            segments = segments[:-1] if segments[-1].text == SEPARATOR else segments
        return Strip(segments).crop_extend(0, self.size.width, base)

    def text(self) -> str:
        """The line as plain text (what the user reads; used by tests)."""
        return "".join(segment.text for segment in self.render_line(0)).rstrip()
