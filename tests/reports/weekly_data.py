"""A generated store snapshot for the weekly report pages: eight weeks of leads, contacts, outcomes, feedback."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from reports.weekly import ACTIVITY_COLUMNS, FEEDBACK_COLUMNS, LEAD_COLUMNS, WeeklyData

START = dt.datetime(2026, 10, 5, tzinfo=dt.UTC)  # a Monday, eight weeks before 30 Nov 2026
CAMPAIGNS = ("summit", "promo", "webinar-series", "cold-list")
SOURCES = ("referral", "web_form", "event", "paid_search")
SELLERS = ("Ana Silva", "Ben Okoro", "Chloé Martin")


def generated(leads: int = 240, seed: int = 7) -> WeeklyData:
    """Leads graded by a probability that drives their outcome; most handed-over leads called within hours."""
    rng = np.random.default_rng(seed)
    rows, activities, feedback = [], [], []
    for i in range(leads):
        first = START + dt.timedelta(hours=float(rng.uniform(0, 8 * 7 * 24)))
        campaign = int(rng.integers(len(CAMPAIGNS)))
        probability = float(np.clip(rng.beta(2, 5) + (0.25 if campaign == 0 else -0.05 * campaign), 0.01, 0.95))
        grade = "A" if probability >= 0.5 else "B" if probability >= 0.25 else "C" if probability >= 0.1 else "D"
        handover = first if grade in ("A", "B", "C") else None
        outcome = ("won" if rng.random() < probability else "lost") if rng.random() < 0.6 else None
        rows.append({"lead_id": f"L-{i}", "first_scored_at": first, "handover_at": handover,
                     "handover_grade": grade if handover else None, "grade": grade, "probability": probability,
                     "rules": ["curious-not-buying"] if grade == "C" and rng.random() < 0.5 else [],
                     "source": SOURCES[campaign], "campaign": CAMPAIGNS[campaign], "outcome": outcome,
                     "closed_at": first + dt.timedelta(days=float(rng.uniform(3, 20))) if outcome else None})
        if handover is not None and rng.random() < 0.85:
            delay = dt.timedelta(hours=float(rng.exponential(6)))
            activities.append({"lead_id": f"L-{i}", "at": first + delay, "by": SELLERS[i % 3], "contact": True})
        if grade == "A" and outcome == "lost" and rng.random() < 0.3:
            feedback.append({"lead_id": f"L-{i}", "recorded_at": first + dt.timedelta(days=2), "grade": grade,
                             "reason": "too_high", "comment": "Only researching for next year."})
    return WeeklyData(frame(rows, LEAD_COLUMNS, ("first_scored_at", "handover_at", "closed_at")),
                      frame(activities, ACTIVITY_COLUMNS, ("at",)), frame(feedback, FEEDBACK_COLUMNS, ("recorded_at",)))


def frame(rows: list[dict[str, object]], columns: tuple[str, ...], times: tuple[str, ...]) -> pd.DataFrame:
    table = pd.DataFrame.from_records(rows, columns=list(columns))
    for column in times:
        table[column] = pd.to_datetime(table[column], utc=True)
    return table


def empty() -> WeeklyData:
    return WeeklyData(frame([], LEAD_COLUMNS, ("first_scored_at", "handover_at", "closed_at")),
                      frame([], ACTIVITY_COLUMNS, ("at",)), frame([], FEEDBACK_COLUMNS, ("recorded_at",)))
