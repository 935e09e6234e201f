"""Stale scores: the open leads whose latest score was given by another model or another agreement.

Open means no final outcome: never closed, or recycled (a recycled lead comes back to a seller, graded by
whatever is in force then). A won or lost lead keeps the score it was closed on.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from serving.store.database import LeadStore
from serving.store.records import FINAL, StoredScore
from serving.store.scores import stored_score
from serving.store.tables import lead_outcomes, lead_scores, leads


def stale_scores(store: LeadStore, model_version: str, agreement_sha256: str, after: str | None,
                 limit: int) -> list[StoredScore]:
    """Up to `limit` stale latest scores, by lead id after `after` (None: from the first)."""
    terms = _stale(model_version, agreement_sha256)
    if after is not None:
        terms = sa.and_(terms, leads.c.lead_id > after)
    query = (sa.select(lead_scores).select_from(_joined()).where(terms)
             .order_by(leads.c.lead_id).limit(limit))
    with store.transaction() as connection:
        return [stored_score(row) for row in connection.execute(query)]


def count_stale(store: LeadStore, model_version: str, agreement_sha256: str) -> int:
    """How many open leads are not on this model and this agreement."""
    query = sa.select(sa.func.count()).select_from(_joined()).where(_stale(model_version, agreement_sha256))
    with store.transaction() as connection:
        return int(connection.scalar(query) or 0)


def count_open(store: LeadStore) -> int:
    """How many leads have no final outcome."""
    query = sa.select(sa.func.count()).select_from(_joined()).where(_open())
    with store.transaction() as connection:
        return int(connection.scalar(query) or 0)


def _joined() -> sa.FromClause:
    return (leads.join(lead_scores, lead_scores.c.id == leads.c.latest_score_id)
            .outerjoin(lead_outcomes, lead_outcomes.c.id == leads.c.latest_outcome_id))


def _open() -> ColumnElement[bool]:
    return sa.or_(lead_outcomes.c.id.is_(None), lead_outcomes.c.outcome.not_in(FINAL))


def _stale(model_version: str, agreement_sha256: str) -> ColumnElement[bool]:
    other = sa.or_(lead_scores.c.model_version != model_version, lead_scores.c.agreement_sha256.is_(None),
                   lead_scores.c.agreement_sha256 != agreement_sha256)
    return sa.and_(_open(), other)
