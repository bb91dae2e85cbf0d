"""The loss chart: training and validation loss as lines on labelled axes (drawn with textual-plotext).

The y axis shows the loss in nats or the perplexity, linear or logarithmic; the x axis steps or
tokens. The plot is rebuilt only when Textual paints it, so a chart on a hidden screen or tab costs
nothing, and its owner hands it new curves at most a few times a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Static
from textual_plotext import PlotextPlot

from lstm_tui.engine.runs.loss_history import MODEL_JSON_SOURCE, Curve, LossCurves

TRAIN_COLOR, VALID_COLOR = "blue+", "magenta+"  # plotext's names of ANSI 12 and 13: legible on 16 colours
LEGEND_STYLES = {TRAIN_COLOR: "bright_blue", VALID_COLOR: "bright_magenta"}  # the same colours for Rich
POINTS_PER_CELL = 4  # points drawn per column at most (braille has two dots a cell): more only costs time
KEYS = (("l", "log_scale", "Log scale"), ("p", "perplexity", "Loss/ppl"), ("x", "tokens", "Steps/tokens"))
"""The chart's toggles: key, setting, footer label (the run monitor and the models screen bind them)."""


def chart_bindings(action: str) -> list[Binding]:
    """Bindings for the chart's keys, each calling `action('<setting>')`; the footer shows the log
    scale's (the help lists all three)."""
    return [Binding(key, f"{action}('{setting}')", label, show=setting == "log_scale") for key, setting, label in KEYS]


@dataclass(frozen=True)
class Series:
    """One line as drawn: its name, colour, and points (x in steps or tokens, y in loss or perplexity)."""

    name: str
    color: str
    xs: list[float]
    ys: list[float]


def nice_step(span: float, count: int, whole: bool = False) -> float:
    """A round tick spacing (1, 2, 2.5 or 5 × 10^k; at least 1 where `whole`) that cuts `span` into
    about `count` parts."""
    raw = max(span / max(count, 1), 1.0 if whole else 0.0)
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def nice_ticks(low: float, high: float, count: int, log: bool = False, whole: bool = False) -> list[float]:
    """Round values between `low` and `high`, about `count` of them (1-2-5 steps on a wide log axis;
    whole numbers only where `whole`, as steps and tokens are)."""
    if not high > low:
        return [low]
    if log and low > 0 and high / low > 10:
        ticks = [m * 10.0**k for k in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1) for m in (1, 2, 5)]
        return [t for t in ticks if low <= t <= high]
    for parts in (count, count * 2, count * 4):  # at least two ticks, so the axis has a scale
        step = nice_step(high - low, parts, whole)
        first = math.ceil(low / step - 1e-9)
        ticks = [round(i * step, 12) for i in range(first, math.floor(high / step + 1e-9) + 1)]
        if len(ticks) >= 2:
            return ticks
    return [low, high]


def tick_labels(ticks: list[float]) -> list[str]:
    """Short axis labels in one unit for the whole axis: `0.5 1 1.5`, `500 1000 1500`, `5k 10k 15k`, `1.2M`."""
    top = max(abs(t) for t in ticks)
    for above, unit, suffix in ((1e9, 1e9, "G"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if top >= above:
            return [f"{t / unit:.3g}{suffix}" if t else "0" for t in ticks]
    spacing = min((b - a for a, b in zip(ticks, ticks[1:])), default=top) or 1.0
    decimals = max(0, math.ceil(-math.log10(spacing) - 1e-9))  # enough to tell neighbouring ticks apart,
    while decimals < 6 and any(abs(round(t, decimals) - t) > 1e-9 for t in ticks):  # and to show each exactly
        decimals += 1
    return [f"{t:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{t:.0f}" for t in ticks]


def thinned(xs: list[float], ys: list[float], most: int) -> tuple[list[float], list[float]]:
    """At most `most` points, evenly strided, the last one kept."""
    if len(xs) <= most:
        return xs, ys
    stride = math.ceil(len(xs) / most)
    keep = list(range(0, len(xs), stride))
    if keep[-1] != len(xs) - 1:
        keep.append(len(xs) - 1)
    return [xs[i] for i in keep], [ys[i] for i in keep]


class LossPlot(PlotextPlot):
    """The plot area: builds its figure from the chart's series when it is painted."""

    def render(self) -> RenderResult:
        chart = self.parent
        assert isinstance(chart, LossChart)
        series = chart.series()
        if not series:
            return Text("no losses recorded yet", style="dim", justify="center")
        self._draw(chart, series)
        return super().render()

    def _draw(self, chart: LossChart, series: list[Series]) -> None:
        plt = self.plt
        plt.clear_figure()
        most = max(self.size.width, 10) * POINTS_PER_CELL
        for line in series:
            xs, ys = thinned(line.xs, line.ys, most)
            plt.plot(xs, ys, color=line.color, marker="braille" if len(xs) > 1 else "•")
        plt.xaxes(True, False)
        plt.yaxes(True, False)
        plt.xlabel(chart.x_label)
        plt.ylabel(chart.y_label)
        if chart.log_scale:
            plt.yscale("log")
        xs = [x for line in series for x in line.xs]
        ys = [y for line in series for y in line.ys]
        x_ticks = nice_ticks(min(xs), max(xs), max(2, self.size.width // 12), whole=True)
        y_ticks = nice_ticks(min(ys), max(ys), max(2, (self.size.height - 3) * 2 // 3), log=chart.log_scale)
        plt.xticks(x_ticks, tick_labels(x_ticks))
        plt.yticks(y_ticks, tick_labels(y_ticks))


class LossChart(Widget):
    """Training and validation loss of one run (`show` hands it the curves), with a one-line legend."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.curves = LossCurves()
        """The curves on display."""
        self.log_scale = False
        """A logarithmic y axis."""
        self.perplexity = False
        """Perplexity (e^loss) on the y axis instead of the loss in nats."""
        self.tokens = False
        """Tokens seen on the x axis instead of steps (where the run says how many tokens a step takes)."""

    def compose(self) -> ComposeResult:
        yield Static("", classes="chart-legend")
        yield LossPlot()

    def on_mount(self) -> None:
        self._show_legend()

    def show(self, curves: LossCurves) -> None:
        """Draw `curves` (the plot is rebuilt when it is next painted)."""
        self.curves = curves
        self._redraw()

    def toggle(self, setting: str) -> None:
        """Flip one of `KEYS`' settings; tokens only where the run says how many tokens a step takes."""
        if setting == "tokens" and not self.tokens and not self.curves.tokens_per_step:
            self.notify("this run does not record how many tokens a step trains on", severity="warning", markup=False)
            return
        setattr(self, setting, not getattr(self, setting))
        self._redraw()

    @property
    def x_label(self) -> str:
        """The x axis's label."""
        return "tokens" if self._use_tokens else "step"

    @property
    def y_label(self) -> str:
        """The y axis's label."""
        what = "perplexity" if self.perplexity else "loss (nats)"
        return f"{what}, log scale" if self.log_scale else what

    @property
    def _use_tokens(self) -> bool:
        return self.tokens and bool(self.curves.tokens_per_step)

    def series(self) -> list[Series]:
        """The lines to draw, in the current units (a curve with no points is left out)."""
        per_step = self.curves.tokens_per_step if self._use_tokens else 1.0
        lines = []
        for name, color, curve in (("train", TRAIN_COLOR, self.curves.train), ("valid", VALID_COLOR, self.curves.valid)):
            if curve:
                xs = [step * per_step for step in curve.steps]
                lines.append(Series(name, color, xs, [self._y(loss) for loss in curve.losses]))
        return lines

    def _y(self, loss: float) -> float:
        return math.exp(min(loss, 700.0)) if self.perplexity else loss

    def _redraw(self) -> None:
        if self.is_mounted:
            self._show_legend()
            self.query_one(LossPlot).refresh()

    def _show_legend(self) -> None:
        """`━ train 1.234  ━ valid 1.456` (the latest values, in the y axis's unit) and where they come from."""
        parts: list[tuple[str, str] | str] = []
        for name, color, curve in (("train", TRAIN_COLOR, self.curves.train), ("valid", VALID_COLOR, self.curves.valid)):
            value = f"{self._y(curve.losses[-1]):.3f}" if curve else "-"
            parts += [("━━ ", LEGEND_STYLES[color]), f"{name} ", (value, "bold"), "   "]
        unit = "perplexity" if self.perplexity else "loss"
        parts.append((f"{unit}{' · recorded in model.json' if self.curves.source == MODEL_JSON_SOURCE else ''}", "dim"))
        self.query_one(".chart-legend", Static).update(Text.assemble(*parts))
