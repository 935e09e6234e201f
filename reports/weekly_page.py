"""The weekly report as one self-contained HTML page with charts, its JSON, and a CSV per table."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from reports.charts import ALERT, LEADS, LOST, WON, figure, rendered
from reports.charts import percent_axis as english_percent_axis
from reports.render import Translations, _, in_language, n_, percent, report_template
from reports.weekly import WeeklyReport

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

NAME = "weekly"
PREVIOUS = "#cfd8dc"
MOST_GROUPS = 12  # campaigns and sources charted; the table lists them all
SERIES = {"leads": "leads", "handed_over": "handed over", "contacted": "contacted", "won": "won",
          "lost": "lost", "recycled": "recycled", "open": "open"}


def percent_axis(axes: Axes, which: Literal["x", "y"] = "y") -> None:
    """A share axis in percent, as the report's locale writes it."""
    english_percent_axis(axes, which, 0, percent)


def series(key: str) -> str:
    """A plotted series' name in the report's language."""
    words = {"leads": _("leads"), "handed_over": _("handed over"), "contacted": _("contacted"), "won": _("won"),
             "lost": _("lost"), "recycled": _("recycled"), "open": _("open")}
    return words.get(key, SERIES.get(key, key))


def _interval(rates: Sequence[dict[str, Any]]) -> list[list[float]]:
    """Error-bar lengths below and above each rate (zero where there is none)."""
    below = [(r["rate"] - r["low"]) if r["rate"] is not None else 0.0 for r in rates]
    above = [(r["high"] - r["rate"]) if r["rate"] is not None else 0.0 for r in rates]
    return [below, above]


def _shares(axes: Axes, labels: Sequence[str], current: Sequence[dict[str, Any]],
            previous: Sequence[dict[str, Any]] | None, horizontal: bool = False) -> None:
    """Rates as bars with their 95 % intervals, the previous window's beside them in grey."""
    positions = list(range(len(labels)))
    width = 0.4 if previous is not None else 0.7
    shift = width / 2 if previous is not None else 0.0
    rates = [r["rate"] or 0.0 for r in current]
    here = [p - shift for p in positions]
    if horizontal:
        axes.barh(here, rates, width, xerr=_interval(current), color=WON, label=_("this window"), capsize=3)
    else:
        axes.bar(here, rates, width, yerr=_interval(current), color=WON, label=_("this window"), capsize=3)
    if previous is not None:
        axes.bar([p + shift for p in positions], [r["rate"] or 0.0 for r in previous], width, color=PREVIOUS,
                 label=_("window before"))
        axes.legend(loc="best", fontsize=8)
    if horizontal:
        axes.set_yticks(positions, labels=list(labels))
        axes.set_xlim(0, 1)
        percent_axis(axes, "x")
        axes.invert_yaxis()
    else:
        axes.set_xticks(positions, labels=list(labels))
        axes.set_ylim(0, 1)
        percent_axis(axes, "y")


def trend_chart(rows: Sequence[dict[str, Any]]) -> Figure | None:
    if not any(row["leads"] for row in rows):
        return None
    drawn = figure(7.5, 3.6)
    axes = drawn.add_subplot()
    weeks = [row["week"][5:] for row in rows]
    for key, colour, marker in (("leads", LEADS, "o"), ("handed_over", ALERT, "s"), ("contacted", "#1565c0", "^"),
                                ("won", WON, "D")):
        axes.plot(weeks, [row[key] for row in rows], marker=marker, color=colour, label=series(key))
    half = len(rows) // 2
    axes.axvspan(-0.5, half - 0.5, color="#eceff1", zorder=0, label=_("window before"))
    axes.set(ylabel=_("leads"), xlabel=_("week starting"),
             title=_("Leads, handovers, first contacts and wins per week"))
    axes.set_ylim(bottom=0)
    axes.legend(loc="upper left", fontsize=8, ncols=3)
    return drawn


def follow_up_chart(section: dict[str, Any]) -> Figure | None:
    current = [row for row in section["current"]["by_grade"] if row["handed_over"]]
    if not current:
        return None
    before = {row["key"]: row for row in section["previous"]["by_grade"]}
    drawn = figure(6.0, 3.6)
    axes = drawn.add_subplot()
    labels = [_("{grade} (within {hours} h)").format(grade=row["key"], hours=f"{row['promise_hours']:g}")
              for row in current]
    previous = [before[row["key"]]["in_time"] if row["key"] in before else {"rate": None} for row in current]
    _shares(axes, labels, [row["in_time"] for row in current], previous)
    axes.set(ylabel=_("contacted within the promise (%)"), title=_("Follow-up promises kept, by grade"))
    return drawn


def campaign_chart(rows: Sequence[dict[str, Any]], title: str) -> Figure | None:
    charted = [row for row in rows if row["win_rate"]["trials"]][:MOST_GROUPS]
    if not charted:
        return None
    drawn = figure(7.0, max(2.6, 0.42 * len(charted) + 1.3))
    axes = drawn.add_subplot()
    labels = [f"{row['label']} ({row['won']}/{row['won'] + row['lost']})" for row in charted]
    _shares(axes, labels, [row["win_rate"] for row in charted], None, horizontal=True)
    axes.set(xlabel=_("win rate (%), 95 % interval"), title=title)
    return drawn


def calibration_chart(rows: Sequence[dict[str, Any]]) -> Figure | None:
    closed = [row for row in rows if row["closed"]]
    if not closed:
        return None
    drawn = figure(5.0, 4.5)
    axes = drawn.add_subplot()
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label=_("promise kept"))
    actual = [row["actual"] for row in closed]
    axes.errorbar([row["predicted"] for row in closed], [r["rate"] for r in actual], yerr=_interval(actual),
                  fmt="o", color=WON, capsize=3, label=_("grades (95 % interval)"))
    for row in closed:
        axes.annotate(f"{row['grade']} (n={row['closed']})", (row["predicted"], row["actual"]["rate"]),
                      textcoords="offset points", xytext=(6, -10), fontsize=8)
    axes.set(xlim=(0, 1), ylim=(0, 1), xlabel=_("predicted chance of winning (%)"), ylabel=_("actual win rate (%)"),
             title=_("Calibration: predicted against actual"))
    percent_axis(axes, "x")
    percent_axis(axes, "y")
    axes.legend(loc="upper left", fontsize=8)
    return drawn


def rules_chart(section: dict[str, Any]) -> Figure | None:
    rules = [row for row in section["current"] if row["caught"]]
    if not rules:
        return None
    drawn = figure(7.0, 3.4)
    axes = drawn.add_subplot()
    weeks = [week[5:] for week in section["weeks"]]
    for row in rules:
        axes.plot(weeks, row["weekly"], marker="o",
                  label=n_("{rule} ({won} won among them)", "{rule} ({won} won among them)", row["won"]).format(
                      rule=row["id"], won=row["won"]))
    axes.set(ylabel=_("leads caught"), xlabel=_("week starting"), title=_("What each agreed rule caught, per week"))
    axes.set_ylim(bottom=0)
    axes.legend(loc="upper left", fontsize=8)
    return drawn


def cohort_chart(rows: Sequence[dict[str, Any]], grade: str) -> Figure | None:
    cohort = [row for row in rows if row["grade"] == grade]
    if not cohort:
        return None
    drawn = figure(6.0, 3.4)
    axes = drawn.add_subplot()
    months = [row["month"] for row in cohort]
    bottom = [0.0] * len(cohort)
    for key, colour in (("won", WON), ("lost", LOST), ("recycled", ALERT), ("open", LEADS)):
        shares = [row[key] / row["leads"] for row in cohort]
        axes.bar(months, shares, bottom=bottom, color=colour, label=series(key))
        bottom = [b + s for b, s in zip(bottom, shares, strict=True)]
    axes.set(ylim=(0, 1), ylabel=_("share of the month's leads (%)"),
             title=_("What became of the leads graded {grade}").format(grade=grade))
    percent_axis(axes, "y")
    axes.legend(loc="upper left", fontsize=8, ncols=4)
    return drawn


def feedback_chart(section: dict[str, Any]) -> Figure | None:
    counts = section["current"]["by_grade_and_reason"]
    if not counts:
        return None
    drawn = figure(6.0, 3.0)
    axes = drawn.add_subplot()
    labels = [f"{row['grade'] or '?'} · {feedback_reason(row['reason'])}" for row in counts]
    axes.barh(labels, [row["reports"] for row in counts], color=ALERT)
    axes.invert_yaxis()
    axes.set(xlabel=_("reports"), title=_("'The score was wrong', by grade and reason"))
    return drawn


def weekly_charts(report: WeeklyReport) -> dict[str, str | None]:
    """Every chart of the page as a data URI; None where there is nothing to chart."""
    sections = report.sections
    campaigns = sections["campaigns"]["current"]
    top = next(iter(sections["calibration"]["current"]), {"grade": ""})["grade"]
    return rendered({
        "trend": lambda: trend_chart(sections["trend"]),
        "follow_up": lambda: follow_up_chart(sections["follow_up"]),
        "campaign": lambda: campaign_chart(campaigns["campaign"],
                                           _("Win rate by campaign (won/closed), most waste first")),
        "source": lambda: campaign_chart(campaigns["source"],
                                         _("Win rate by lead source (won/closed), most waste first")),
        "calibration": lambda: calibration_chart(sections["calibration"]["current"]),
        "rules": lambda: rules_chart(sections["rules"]),
        "cohorts": lambda: cohort_chart(sections["cohorts"], top),
        "score_feedback": lambda: feedback_chart(sections["score_feedback"]),
    })


def feedback_reason(reason: str) -> str:
    """A seller's reason for disputing a score, in the report's language."""
    words = {"too_high": _("the grade is too high"), "too_low": _("the grade is too low"),
             "wrong_rule": _("an agreed rule applied wrongly")}
    return words.get(reason, reason.replace("_", " "))


def render_weekly(report: WeeklyReport, generated: dt.datetime | None = None,
                  translations: Translations | None = None, locale: str = "en") -> str:
    """The whole report as one HTML page, in the language of `translations` (a gettext/ngettext pair such as
    gettext.NullTranslations, English by default) and the number formats of `locale`."""
    generated = generated or dt.datetime.now(dt.UTC)
    top = next(iter(report.sections["calibration"]["current"]), {"grade": ""})["grade"]
    with in_language(translations, locale):
        return report_template("weekly.html").render(report=report, s=report.sections, charts=weekly_charts(report),
                                                     top_grade=top, lang=locale, reason=feedback_reason,
                                                     generated=generated.strftime("%Y-%m-%d %H:%M UTC"))


def weekly_json(report: WeeklyReport) -> str:
    """The figures as JSON text (strict: a NaN would be an error, not invalid JSON)."""
    return json.dumps(report.to_dict(), indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def weekly_tables(report: WeeklyReport) -> dict[str, list[dict[str, Any]]]:
    """The report's tables as flat rows, by name, for CSV."""
    s = report.sections

    def flat(row: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, dict):
                out.update({f"{key}_{inner}": item for inner, item in value.items()})
            elif not isinstance(value, list):
                out[key] = value
        return out

    return {"trend": s["trend"],
            "follow_up_by_grade": [flat(r) for r in s["follow_up"]["current"]["by_grade"]],
            "follow_up_by_seller": [flat(r) for r in s["follow_up"]["current"]["by_seller"]],
            "campaigns": [flat(r) for r in s["campaigns"]["current"]["campaign"]],
            "sources": [flat(r) for r in s["campaigns"]["current"]["source"]],
            "calibration": [flat(r) for r in s["calibration"]["current"]],
            "rules": [flat(r) for r in s["rules"]["current"]], "cohorts": s["cohorts"],
            "score_feedback": s["score_feedback"]["current"]["by_grade_and_reason"]}


def csv_text(rows: Sequence[dict[str, Any]]) -> str:
    """Rows as CSV with a header (empty text for no rows)."""
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_weekly(report: WeeklyReport, folder: Path, translations: Translations | None = None,
                 locale: str = "en") -> list[Path]:
    """weekly.json, weekly.html and weekly-<table>.csv into a folder (created if needed); the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / f"{NAME}.json", folder / f"{NAME}.html"]
    written[0].write_text(weekly_json(report), encoding="utf-8")
    written[1].write_text(render_weekly(report, None, translations, locale), encoding="utf-8")
    for table, rows in weekly_tables(report).items():
        path = folder / f"{NAME}-{table.replace('_', '-')}.csv"
        path.write_text(csv_text(rows), encoding="utf-8")
        written.append(path)
    return written
