"""The one chart helper of reports and training: headless figures, percent axes and text, PNG data URIs.

Figures are drawn on their own Agg canvas, never through pyplot's global state, so they render in a server
thread and in a batch job alike. Labels are data (a campaign may be called "$x$"): drawn as plain text.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WON, LEADS, LOST, ALERT = "#2e7d32", "#90a4ae", "#c62828", "#ef6c00"


def percent(share: float | None, digits: int = 1) -> str:
    """A share (0..1) as a percentage, '12.5 %'; a dash when there is none."""
    return "–" if share is None else f"{100 * share:.{digits}f} %"


def figure(width: float = 6.0, height: float = 4.5) -> Figure:
    """A figure on its own Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    drawn = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(drawn)
    return drawn


def percent_axis(axes: Axes, which: Literal["x", "y"] = "y", digits: int = 0,
                 written: Callable[[float, int], str] = percent) -> None:
    """Label an axis that plots shares (0..1) in percent: 0 %, 25 %, ... (`written` words a share)."""
    from matplotlib.ticker import FuncFormatter

    formatter = FuncFormatter(lambda value, _position: written(value, digits))
    (axes.xaxis if which == "x" else axes.yaxis).set_major_formatter(formatter)


def data_uri(drawn: Figure) -> str:
    """The figure as a base64 PNG data URI, so a page needs no side files."""
    buffer = io.BytesIO()
    drawn.savefig(buffer, format="png", dpi=96)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@contextmanager
def plain_text() -> Iterator[None]:
    """Draw every label as plain text: group names are data, never parsed as TeX."""
    import matplotlib

    with matplotlib.rc_context({"text.parse_math": False}):
        yield


def rendered(draw: dict[str, Callable[[], Figure | None]]) -> dict[str, str | None]:
    """Each named chart as a data URI, or None where there is nothing to draw (the page says so in words)."""
    with plain_text():
        charts = {name: make() for name, make in draw.items()}
        return {name: None if drawn is None else data_uri(drawn) for name, drawn in charts.items()}
