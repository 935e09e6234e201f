"""The weekly closed-loop report: what became of the leads, for the meeting where sales and marketing sit together.

Every section is computed for the chosen window and for the window of the same length before it, so each figure
reads against the last one. A lead belongs to the window it was first scored in; follow-up to the window it was
handed over in (its first score at a grade the agreement promises follow-up hours for); score feedback to the
window it was reported in. Win rates are won / (won + lost), with 95 % Wilson intervals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from features.profile import Profile
from features.texts import in_language, readable_code
from models.agreement import Agreement
from reports.rates import Rate

LEAD_COLUMNS = ("lead_id", "first_scored_at", "handover_at", "handover_grade", "grade", "probability", "rules",
                "source", "campaign", "outcome", "closed_at")
ACTIVITY_COLUMNS = ("lead_id", "at", "by", "contact")
FEEDBACK_COLUMNS = ("lead_id", "recorded_at", "grade", "reason", "comment")
FINAL = ("won", "lost")
NO_SELLER = "not named"
Labeller = Callable[[str, object], str]


@dataclass(frozen=True)
class WeeklyData:
    """The lead store as the report reads it: one row per lead, its activities, and the score feedback."""

    leads: pd.DataFrame
    activities: pd.DataFrame
    feedback: pd.DataFrame


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC."""

    start: dt.datetime
    end: dt.datetime

    def holds(self, times: pd.Series) -> pd.Series:
        return (times >= pd.Timestamp(self.start)) & (times < pd.Timestamp(self.end))

    def weeks(self) -> list[dt.datetime]:
        """The Monday-to-Monday weeks that start inside the window."""
        return [self.start + dt.timedelta(weeks=i) for i in range((self.end - self.start).days // 7)]

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def windows(end: dt.date, weeks: int) -> tuple[Window, Window]:
    """The `weeks` whole weeks (Monday first) whose last is the week holding `end`, and as many weeks before."""
    if not 1 <= weeks <= 52:
        raise ValueError(f"weeks must be 1..52, got {weeks}")
    monday = end + dt.timedelta(days=7 - end.weekday())
    stop = dt.datetime.combine(monday, dt.time(), tzinfo=dt.UTC)
    start = stop - dt.timedelta(weeks=weeks)
    return Window(start, stop), Window(start - dt.timedelta(weeks=weeks), start)


@dataclass(frozen=True)
class WeeklyReport:
    """Every section as JSON-ready data, for the chosen window and the one before."""

    window: Window
    previous: Window
    agreement_version: str
    sections: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"window": self.window.to_dict(), "previous": self.previous.to_dict(),
                "agreement_version": self.agreement_version, **self.sections}


class WeeklyFigures:
    """The report's figures over one store snapshot, for one agreement."""

    def __init__(self, data: WeeklyData, agreement: Agreement, label: Labeller, code: str = "en") -> None:
        self.leads, self.activities, self.feedback = data.leads, data.activities, data.feedback
        self.agreement, self.label, self.code = agreement, label, code
        contacts = self.activities[self.activities["contact"].astype(bool)]
        self.contacts = contacts
        after = contacts.merge(self.leads[["lead_id", "handover_at"]], on="lead_id")
        after = after[after["at"] >= after["handover_at"]].sort_values(["at"])
        self.first_contact = after.drop_duplicates("lead_id").set_index("lead_id")

    def report(self, window: Window, previous: Window) -> WeeklyReport:
        sections = {
            "trend": self.trend([*previous.weeks(), *window.weeks()]),
            "follow_up": {"current": self.follow_up(window), "previous": self.follow_up(previous)},
            "campaigns": {"current": self.campaigns(window), "previous": self.campaigns(previous)},
            "calibration": {"current": self.calibration(window), "previous": self.calibration(previous)},
            "rules": {"weeks": [week.date().isoformat() for week in window.weeks()],
                      "current": self.rules(window), "previous": self.rules(previous)},
            "cohorts": self.cohorts(Window(previous.start, window.end)),
            "score_feedback": {"current": self.score_feedback(window), "previous": self.score_feedback(previous)},
        }
        return WeeklyReport(window, previous, self.agreement.version, sections)

    # --- sections ---------------------------------------------------------------------------

    def trend(self, weeks: Sequence[dt.datetime]) -> list[dict[str, Any]]:
        """Per week: leads first scored, handed over, first contacted after the handover, and won."""
        won = self.leads[self.leads["outcome"] == "won"]
        rows = []
        for week in weeks:
            span = Window(week, week + dt.timedelta(weeks=1))
            rows.append({"week": week.date().isoformat(),
                         "leads": int(span.holds(self.leads["first_scored_at"]).sum()),
                         "handed_over": int(span.holds(self.leads["handover_at"]).sum()),
                         "contacted": int(span.holds(self.first_contact["at"]).sum()),
                         "won": int(span.holds(won["closed_at"]).sum())})
        return rows

    def follow_up(self, window: Window) -> dict[str, list[dict[str, Any]]]:
        """Per grade at handover and per seller of the first contact: kept promises and hours to first contact."""
        handed = self.leads[window.holds(self.leads["handover_at"])].set_index("lead_id")
        first = self.first_contact.reindex(handed.index)
        hours = (first["at"] - handed["handover_at"]).dt.total_seconds() / 3600
        promised = pd.Series([self.agreement.follow_up_hours.get(grade) for grade in handed["handover_grade"]],
                             index=handed.index, dtype="float64")
        table = pd.DataFrame({"grade": handed["handover_grade"], "hours": hours, "in_time": hours <= promised,
                              "never_open": first["at"].isna() & handed["outcome"].isna(),
                              "seller": first["by"].fillna(NO_SELLER)})
        by_grade = [self._kept(letter, table[table["grade"] == letter], self.agreement.follow_up_hours[letter])
                    for letter in self.agreement.letters if letter in self.agreement.follow_up_hours]
        contacted = table[table["hours"].notna()]
        by_seller = [self._kept(str(seller), group, None) for seller, group in contacted.groupby("seller", sort=True)]
        return {"by_grade": by_grade, "by_seller": by_seller}

    @staticmethod
    def _kept(key: str, table: pd.DataFrame, promise: float | None) -> dict[str, Any]:
        hours = table["hours"].dropna()
        return {"key": key, "promise_hours": promise, "handed_over": len(table), "contacted": len(hours),
                "in_time": Rate(int(table["in_time"].sum()), len(table)).to_dict(),
                "median_hours": None if hours.empty else float(hours.median()),
                "open_never_contacted": int(table["never_open"].sum())}

    def campaigns(self, window: Window) -> dict[str, list[dict[str, Any]]]:
        """Per campaign and per source: leads, qualified, contacted, won, win rate, contacts per won deal; most
        waste (leads that were never qualified) first."""
        leads = self.leads[window.holds(self.leads["first_scored_at"])]
        contacts = self.contacts.groupby("lead_id").size()
        return {field: self._groups(leads, field, contacts) for field in ("campaign", "source")}

    def _groups(self, leads: pd.DataFrame, field: str, contacts: pd.Series) -> list[dict[str, Any]]:
        qualified_grades = set(self.agreement.letters[:2])
        rows = []
        for value, group in leads.groupby(leads[field].fillna(""), sort=False):
            spent = int(contacts.reindex(group["lead_id"]).fillna(0).sum())
            won, lost = int((group["outcome"] == "won").sum()), int((group["outcome"] == "lost").sum())
            qualified = int(group["grade"].isin(qualified_grades).sum())
            rows.append({"key": value or None, "label": self.label(field, value) if value else "(none)",
                         "leads": len(group), "qualified": qualified, "waste": len(group) - qualified,
                         "contacted": int(group["lead_id"].isin(contacts.index).sum()), "won": won, "lost": lost,
                         "win_rate": Rate(won, won + lost).to_dict(), "contacts": spent,
                         "contacts_per_won": spent / won if won else None})
        return sorted(rows, key=lambda row: (-row["waste"], -row["leads"], row["label"]))

    def calibration(self, window: Window) -> list[dict[str, Any]]:
        """Per grade: the mean predicted chance of the closed leads against their actual win rate."""
        leads = self.leads[window.holds(self.leads["first_scored_at"]) & self.leads["outcome"].isin(FINAL)]
        rows = []
        for letter in self.agreement.letters:
            closed = leads[leads["grade"] == letter]
            won = int((closed["outcome"] == "won").sum())
            rows.append({"grade": letter, "label": self.agreement.label_in(letter, self.code), "closed": len(closed),
                         "predicted": None if closed.empty else float(closed["probability"].mean()),
                         "actual": Rate(won, len(closed)).to_dict()})
        return rows

    def rules(self, window: Window) -> list[dict[str, Any]]:
        """Per agreed rule: the leads it caught each week, and the won deals among them (what it cost)."""
        leads = self.leads[window.holds(self.leads["first_scored_at"])]
        weeks = window.weeks()
        rows = []
        for rule in self.agreement.rules:
            caught = leads[leads["rules"].map(lambda fired, rule_id=rule.id: rule_id in fired).astype(bool)]
            won, lost = int((caught["outcome"] == "won").sum()), int((caught["outcome"] == "lost").sum())
            weekly = [int(Window(week, week + dt.timedelta(weeks=1)).holds(caught["first_scored_at"]).sum())
                      for week in weeks]
            text = in_language(rule.text, self.code).strip()
            rows.append({"id": rule.id, "effect": rule.effect, "text": text, "caught": len(caught),
                         "won": won, "lost": lost, "win_rate": Rate(won, won + lost).to_dict(), "weekly": weekly})
        return rows

    def cohorts(self, window: Window) -> list[dict[str, Any]]:
        """Per month first scored and grade: what became of the leads (contacted, won, lost, recycled, open)."""
        leads = self.leads[window.holds(self.leads["first_scored_at"])]
        months = leads["first_scored_at"].dt.strftime("%Y-%m")
        rows = []
        for (month, grade), group in leads.groupby([months, leads["grade"]], sort=True):
            outcome, letter = group["outcome"], str(grade)
            rows.append({"month": str(month), "grade": letter, "label": self.agreement.label_in(letter, self.code),
                         "leads": len(group), "contacted": int(group["lead_id"].isin(self.contacts["lead_id"]).sum()),
                         "won": int((outcome == "won").sum()), "lost": int((outcome == "lost").sum()),
                         "recycled": int((outcome == "recycled").sum()), "open": int(outcome.isna().sum())})
        order = {letter: i for i, letter in enumerate(self.agreement.letters)}
        return sorted(rows, key=lambda row: (row["month"], order.get(row["grade"], len(order))))

    def score_feedback(self, window: Window) -> dict[str, Any]:
        """The "score was wrong" reports by grade and reason, and the newest comments."""
        reports = self.feedback[window.holds(self.feedback["recorded_at"])]
        counts = [{"grade": grade, "reason": reason, "reports": len(group)}
                  for (grade, reason), group in reports.groupby(["grade", "reason"], sort=True)]
        newest = reports.sort_values("recorded_at", ascending=False).head(10)
        comments = [{"lead_id": row.lead_id, "grade": row.grade, "reason": row.reason, "comment": row.comment}
                    for row in newest.itertuples() if row.comment]
        return {"reports": len(reports), "by_grade_and_reason": counts, "comments": comments}


def weekly_report(data: WeeklyData, agreement: Agreement, label: Labeller, end: dt.date,
                  weeks: int = 4, code: str = "en") -> WeeklyReport:
    """The report for the `weeks` whole weeks up to `end`, against the weeks before (grade words and rule texts
    in `code`)."""
    window, previous = windows(end, weeks)
    return WeeklyFigures(data, agreement, label, code).report(window, previous)


def profile_labeller(profile: Profile, columns: Mapping[str, str], code: str = "en") -> Labeller:
    """Value labels from the profile: the report's column (campaign, source) read as the profile field it holds."""
    features = {feature.name: feature for feature in profile.features}

    def label(column: str, value: object) -> str:
        feature = features.get(columns.get(column, column))
        return feature.value_label(value, code) if feature is not None else readable_code(str(value))

    return label
