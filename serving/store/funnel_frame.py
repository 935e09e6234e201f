"""The lead store as the scored-lead table `reports.funnel.build_funnel` reads: one row per lead.

Each lead's latest score (leads.latest_score_id) joined with its newest outcome (leads.latest_outcome_id),
so a lead recycled and later won counts as won. The breakdown columns come from the score's stored
non-personal fields; lead_source falls back to the score's `source` column.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import sqlalchemy as sa

from reports.funnel import COLUMNS
from serving.store.database import LeadStore
from serving.store.tables import lead_outcomes, lead_scores, leads

BREAKDOWNS = ("lead_source", "campaign")


def scored_leads(store: LeadStore, start: dt.datetime | None = None, end: dt.datetime | None = None) -> pd.DataFrame:
    """Leads whose latest score falls in [start, end), with their outcome (None while open)."""
    query = (sa.select(leads.c.lead_id, lead_scores.c.scored_at, lead_scores.c.probability, lead_scores.c.grade,
                       lead_scores.c.rules, lead_scores.c.fields, lead_scores.c.source,
                       lead_outcomes.c.outcome)
             .select_from(leads.join(lead_scores, lead_scores.c.id == leads.c.latest_score_id)
                          .outerjoin(lead_outcomes, lead_outcomes.c.id == leads.c.latest_outcome_id))
             .order_by(leads.c.lead_id))
    if start is not None:
        query = query.where(leads.c.latest_scored_at >= start)
    if end is not None:
        query = query.where(leads.c.latest_scored_at < end)
    with store.transaction() as connection:
        rows = connection.execute(query).all()
    return frame(rows)


def frame(rows: Any) -> pd.DataFrame:
    """Rows of (lead_id, scored_at, probability, grade, rules, fields, source, outcome) as the funnel table."""
    records = []
    for row in rows:
        fields = row.fields or {}
        records.append({
            "lead_id": row.lead_id, "scored_at": row.scored_at, "probability": float(row.probability),
            "grade": row.grade, "rules": list(row.rules or []), "outcome": row.outcome,
            "lead_source": fields.get("lead_source", row.source), "campaign": fields.get("campaign")})
    table = pd.DataFrame.from_records(records, columns=[*COLUMNS, *BREAKDOWNS])
    table["scored_at"] = pd.to_datetime(table["scored_at"], utc=True)
    table["probability"] = table["probability"].astype(float)
    table["outcome"] = table["outcome"].astype(object)
    return table
