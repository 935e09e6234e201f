"""The marketing report as one self-contained HTML page (tables and PNG plots inlined) plus its JSON.

It lives in models, beside the Funnel it renders, because it is a pure function of that Funnel: the CLI
writes it as a batch job today and the serving app can serve the same page later (serving may import
models, never the reverse), without the CLI depending on the web package.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from models.funnel import Funnel, Outcomes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

JSON_NAME, HTML_NAME = "funnel.json", "funnel.html"
WON_COLOUR, LEAD_COLOUR = "#2e7d32", "#90a4ae"


# --- plots --------------------------------------------------------------------------------------


def _figure(width: float, height: float) -> Figure:
    """A figure on its own Agg canvas: renders headless without touching pyplot's global state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def png_data_uri(figure: Figure) -> str:
    """The figure as a base64 PNG data URI, so the page needs no side files."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=96)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def win_rate_plot(rows: Sequence[Outcomes], title: str, horizontal: bool = False) -> Figure:
    """Win rate per group as bars, each labelled won/closed; a group with nothing closed shows n/a."""
    figure = _figure(6.5, max(2.5, 0.35 * len(rows) + 1.2) if horizontal else 3.6)
    axes = figure.add_subplot()
    keys = [row.key for row in rows]
    rates = [100 * (row.win_rate or 0.0) for row in rows]
    bars = (axes.barh if horizontal else axes.bar)(keys, rates, color=WON_COLOUR)
    labels = [f"{row.won:,}/{row.closed:,}" if row.closed else "n/a" for row in rows]
    axes.bar_label(bars, labels=labels, padding=2, fontsize=8)
    if horizontal:
        axes.invert_yaxis()  # most leads at the top, as in the table
        axes.set_xlabel("win rate (%) = won / (won + lost)")
    else:
        axes.set_ylabel("win rate (%) = won / (won + lost)")
    axes.set_title(title)
    _headroom(axes, max(rates, default=0.0), horizontal)
    return figure


def _headroom(axes: Axes, top: float, horizontal: bool) -> None:
    """Leave room for the bar labels."""
    limit = max(top * 1.25, 1.0)
    (axes.set_xlim if horizontal else axes.set_ylim)(0, limit)


def rule_cost_plot(funnel: Funnel) -> Figure:
    """Per rule: leads caught (left) and the won deals among them (right), the rule's cost."""
    rules = funnel.rules
    figure = _figure(8.0, max(2.5, 0.4 * len(rules) + 1.2))
    caught_axes, won_axes = figure.subplots(1, 2, sharey=True)
    ids = [rule.id for rule in rules]
    caught = caught_axes.barh(ids, [rule.caught for rule in rules], color=LEAD_COLOUR)
    won = won_axes.barh(ids, [rule.outcomes.won for rule in rules], color=WON_COLOUR)
    caught_axes.bar_label(caught, fmt="{:,.0f}", padding=2, fontsize=8)
    won_axes.bar_label(won, fmt="{:,.0f}", padding=2, fontsize=8)
    caught_axes.invert_yaxis()
    caught_axes.set(title="leads caught", xlabel="leads")
    won_axes.set(title="won deals among them", xlabel="won deals")
    _headroom(caught_axes, max((r.caught for r in rules), default=0), True)
    _headroom(won_axes, max((r.outcomes.won for r in rules), default=0), True)
    figure.suptitle("What each agreed rule caught, and what it cost")
    return figure


def calibration_plot(funnel: Funnel) -> Figure:
    """Mean predicted P(won) against the actual win rate per grade band, with the diagonal."""
    figure = _figure(5.0, 4.5)
    axes = figure.add_subplot()
    axes.plot([0, 100], [0, 100], linestyle="--", color="grey", label="promise kept")
    bands = [band for band in funnel.calibration if band.leads]
    x = [100 * (band.mean_probability or 0.0) for band in bands]
    y = [100 * (band.win_rate or 0.0) for band in bands]
    axes.plot(x, y, marker="o", color=WON_COLOUR, label="grade bands")
    for band, px, py in zip(bands, x, y, strict=True):
        axes.annotate(f"{band.grade} (n={band.leads:,})", (px, py), textcoords="offset points",
                      xytext=(5, -12), fontsize=8)
    top = max([*x, *y, 10.0]) * 1.15
    axes.set(xlim=(0, top), ylim=(0, top), xlabel="mean predicted P(won) (%)", ylabel="actual win rate (%)",
             title="Grade calibration (closed leads)")
    axes.legend(loc="upper left")
    return figure


def report_figures(funnel: Funnel) -> dict[str, str]:
    """Every plot of the report as a data URI, by name."""
    import matplotlib

    # Group names are data (a lead source may be "$\\undefined{x}$"): drawn as plain text, never parsed as TeX.
    with matplotlib.rc_context({"text.parse_math": False}):
        return _figures(funnel)


def _figures(funnel: Funnel) -> dict[str, str]:
    figures = {
        "grade": win_rate_plot(funnel.by_grade, "Win rate by grade"),
        "source": win_rate_plot(funnel.by_source, "Win rate by lead source", horizontal=True),
        "campaign": win_rate_plot(funnel.by_campaign, "Win rate by campaign", horizontal=True),
        "rules": rule_cost_plot(funnel),
        "calibration": calibration_plot(funnel),
    }
    return {name: png_data_uri(figure) for name, figure in figures.items()}


# --- page ---------------------------------------------------------------------------------------


def percent(value: float | None, digits: int = 1) -> str:
    """A share as a percentage; a dash when there is none."""
    return "–" if value is None else f"{100 * value:.{digits}f} %"


def count(value: int) -> str:
    """A count with thousands separators."""
    return f"{value:,}"


@cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                                     trim_blocks=True, lstrip_blocks=True)
    environment.filters.update(percent=percent, count=count)
    return environment.from_string(TEMPLATE)


def render_report(funnel: Funnel, title: str = "Lead funnel: closed-loop report",
                  generated: dt.datetime | None = None) -> str:
    """The whole report as one HTML page."""
    generated = generated or dt.datetime.now(dt.UTC)
    return _template().render(
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


TEMPLATE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #1c2833; }
  h1 { margin-bottom: 0.2rem; }
  .meta { color: #566573; margin-top: 0; }
  table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
  th, td { padding: 0.25rem 0.7rem; border-bottom: 1px solid #d5d8dc; }
  th { text-align: left; background: #f4f6f7; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; }
  img { max-width: 100%; }
  .note { color: #566573; font-size: 0.9rem; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p class="meta">Leads scored {{ period }} &middot; agreement {{ funnel.agreement_version }}
  &middot; generated {{ generated }}</p>
{% if funnel.about %}
<ul class="note">
{% for name, text in funnel.about.items() %}
  <li><b>{{ name }}</b>: {{ text }}</li>
{% endfor %}
</ul>
{% endif %}
<p><b>{{ funnel.total.leads | count }}</b> leads: {{ funnel.total.won | count }} won,
  {{ funnel.total.lost | count }} lost, {{ funnel.total.recycled | count }} recycled,
  {{ funnel.total.open | count }} open; win rate <b>{{ funnel.total.win_rate | percent }}</b>.</p>
<p class="note">Win rate is won / (won + lost): recycled and open leads have no verdict yet.</p>

{% macro outcomes_table(id, heading, rows) %}
<table id="{{ id }}">
  <thead><tr><th>{{ heading }}</th><th>leads</th><th>won</th><th>lost</th><th>recycled</th><th>open</th>
    <th>win rate</th></tr></thead>
  <tbody>
  {% for row in rows %}
    <tr><td>{{ row.key }}</td><td class="n">{{ row.leads | count }}</td>
      <td class="n">{{ row.won | count }}</td><td class="n">{{ row.lost | count }}</td>
      <td class="n">{{ row.recycled | count }}</td><td class="n">{{ row.open | count }}</td>
      <td class="n">{{ row.win_rate | percent }}</td></tr>
  {% else %}
    <tr><td colspan="7">no leads</td></tr>
  {% endfor %}
  </tbody>
</table>
{% endmacro %}

<h2>Win rate by grade</h2>
{{ outcomes_table("by-grade", "Grade", funnel.by_grade) }}
<img alt="Win rate by grade" src="{{ figures.grade }}">

{% for heading, rows, name in breakdowns %}
<h2>Win rate by {{ heading | lower }}</h2>
{{ outcomes_table("by-" ~ name, heading, rows) }}
<img alt="Win rate by {{ heading | lower }}" src="{{ figures[name] }}">
{% endfor %}

<h2>What each agreed rule cost</h2>
<p class="note">Leads each rule fired on and how they turned out: won deals among the leads a disqualify or
  cap rule caught are deals the rule pushed down.</p>
<table id="rules">
  <thead><tr><th>rule</th><th>effect</th><th>caught</th><th>won</th><th>lost</th><th>win rate</th>
    <th>what it means</th></tr></thead>
  <tbody>
  {% for rule in funnel.rules %}
    <tr><td>{{ rule.id }}</td><td>{{ rule.effect or "not in this agreement" }}</td>
      <td class="n">{{ rule.caught | count }}</td><td class="n">{{ rule.outcomes.won | count }}</td>
      <td class="n">{{ rule.outcomes.lost | count }}</td>
      <td class="n">{{ rule.outcomes.win_rate | percent }}</td>
      <td>{{ rule.text or "" }}</td></tr>
  {% else %}
    <tr><td colspan="7">the agreement has no rules</td></tr>
  {% endfor %}
  </tbody>
</table>
<img alt="Rule cost" src="{{ figures.rules }}">

<h2>Grade calibration</h2>
<p class="note">Closed leads per band of the agreed thresholds (by the model's probability, before the rules):
  what the model promised against what happened.</p>
<table id="calibration">
  <thead><tr><th>band</th><th>P(won) range</th><th>closed leads</th><th>won</th><th>mean predicted</th>
    <th>actual win rate</th></tr></thead>
  <tbody>
  {% for band in funnel.calibration %}
    <tr><td>{{ band.grade }}</td><td>{{ band.lower | percent(0) }} – {{ band.upper | percent(0) }}</td>
      <td class="n">{{ band.leads | count }}</td><td class="n">{{ band.won | count }}</td>
      <td class="n">{{ band.mean_probability | percent }}</td>
      <td class="n">{{ band.win_rate | percent }}</td></tr>
  {% endfor %}
  </tbody>
</table>
<img alt="Grade calibration" src="{{ figures.calibration }}">
</body>
</html>
"""
