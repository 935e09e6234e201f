"""The lead store as the weekly report reads it (`reports.weekly.WeeklyData`): leads, activities, feedback.

The handover is the queue's own (serving.store.queue.handovers), so the report and the queue agree on when the
follow-up clock started.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

from reports.weekly import ACTIVITY_COLUMNS, FEEDBACK_COLUMNS, LEAD_COLUMNS, WeeklyData
from serving.store.database import LeadStore
from serving.store.queue import handovers
from serving.store.records import FollowUp, is_contact
from serving.store.tables import lead_activities, lead_outcomes, lead_scores, leads, score_feedback

FINAL = ("won", "lost")


def weekly_data(store: LeadStore, follow_up: FollowUp) -> WeeklyData:
    """Every lead with its latest score, handover and newest outcome; every activity; every feedback report."""
    with store.transaction() as connection:
        lead_rows = connection.execute(_lead_query(follow_up)).all()
        activity_rows = connection.execute(sa.select(
            lead_activities.c.lead_id, lead_activities.c.at, lead_activities.c.by, lead_activities.c.kind,
            lead_activities.c.result)).all()
        disputed = lead_scores.alias("d")
        feedback_rows = connection.execute(
            sa.select(score_feedback.c.lead_id, score_feedback.c.recorded_at, disputed.c.grade,
                      score_feedback.c.reason, score_feedback.c.comment)
            .select_from(score_feedback.outerjoin(disputed, disputed.c.id == score_feedback.c.score_id))).all()
    return WeeklyData(_leads(lead_rows), _activities(activity_rows), _frame(feedback_rows, FEEDBACK_COLUMNS,
                                                                            ("recorded_at",)))


def _lead_query(follow_up: FollowUp) -> sa.Select[tuple[object, ...]]:
    latest, outcome, handover = lead_scores.alias("s"), lead_outcomes.alias("o"), handovers(follow_up)
    at_handover = lead_scores.alias("hs")
    grade_then = (sa.select(sa.func.min(at_handover.c.grade)).where(
        at_handover.c.lead_id == leads.c.lead_id, at_handover.c.scored_at == handover.c.handover_at,
        at_handover.c.grade.in_(list(follow_up.hours))).scalar_subquery())
    return (sa.select(leads.c.lead_id, leads.c.first_scored_at, handover.c.handover_at,
                      grade_then.label("handover_grade"), latest.c.grade, latest.c.probability, latest.c.rules,
                      latest.c.source, latest.c.fields, outcome.c.outcome, outcome.c.recorded_at)
            .select_from(leads.join(latest, latest.c.id == leads.c.latest_score_id)
                         .outerjoin(outcome, outcome.c.id == leads.c.latest_outcome_id)
                         .outerjoin(handover, handover.c.lead_id == leads.c.lead_id))
            .order_by(leads.c.lead_id))


def _leads(rows: Sequence[Any]) -> pd.DataFrame:
    records = []
    for row in rows:
        fields = row.fields or {}
        records.append({
            "lead_id": row.lead_id, "first_scored_at": row.first_scored_at, "handover_at": row.handover_at,
            "handover_grade": row.handover_grade, "grade": row.grade, "probability": float(row.probability),
            "rules": list(row.rules or []), "source": row.source, "campaign": fields.get("campaign"),
            "outcome": row.outcome, "closed_at": row.recorded_at if row.outcome in FINAL else None})
    return _frame(records, LEAD_COLUMNS, ("first_scored_at", "handover_at", "closed_at"))


def _activities(rows: Sequence[Any]) -> pd.DataFrame:
    records = [{"lead_id": row.lead_id, "at": row.at, "by": row.by, "contact": is_contact(row.kind, row.result)}
               for row in rows]
    return _frame(records, ACTIVITY_COLUMNS, ("at",))


def _frame(rows: Sequence[Any], columns: tuple[str, ...], times: tuple[str, ...]) -> pd.DataFrame:
    records = [row if isinstance(row, dict) else row._asdict() for row in rows]
    table = pd.DataFrame.from_records(records, columns=list(columns))
    for column in times:
        table[column] = pd.to_datetime(table[column], utc=True)
    return table
