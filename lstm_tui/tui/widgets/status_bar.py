"""The status line under the editor: which model is loaded and how fast it answered."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from lstm_tui.engine.textfile import neutralise
from lstm_tui.tui import format as fmt
from lstm_tui.tui.prediction import LiveModel


class ModelStatus(Widget):
    """Model name, level, vocabulary, parameters, valid perplexity, device and last latency."""

    DEFAULT_CSS = """
    ModelStatus { height: 1; }
    ModelStatus > .status--label { color: $text-muted; }
    """
    COMPONENT_CLASSES = {"status--label"}

    model: reactive[LiveModel | None] = reactive(None)
    """The loaded model (None: none loaded)."""
    latency_ms: reactive[float | None] = reactive(None)
    """Model time of the last keystroke in milliseconds."""
    note: reactive[str] = reactive("")
    """A transient state shown first (loading…, following a paste…)."""

    def render(self) -> Text:
        label = self.get_component_rich_style("status--label")
        parts: list[Text] = []
        if self.note:
            parts.append(Text(self.note, style="bold"))
        model = self.model
        if model is None:
            parts.append(Text("no model loaded — F4 opens a run, F3 trains one"))
        else:
            name = neutralise(model.name).replace("\n", " ")
            tokenizer = "" if model.level == "char" else f"/{model.tokenizer}"
            parts += [
                Text.assemble(("model ", label), (name, "bold")),
                Text(f"{model.level}{tokenizer}"),
                Text.assemble(("vocab ", label), fmt.count(model.vocab_size)),
                Text.assemble(("params ", label), fmt.count(model.parameters)),
                Text.assemble(("valid ppl ", label), fmt.number(model.valid_perplexity)),
                Text.assemble(("device ", label), "cpu"),
            ]
            latency = "-" if self.latency_ms is None else f"{self.latency_ms:.2f} ms"
            parts.append(Text.assemble(("latency ", label), latency))
        return Text(" · ").join(parts)
