"""The seller queue: each lead's latest score and newest outcome, its status, and the follow-up promise.

Status comes from the newest outcome: none is `open`; won and lost are final; a recycled lead is
`recycled` (marketing nurtures it) until its call-back date, then `open` again. An open lead is
overdue when its last activity (its latest score, or the call-back date of a recycled lead come back)
is older than the hours the agreement promises for its grade; a re-score is activity and restarts
the clock. Grades without a promise are never overdue.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from serving.store.database import LeadStore
from serving.store.records import FollowUp, LeadPage, LeadQuery, QueueEntry
from serving.store.tables import UtcDateTime, lead_outcomes, lead_scores, leads

MAX_LIMIT = 1000
MAX_OFFSET = 1_000_000_000  # far past any queue, and inside every backend's integer (SQLite refuses > 2**63)


def list_leads(store: LeadStore, query: LeadQuery, follow_up: FollowUp, now: dt.datetime) -> LeadPage:
    """One page of leads matching the query, best grade first, then highest probability, oldest first."""
    if not 1 <= query.limit <= MAX_LIMIT or not 0 <= query.offset <= MAX_OFFSET:
        raise ValueError(f"limit {query.limit} must be 1..{MAX_LIMIT} and offset {query.offset} 0..{MAX_OFFSET}")
    columns = QueueColumns(follow_up, now)
    conditions = columns.conditions(query)
    page = (sa.select(*columns.selected()).select_from(columns.joined()).where(*conditions)
            .order_by(*columns.order()).limit(query.limit).offset(query.offset))
    count = sa.select(sa.func.count()).select_from(columns.joined()).where(*conditions)
    with store.transaction() as connection:
        total = int(connection.scalar(count) or 0)
        entries = [columns.entry(row._asdict()) for row in connection.execute(page)]
    return LeadPage(entries, total, query.limit, query.offset, now)


class QueueColumns:
    """The queue's SQL expressions for one agreement and one moment."""

    def __init__(self, follow_up: FollowUp, now: dt.datetime) -> None:
        self.follow_up = follow_up
        self.now = now.astimezone(dt.UTC)
        self.score, self.outcome = lead_scores.alias("s"), lead_outcomes.alias("o")
        at = sa.literal(self.now, UtcDateTime())
        came_back = sa.and_(self.outcome.c.outcome == "recycled", self.outcome.c.call_back_at <= at)
        self.status = sa.case((self.outcome.c.id.is_(None), "open"), (came_back, "open"),
                              else_=self.outcome.c.outcome)
        self.activity = sa.case(
            (sa.and_(came_back, self.outcome.c.call_back_at > leads.c.latest_scored_at), self.outcome.c.call_back_at),
            else_=leads.c.latest_scored_at)
        self.overdue = sa.and_(self.status == "open", self._late())

    def _late(self) -> ColumnElement[bool]:
        promised = [sa.and_(self.score.c.grade == grade, self.activity < self.now - dt.timedelta(hours=hours))
                    for grade, hours in self.follow_up.hours.items()]
        return sa.or_(*promised) if promised else sa.false()

    def joined(self) -> sa.FromClause:
        return (leads.join(self.score, self.score.c.id == leads.c.latest_score_id)
                .outerjoin(self.outcome, self.outcome.c.id == leads.c.latest_outcome_id))

    def conditions(self, query: LeadQuery) -> list[ColumnElement[bool]]:
        """WHERE terms for the query's filters."""
        terms: list[ColumnElement[bool]] = []
        if query.status is not None:
            terms.append(self.status == query.status)
        if query.overdue is not None:
            terms.append(self.overdue if query.overdue else sa.not_(self.overdue))
        for column, value in ((self.score.c.grade, query.grade), (self.score.c.source, query.source),
                              (leads.c.lead_id, query.lead_id)):
            if value is not None:
                terms.append(column == value)
        return terms

    def selected(self) -> list[Any]:
        s, o = self.score.c, self.outcome.c
        return [leads.c.lead_id, leads.c.first_scored_at, s.id.label("score_id"), s.scored_at, s.grade, s.label,
                s.model_grade, s.probability, s.disqualified, s.deciding_rule, s.source, s.model_version,
                s.agreement_version, o.outcome, o.call_back_on, self.status.label("status"),
                sa.type_coerce(self.activity, UtcDateTime()).label("activity_at"),
                sa.type_coerce(sa.case((self.overdue, True), else_=False), sa.Boolean()).label("overdue")]

    def order(self) -> list[Any]:
        letters = self.follow_up.letters
        rank = (sa.case({letter: i for i, letter in enumerate(letters)}, value=self.score.c.grade, else_=len(letters))
                if letters else self.score.c.grade)
        return [rank, self.score.c.probability.desc(), leads.c.latest_scored_at, leads.c.lead_id]

    def entry(self, row: dict[str, Any]) -> QueueEntry:
        """A result row as a queue entry, with the time the promise runs out."""
        activity, hours = row.pop("activity_at"), self.follow_up.hours.get(row["grade"])
        promised = row["status"] == "open" and hours is not None
        due = activity + dt.timedelta(hours=hours) if promised and hours is not None else None
        return QueueEntry(**{**row, "overdue": bool(row["overdue"]), "due_at": due})
