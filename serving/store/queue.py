"""The seller queue: each lead's latest score and newest outcome, its status, and the follow-up promise.

Status comes from the newest outcome: none is `open`; won and lost are final; a recycled lead is
`recycled` (marketing nurtures it) until its call-back date, then `open` again.

The follow-up clock runs from the handover (the lead's first score at a grade the agreement promises
follow-up hours for) to the first contact after it; a recycled lead that came back starts the clock again at
its call-back date. An open lead is overdue when it was not contacted since the clock started and the hours
promised for its current grade have passed. A re-score does not restart the clock; grades without a promise
are never overdue.
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
        self.handover = handovers(follow_up)
        at = sa.literal(self.now, UtcDateTime())
        came_back = sa.and_(self.outcome.c.outcome == "recycled", self.outcome.c.call_back_at <= at)
        self.status = sa.case((self.outcome.c.id.is_(None), "open"), (came_back, "open"),
                              else_=self.outcome.c.outcome)
        handover_at = self.handover.c.handover_at
        self.clock = sa.case((sa.and_(came_back, self.outcome.c.call_back_at > handover_at),
                              self.outcome.c.call_back_at), else_=handover_at)
        self.contacted = sa.and_(leads.c.last_contact_at.is_not(None), leads.c.last_contact_at >= self.clock)
        self.overdue = sa.and_(self.status == "open", self.clock.is_not(None), sa.not_(self.contacted), self._late())

    def _late(self) -> ColumnElement[bool]:
        promised = [sa.and_(self.score.c.grade == grade, self.clock < self.now - dt.timedelta(hours=hours))
                    for grade, hours in self.follow_up.hours.items()]
        return sa.or_(*promised) if promised else sa.false()

    def joined(self) -> sa.FromClause:
        return (leads.join(self.score, self.score.c.id == leads.c.latest_score_id)
                .outerjoin(self.outcome, self.outcome.c.id == leads.c.latest_outcome_id)
                .outerjoin(self.handover, self.handover.c.lead_id == leads.c.lead_id))

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
        return terms + self._clock_conditions(query)

    def _clock_conditions(self, query: LeadQuery) -> list[ColumnElement[bool]]:
        terms: list[ColumnElement[bool]] = []
        first, last, handover_at = leads.c.first_contact_at, leads.c.last_contact_at, self.handover.c.handover_at
        if query.contacted is not None:
            terms.append(first.is_not(None) if query.contacted else first.is_(None))
        if query.handed_over is not None:
            terms.append(handover_at.is_not(None) if query.handed_over else handover_at.is_(None))
        if query.handed_over_since is not None:
            terms.append(handover_at >= query.handed_over_since)
        if query.handed_over_before is not None:
            terms.append(handover_at < query.handed_over_before)
        if query.last_contact_before is not None:
            terms.append(last < query.last_contact_before)
        return terms

    def selected(self) -> list[Any]:
        s, o = self.score.c, self.outcome.c
        return [leads.c.lead_id, leads.c.first_scored_at, s.id.label("score_id"), s.scored_at, s.grade, s.label,
                s.model_grade, s.probability, s.disqualified, s.deciding_rule, s.source, s.model_version,
                s.agreement_version, o.outcome, o.call_back_on, self.status.label("status"),
                leads.c.first_contact_at, leads.c.last_contact_at,
                sa.type_coerce(self.handover.c.handover_at, UtcDateTime()).label("handover_at"),
                sa.type_coerce(self.clock, UtcDateTime()).label("clock_at"),
                sa.type_coerce(sa.case((self.contacted, True), else_=False), sa.Boolean()).label("contacted"),
                sa.type_coerce(sa.case((self.overdue, True), else_=False), sa.Boolean()).label("overdue")]

    def order(self) -> list[Any]:
        letters = self.follow_up.letters
        rank = (sa.case({letter: i for i, letter in enumerate(letters)}, value=self.score.c.grade, else_=len(letters))
                if letters else self.score.c.grade)
        return [rank, self.score.c.probability.desc(), leads.c.latest_scored_at, leads.c.lead_id]

    def entry(self, row: dict[str, Any]) -> QueueEntry:
        """A result row as a queue entry, with the time the promise runs out while it is still to keep."""
        clock, contacted = row.pop("clock_at"), bool(row.pop("contacted"))
        hours = self.follow_up.hours.get(row["grade"])
        pending = row["status"] == "open" and clock is not None and not contacted
        due = clock + dt.timedelta(hours=hours) if pending and hours is not None else None
        return QueueEntry(**{**row, "overdue": bool(row["overdue"]), "due_at": due})


def handovers(follow_up: FollowUp) -> sa.Subquery:
    """Per lead, its first score at a grade with a follow-up promise: when marketing handed it to sales."""
    promised = list(follow_up.hours)
    scores = lead_scores.alias("h_scores")
    first = sa.func.min(scores.c.scored_at) if promised else sa.null()
    where = scores.c.grade.in_(promised) if promised else sa.false()
    return (sa.select(scores.c.lead_id, sa.type_coerce(first, UtcDateTime()).label("handover_at"))
            .where(where).group_by(scores.c.lead_id).subquery("h"))
