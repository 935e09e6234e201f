"""Lookups for the seller pages: several scores by id in one query, and the sources the queue can filter on."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from serving.store.database import CHUNK, LeadStore
from serving.store.records import StoredScore
from serving.store.scores import stored_score
from serving.store.tables import lead_scores, leads


def scores_by_id(store: LeadStore, ids: Sequence[int]) -> dict[int, StoredScore]:
    """The scores with these ids (unknown ids left out), in one transaction."""
    found: dict[int, StoredScore] = {}
    if not ids:
        return found
    with store.transaction() as connection:
        for start in range(0, len(ids), CHUNK):
            rows = connection.execute(sa.select(lead_scores).where(lead_scores.c.id.in_(ids[start:start + CHUNK])))
            found.update((score.id, score) for score in map(stored_score, rows))
    return found


def latest_sources(store: LeadStore) -> list[str]:
    """The distinct sources of the leads' latest scores, sorted."""
    statement = (sa.select(lead_scores.c.source).distinct()
                 .select_from(leads.join(lead_scores, lead_scores.c.id == leads.c.latest_score_id))
                 .where(lead_scores.c.source.is_not(None)).order_by(lead_scores.c.source))
    with store.transaction() as connection:
        return [str(source) for source in connection.scalars(statement)]
