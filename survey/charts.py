"""Server-side chart geometry; templates/results/_charts.html draws it as inline SVG.

Only numbers are computed here: labels reach the page through Jinja's autoescaping, so a
label typed by staff (or an answer) can never become markup. No JavaScript, no CDN.
"""
from __future__ import annotations

from dataclasses import dataclass

#: drawing units of the SVG viewBox (the browser scales it to the page width)
WIDTH = 640
ROW = 26
GAP = 6
LABEL_SHARE = 0.42
VALUE_ROOM = 70
MAX_LABEL_CHARS = 42


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: its label, the value shown and its geometry."""

    label: str
    short_label: str
    display: str
    x: float
    y: float
    width: float
    height: float
    is_empty: bool

    @property
    def middle(self) -> float:
        """Vertical centre of the bar (where its texts sit)."""
        return self.y + self.height / 2


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart: bars share one scale from 0 to ``maximum``."""

    title: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: float
    maximum: float

    @property
    def value_x(self) -> float:
        """Where the value text of an empty bar starts."""
        return self.label_width + 4


def shorten(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    """*text* cut to *limit* characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def format_number(value: float | None, *, decimals: int = 1, percent: bool = False, empty: str = "—") -> str:
    """A number as shown on charts (Peruvian style is not forced: a dot, no thousands grouping)."""
    if value is None:
        return empty
    if percent:
        return f"{100 * value:.{decimals}f} %"
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.{decimals}f}"


def bar_chart(title: str, items: list[tuple[str, float | None]], *, maximum: float | None = None,
              percent: bool = False, displays: list[str] | None = None, empty: str = "—") -> BarChart:
    """Lay out *items* (label, value) as horizontal bars.

    :param maximum: the value of a full bar (default: the largest value, at least 1).
    :param percent: values are shares (0..1) shown as percentages.
    :param displays: texts shown after the bars instead of the formatted values.
    :param empty: what a missing value shows (its bar is not drawn).
    """
    values = [value for _, value in items if value is not None]
    top = maximum if maximum is not None else max([1.0, *values])
    label_width = WIDTH * LABEL_SHARE
    room = WIDTH - label_width - VALUE_ROOM
    bars = []
    for index, (label, value) in enumerate(items):
        length = 0.0 if value is None or top <= 0 else max(0.0, min(1.0, value / top)) * room
        shown = displays[index] if displays else format_number(value, percent=percent, empty=empty)
        bars.append(Bar(label=str(label), short_label=shorten(label), display=shown, x=label_width,
                        y=GAP + index * (ROW + GAP), width=round(length, 2), height=ROW, is_empty=value is None))
    height = GAP + len(bars) * (ROW + GAP)
    return BarChart(title=title, bars=tuple(bars), width=WIDTH, height=max(height, ROW + 2 * GAP),
                    label_width=label_width, maximum=top)


def grouped_items(categories: list[str],
                  series: list[tuple[str, list[float | None]]]) -> list[tuple[str, float | None]]:
    """Bars of several series side by side, category by category: ``(category · series, value)``.

    *series* is ``[(name, values)]`` with one value per category, e.g. the State's and civil
    society's index per axis; the bars of one category stay next to each other.
    """
    return [(f"{category} · {name}", values[index]) for index, category in enumerate(categories)
            for name, values in series]


def heat_class(value: float | None) -> str:
    """CSS class of a heat-map cell for an index 0..100 (five bands; none when empty)."""
    if value is None:
        return "heat-none"
    band = min(4, max(0, int(value // 20)))
    return f"heat-{band}"
