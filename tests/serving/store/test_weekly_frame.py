"""The weekly report over a small generated store whose answers are known, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from features.profile import Profile
from models.agreement import Agreement, parse_agreement
from reports.weekly import WeeklyReport, profile_labeller, weekly_report
from serving.store.activities import record_activity
from serving.store.database import LeadStore
from serving.store.feedback import record_feedback
from serving.store.outcomes import record_outcome
from serving.store.records import FollowUp, NewActivity, NewFeedback, NewOutcome
from serving.store.scores import add_scores
from serving.store.weekly_frame import weekly_data
from tests.serving.store.factories import score_record

AGREEMENT = """\
version: "2026-11-01"
grades: {A: 0.50, B: 0.25, C: 0.10}
labels: {A: hot, B: warm, C: cold, D: not now}
follow_up_hours: {A: 4, B: 24}
rules:
  - {id: xx-market, text: Price too high there., when: {field: country, eq: XX}, then: disqualify}
"""
HOUR = dt.timedelta(hours=1)


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def profile() -> Profile:
    return Profile.model_validate({
        "name": "shop", "source": {"path": "leads.csv"}, "id": "lead_id",
        "outcome": {"column": "result", "won": ["won"], "lost": ["lost"]}, "time": {"column": "created_at"},
        "features": [{"name": "country", "kind": "categorical"},
                     {"name": "campaign", "kind": "categorical", "values": {"promo": "Spring promotion"}},
                     {"name": "lead_source", "kind": "categorical", "values": {"web_form": "Web form"}}]})


@pytest.fixture(scope="module")
def agreement(profile: Profile) -> Agreement:
    return parse_agreement(AGREEMENT, profile)


def lead(lead_id: str, day: int, grade: str, probability: float, campaign: str, source: str,
         **changes: Any) -> Any:
    return score_record(lead_id, at(day), grade=grade, model_grade=grade, probability=probability, source=source,
                        fields={"campaign": campaign, "lead_source": source}, **changes)


def call(store: LeadStore, lead_id: str, when: dt.datetime, by: str) -> None:
    record_activity(store, NewActivity(lead_id=lead_id, kind="call", result="reached", at=when, by=by), when)


@pytest.fixture()
def report(store: LeadStore, agreement: Agreement, profile: Profile) -> WeeklyReport:
    """Five leads in the two weeks from 16 Nov 2026, one in the two weeks before."""
    add_scores(store, [lead("P1", 3, "A", 0.7, "summit", "referral"),
                       lead("L1", 17, "A", 0.8, "summit", "referral"), lead("L2", 17, "A", 0.6, "summit", "referral"),
                       lead("L3", 18, "B", 0.3, "promo", "web_form"),
                       lead("L4", 18, "D", 0.6, "promo", "web_form", rules=["xx-market"], disqualified=True),
                       lead("L5", 24, "C", 0.15, "promo", "web_form")])
    call(store, "P1", at(3, 11), "Ana")
    call(store, "L1", at(17, 10), "Ana")  # 1 h after the handover: in time
    call(store, "L2", at(17, 15), "Ben")  # 6 h: late for A's 4 h
    for lead_id, outcome, day in (("P1", "won", 5), ("L1", "won", 20), ("L2", "lost", 21), ("L5", "lost", 26)):
        record_outcome(store, NewOutcome(lead_id=lead_id, outcome=outcome), at(day))  # type: ignore[arg-type]
    record_feedback(store, NewFeedback(lead_id="L2", reason="too_high", comment="Only researching."), at(19))
    data = weekly_data(store, FollowUp(agreement.letters, dict(agreement.follow_up_hours)))
    labels = profile_labeller(profile, {"campaign": "campaign", "source": "lead_source"})
    return weekly_report(data, agreement, labels, dt.date(2026, 11, 29), weeks=2)


def test_windows_are_whole_weeks_against_the_weeks_before(report: WeeklyReport) -> None:
    assert (report.window.start, report.window.end) == (at(16, 0), at(30, 0))
    assert (report.previous.start, report.previous.end) == (at(2, 0), at(16, 0))


def test_trend_per_week(report: WeeklyReport) -> None:
    trend = report.sections["trend"]
    assert [row["week"] for row in trend] == ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]
    assert [row["leads"] for row in trend] == [1, 0, 4, 1]
    assert [row["handed_over"] for row in trend] == [1, 0, 3, 0]  # C and D carry no promise
    assert [row["contacted"] for row in trend] == [1, 0, 2, 0]
    assert [row["won"] for row in trend] == [1, 0, 1, 0]


def test_follow_up_per_grade_and_seller(report: WeeklyReport) -> None:
    grades = {row["key"]: row for row in report.sections["follow_up"]["current"]["by_grade"]}
    a, b = grades["A"], grades["B"]
    assert (a["handed_over"], a["contacted"], a["in_time"]["hits"], a["in_time"]["trials"]) == (2, 2, 1, 2)
    assert (a["median_hours"], a["open_never_contacted"], a["promise_hours"]) == (3.5, 0, 4)
    assert (b["handed_over"], b["contacted"], b["median_hours"], b["open_never_contacted"]) == (1, 0, None, 1)
    sellers = {row["key"]: (row["in_time"]["rate"], row["median_hours"])
               for row in report.sections["follow_up"]["current"]["by_seller"]}
    assert sellers == {"Ana": (1.0, 1.0), "Ben": (0.0, 6.0)}
    [previous] = [row for row in report.sections["follow_up"]["previous"]["by_grade"] if row["key"] == "A"]
    assert previous["in_time"]["rate"] == 1.0 and previous["median_hours"] == 2.0


def test_campaigns_by_waste_with_labels_intervals_and_contacts_per_won_deal(report: WeeklyReport) -> None:
    promo, summit = report.sections["campaigns"]["current"]["campaign"]
    assert (promo["label"], promo["leads"], promo["qualified"], promo["waste"]) == ("Spring promotion", 3, 1, 2)
    assert (promo["won"], promo["lost"], promo["contacts_per_won"]) == (0, 1, None)
    assert (summit["label"], summit["waste"], summit["won"], summit["contacts"], summit["contacts_per_won"]) == (
        "Summit", 0, 1, 2, 2.0)
    assert summit["win_rate"]["rate"] == 0.5 and summit["win_rate"]["low"] == pytest.approx(0.0945, abs=1e-4)
    sources = [row["label"] for row in report.sections["campaigns"]["current"]["source"]]
    assert sources == ["Web form", "Referral"]


def test_calibration_per_grade(report: WeeklyReport) -> None:
    rows = {row["grade"]: row for row in report.sections["calibration"]["current"]}
    assert (rows["A"]["closed"], rows["A"]["predicted"], rows["A"]["actual"]["rate"]) == (2, pytest.approx(0.7), 0.5)
    assert (rows["C"]["closed"], rows["C"]["actual"]["rate"]) == (1, 0.0)
    assert (rows["B"]["closed"], rows["B"]["predicted"], rows["B"]["actual"]["rate"]) == (0, None, None)


def test_rules_cohorts_and_score_feedback(report: WeeklyReport) -> None:
    [rule] = report.sections["rules"]["current"]
    assert (rule["id"], rule["caught"], rule["won"], rule["weekly"]) == ("xx-market", 1, 0, [1, 0])
    cohorts = {row["grade"]: row for row in report.sections["cohorts"] if row["month"] == "2026-11"}
    assert {k: cohorts["A"][k] for k in ("leads", "contacted", "won", "lost", "open")} == {
        "leads": 3, "contacted": 3, "won": 2, "lost": 1, "open": 0}
    assert (cohorts["B"]["open"], cohorts["D"]["open"], cohorts["C"]["lost"]) == (1, 1, 1)
    feedback = report.sections["score_feedback"]
    assert feedback["current"]["by_grade_and_reason"] == [{"grade": "A", "reason": "too_high", "reports": 1}]
    assert feedback["current"]["comments"][0]["comment"] == "Only researching."
    assert feedback["previous"]["reports"] == 0
