"""Score feedback: a seller's report that a lead's score was wrong (too high, too low, the wrong rule)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from serving.store.database import LeadStore, inserted_id
from serving.store.errors import UnknownLead
from serving.store.records import NewFeedback, StoredFeedback
from serving.store.tables import leads, score_feedback


def record_feedback(store: LeadStore, new: NewFeedback, now: dt.datetime) -> StoredFeedback:
    """Record the report against the lead's latest score; UnknownLead if it was never scored."""
    with store.transaction() as connection:
        score_id = connection.execute(sa.select(leads.c.latest_score_id).where(leads.c.lead_id == new.lead_id)).first()
        if score_id is None:
            raise UnknownLead(new.lead_id)
        row = {"lead_id": new.lead_id, "score_id": score_id[0], "reason": new.reason, "comment": new.comment,
               "by": new.by, "recorded_at": now}
        feedback_id = inserted_id(connection.execute(score_feedback.insert(), row))
    return StoredFeedback(id=feedback_id, score_id=score_id[0], recorded_at=now.astimezone(dt.UTC),
                          lead_id=new.lead_id, reason=new.reason, comment=new.comment, by=new.by)


def lead_feedback_of(connection: Connection, lead_id: str) -> list[StoredFeedback]:
    """A lead's score feedback, oldest first."""
    rows = connection.execute(sa.select(score_feedback).where(score_feedback.c.lead_id == lead_id)
                              .order_by(score_feedback.c.recorded_at, score_feedback.c.id))
    return [stored_feedback(row) for row in rows]


def stored_feedback(row: Row[Any]) -> StoredFeedback:
    """A score_feedback row as a record."""
    return StoredFeedback(**row._asdict())
