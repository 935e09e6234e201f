"""The funnel report as one self-contained HTML page (tables and PNG plots inlined) plus its JSON.

A pure function of the Funnel: the CLI writes it as a batch job and the serving app serves the same page, in
the language of the gettext pair it is given (English by default) and the number formats of its locale.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from reports.charts import LEADS, WON, figure, rendered
from reports.charts import percent_axis as english_percent_axis
from reports.funnel import NONE_KEY, Funnel, Outcomes
from reports.render import Translations, _, count, in_language, percent, report_template

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

JSON_NAME, HTML_NAME = "funnel.json", "funnel.html"


# --- plots --------------------------------------------------------------------------------------


def percent_axis(axes: Axes, which: Literal["x", "y"] = "y") -> None:
    """A share axis in percent, as the report's locale writes it."""
    english_percent_axis(axes, which, 0, percent)


def shown(row: Outcomes) -> str:
    """A group's name in the report's language: its value label, or the words for leads without a value."""
    return _("(none)") if row.key == NONE_KEY and not row.label else row.shown


def win_rate_plot(rows: Sequence[Outcomes], title: str, horizontal: bool = False) -> Figure:
    """Win rate per group as bars, each labelled won/closed; a group with nothing closed shows n/a."""
    drawn = figure(6.5, max(2.5, 0.35 * len(rows) + 1.2) if horizontal else 3.6)
    axes = drawn.add_subplot()
    keys = [shown(row) for row in rows]
    rates = [row.win_rate or 0.0 for row in rows]
    bars = (axes.barh if horizontal else axes.bar)(keys, rates, color=WON)
    labels = [f"{count(row.won)}/{count(row.closed)}" if row.closed else _("n/a") for row in rows]
    axes.bar_label(bars, labels=labels, padding=2, fontsize=8)
    if horizontal:
        axes.invert_yaxis()  # most leads at the top, as in the table
        axes.set_xlabel(_("win rate = won / (won + lost)"))
    else:
        axes.set_ylabel(_("win rate = won / (won + lost)"))
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
    caught_axes.bar_label(caught, labels=[count(rule.caught) for rule in rules], padding=2, fontsize=8)
    won_axes.bar_label(won, labels=[count(rule.outcomes.won) for rule in rules], padding=2, fontsize=8)
    caught_axes.invert_yaxis()
    caught_axes.set(title=_("leads caught"), xlabel=_("leads"))
    won_axes.set(title=_("won deals among them"), xlabel=_("won deals"))
    _headroom(caught_axes, max((r.caught for r in rules), default=0), True)
    _headroom(won_axes, max((r.outcomes.won for r in rules), default=0), True)
    drawn.suptitle(_("What each agreed rule caught, and what it cost"))
    return drawn


def calibration_plot(funnel: Funnel) -> Figure:
    """Mean predicted P(won) against the actual win rate per grade band, with the diagonal."""
    drawn = figure(5.0, 4.5)
    axes = drawn.add_subplot()
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label=_("promise kept"))
    bands = [band for band in funnel.calibration if band.leads]
    x = [band.mean_probability or 0.0 for band in bands]
    y = [band.win_rate or 0.0 for band in bands]
    axes.plot(x, y, marker="o", color=WON, label=_("grade bands"))
    for band, px, py in zip(bands, x, y, strict=True):
        axes.annotate(f"{band.grade} (n={count(band.leads)})", (px, py), textcoords="offset points",
                      xytext=(5, -12), fontsize=8)
    top = min(1.0, max([*x, *y, 0.1]) * 1.15)
    axes.set(xlim=(0, top), ylim=(0, top), xlabel=_("mean predicted chance of winning (%)"),
             ylabel=_("actual win rate (%)"), title=_("Grade calibration (closed leads)"))
    percent_axis(axes, "x")
    percent_axis(axes, "y")
    axes.legend(loc="upper left")
    return drawn


def report_figures(funnel: Funnel) -> dict[str, str | None]:
    """Every plot of the report as a data URI, by name; None for a plot with nothing to show."""
    closed = funnel.total.closed > 0
    return rendered({
        "grade": lambda: win_rate_plot(funnel.by_grade, _("Win rate by grade")) if closed else None,
        "source": lambda: win_rate_plot(funnel.by_source, _("Win rate by lead source"), horizontal=True)
        if closed else None,
        "campaign": lambda: win_rate_plot(funnel.by_campaign, _("Win rate by campaign"), horizontal=True)
        if closed else None,
        "rules": lambda: rule_cost_plot(funnel) if funnel.rules else None,
        "calibration": lambda: calibration_plot(funnel) if any(b.leads for b in funnel.calibration) else None,
    })


# --- page ---------------------------------------------------------------------------------------


def render_report(funnel: Funnel, title: str | None = None, generated: dt.datetime | None = None,
                  translations: Translations | None = None, locale: str = "en") -> str:
    """The whole report as one HTML page, in the language of `translations` (a gettext/ngettext pair such as
    gettext.NullTranslations, English by default) and the number formats of `locale`."""
    generated = generated or dt.datetime.now(dt.UTC)
    with in_language(translations, locale):
        return report_template("funnel.html").render(
            title=title or _("Lead funnel: closed-loop report"), funnel=funnel, figures=report_figures(funnel),
            period=_period(funnel), generated=generated.strftime("%Y-%m-%d %H:%M %Z").strip(), lang=locale,
            shown=shown,
            breakdowns=[(_("Lead source"), _("Win rate by lead source"), funnel.by_source, "source"),
                        (_("Campaign"), _("Win rate by campaign"), funnel.by_campaign, "campaign")],
        )


def _period(funnel: Funnel) -> str:
    """The period [start, end) in words; each case is one whole message, so that translators can word it."""
    start = funnel.start.date().isoformat() if funnel.start else None
    end = funnel.end.date().isoformat() if funnel.end else None
    if start and end:
        return _("from {start} to before {end}").format(start=start, end=end)
    if start:
        return _("from {start} to the last lead").format(start=start)
    if end:
        return _("from the first lead to before {end}").format(end=end)
    return _("from the first lead to the last lead")


def report_json(funnel: Funnel) -> str:
    """The report's figures as JSON text (strict: a NaN would be an error, not invalid JSON)."""
    return json.dumps(funnel.to_dict(), indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def write_report(funnel: Funnel, folder: Path, translations: Translations | None = None,
                 locale: str = "en") -> tuple[Path, Path]:
    """Write funnel.json and funnel.html (in the language given) into a folder (created if needed); returns both
    paths."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path, html_path = folder / JSON_NAME, folder / HTML_NAME
    json_path.write_text(report_json(funnel), encoding="utf-8")
    html_path.write_text(render_report(funnel, None, None, translations, locale), encoding="utf-8")
    return json_path, html_path


