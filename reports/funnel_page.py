"""The funnel report as one self-contained HTML page (tables and PNG plots inlined) plus its JSON.

A pure function of the Funnel: the CLI writes it as a batch job and the serving app serves the same page.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from reports.charts import LEADS, WON, figure, percent_axis, rendered
from reports.funnel import Funnel, Outcomes
from reports.render import report_template

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

JSON_NAME, HTML_NAME = "funnel.json", "funnel.html"


# --- plots --------------------------------------------------------------------------------------


def win_rate_plot(rows: Sequence[Outcomes], title: str, horizontal: bool = False) -> Figure:
    """Win rate per group as bars, each labelled won/closed; a group with nothing closed shows n/a."""
    drawn = figure(6.5, max(2.5, 0.35 * len(rows) + 1.2) if horizontal else 3.6)
    axes = drawn.add_subplot()
    keys = [row.shown for row in rows]
    rates = [row.win_rate or 0.0 for row in rows]
    bars = (axes.barh if horizontal else axes.bar)(keys, rates, color=WON)
    labels = [f"{row.won:,}/{row.closed:,}" if row.closed else "n/a" for row in rows]
    axes.bar_label(bars, labels=labels, padding=2, fontsize=8)
    if horizontal:
        axes.invert_yaxis()  # most leads at the top, as in the table
        axes.set_xlabel("win rate = won / (won + lost)")
    else:
        axes.set_ylabel("win rate = won / (won + lost)")
    percent_axis(axes, "x" if horizontal else "y")
    axes.set_title(title)
    _headroom(axes, max(rates, default=0.0), horizontal, 0.05)
    return drawn


def _headroom(axes: Axes, top: float, horizontal: bool, least: float = 1.0) -> None:
    """Leave room for the bar labels."""
    limit = max(top * 1.25, least)
    (axes.set_xlim if horizontal else axes.set_ylim)(0, limit)


def rule_cost_plot(funnel: Funnel) -> Figure:
    """Per rule: leads caught (left) and the won deals among them (right), the rule's cost."""
    rules = funnel.rules
    drawn = figure(8.0, max(2.5, 0.4 * len(rules) + 1.2))
    caught_axes, won_axes = drawn.subplots(1, 2, sharey=True)
    ids = [rule.id for rule in rules]
    caught = caught_axes.barh(ids, [rule.caught for rule in rules], color=LEADS)
    won = won_axes.barh(ids, [rule.outcomes.won for rule in rules], color=WON)
    caught_axes.bar_label(caught, fmt="{:,.0f}", padding=2, fontsize=8)
    won_axes.bar_label(won, fmt="{:,.0f}", padding=2, fontsize=8)
    caught_axes.invert_yaxis()
    caught_axes.set(title="leads caught", xlabel="leads")
    won_axes.set(title="won deals among them", xlabel="won deals")
    _headroom(caught_axes, max((r.caught for r in rules), default=0), True)
    _headroom(won_axes, max((r.outcomes.won for r in rules), default=0), True)
    drawn.suptitle("What each agreed rule caught, and what it cost")
    return drawn


def calibration_plot(funnel: Funnel) -> Figure:
    """Mean predicted P(won) against the actual win rate per grade band, with the diagonal."""
    drawn = figure(5.0, 4.5)
    axes = drawn.add_subplot()
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="promise kept")
    bands = [band for band in funnel.calibration if band.leads]
    x = [band.mean_probability or 0.0 for band in bands]
    y = [band.win_rate or 0.0 for band in bands]
    axes.plot(x, y, marker="o", color=WON, label="grade bands")
    for band, px, py in zip(bands, x, y, strict=True):
        axes.annotate(f"{band.grade} (n={band.leads:,})", (px, py), textcoords="offset points",
                      xytext=(5, -12), fontsize=8)
    top = min(1.0, max([*x, *y, 0.1]) * 1.15)
    axes.set(xlim=(0, top), ylim=(0, top), xlabel="mean predicted P(won)", ylabel="actual win rate",
             title="Grade calibration (closed leads)")
    percent_axis(axes, "x")
    percent_axis(axes, "y")
    axes.legend(loc="upper left")
    return drawn


def report_figures(funnel: Funnel) -> dict[str, str | None]:
    """Every plot of the report as a data URI, by name; None for a plot with nothing to show."""
    closed = funnel.total.closed > 0
    return rendered({
        "grade": lambda: win_rate_plot(funnel.by_grade, "Win rate by grade") if closed else None,
        "source": lambda: win_rate_plot(funnel.by_source, "Win rate by lead source", horizontal=True)
        if closed else None,
        "campaign": lambda: win_rate_plot(funnel.by_campaign, "Win rate by campaign", horizontal=True)
        if closed else None,
        "rules": lambda: rule_cost_plot(funnel) if funnel.rules else None,
        "calibration": lambda: calibration_plot(funnel) if any(b.leads for b in funnel.calibration) else None,
    })


# --- page ---------------------------------------------------------------------------------------


def count(value: int) -> str:
    """A count with thousands separators."""
    return f"{value:,}"


def render_report(funnel: Funnel, title: str = "Lead funnel: closed-loop report",
                  generated: dt.datetime | None = None) -> str:
    """The whole report as one HTML page."""
    generated = generated or dt.datetime.now(dt.UTC)
    return report_template("funnel.html").render(
        title=title, funnel=funnel, figures=report_figures(funnel),
        period=_period(funnel), generated=generated.strftime("%Y-%m-%d %H:%M %Z").strip(),
        breakdowns=[("Lead source", funnel.by_source, "source"),
                    ("Campaign", funnel.by_campaign, "campaign")],
    )


def _period(funnel: Funnel) -> str:
    start = funnel.start.date().isoformat() if funnel.start else "the first lead"
    end = f"before {funnel.end.date().isoformat()}" if funnel.end else "the last lead"
    return f"from {start} to {end}"


def report_json(funnel: Funnel) -> str:
    """The report's figures as JSON text (strict: a NaN would be an error, not invalid JSON)."""
    return json.dumps(funnel.to_dict(), indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def write_report(funnel: Funnel, folder: Path) -> tuple[Path, Path]:
    """Write funnel.json and funnel.html into a folder (created if needed); returns both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path, html_path = folder / JSON_NAME, folder / HTML_NAME
    json_path.write_text(report_json(funnel), encoding="utf-8")
    html_path.write_text(render_report(funnel), encoding="utf-8")
    return json_path, html_path


