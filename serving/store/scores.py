"""The score log: write scores durably, read a lead's history back."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect, Row

from serving.store.activities import lead_activities_of
from serving.store.database import CHUNK, LeadStore, inserted_id
from serving.store.driver_sql import DriverStatement
from serving.store.errors import UnknownLead
from serving.store.feedback import lead_feedback_of
from serving.store.records import LeadHistory, ScoreRecord, StoredOutcome, StoredScore
from serving.store.tables import UtcDateTime, lead_outcomes, lead_scores, leads

SCORE_COLUMNS = tuple(field.name for field in fields(ScoreRecord))


FEW_SCORES = 50  # up to this many records a transaction, each is written by the driver statements below


def add_scores(store: LeadStore, records: Sequence[ScoreRecord]) -> list[int]:
    """Log scores in one transaction, committed before this returns; their ids in the records' order."""
    if not records:
        return []
    statements = few_score_statements(store.engine.dialect) if len(records) <= FEW_SCORES else None
    if statements is not None:
        with store.driver_transaction() as cursor:
            return [statements.add(cursor, record) for record in records]
    with store.transaction() as connection:
        add_missing_leads(connection, records)
        ids = insert_scores(connection, records)
        move_latest(connection, records, ids)
    return ids


class FewScoreStatements:
    """The three statements of `add_scores` for one record at a time, as driver SQL (the scoring API's path)."""

    def __init__(self, dialect: Dialect) -> None:
        self.first_scored = DriverStatement(FIRST_SCORED[dialect.name], dialect, ["lead_id", "first_scored_at"])
        self.insert = DriverStatement(INSERT_RETURNING, dialect, SCORE_COLUMNS)
        self.move_latest = DriverStatement(MOVE_LATEST, dialect)

    def add(self, cursor: Any, record: ScoreRecord) -> int:
        """Write one record on a DBAPI cursor (see `LeadStore.driver_transaction`); its score id."""
        self.first_scored.execute(cursor, {"lead_id": record.lead_id, "first_scored_at": record.scored_at})
        score_id = int(self.insert.execute(cursor, score_row(record)).fetchone()[0])
        self.move_latest.execute(cursor, {"b_lead": record.lead_id, "b_id": score_id, "b_time": record.scored_at})
        return score_id


@functools.cache
def few_score_statements(dialect: Dialect) -> FewScoreStatements | None:
    """The driver statements for a dialect with upserts and RETURNING (SQLite, PostgreSQL), else None."""
    if dialect.name not in FIRST_SCORED or not dialect.insert_returning:
        return None
    return FewScoreStatements(dialect)


def _first_scored_upsert(insert: Any) -> Any:
    statement = insert(leads)
    earlier = statement.excluded.first_scored_at  # a replica may commit an older score late
    return statement.on_conflict_do_update(index_elements=["lead_id"], set_={"first_scored_at": earlier},
                                           where=leads.c.first_scored_at > earlier)


# Built once: constructing a statement costs more than executing it on a small transaction.
FIRST_SCORED = {"sqlite": _first_scored_upsert(sqlite.insert), "postgresql": _first_scored_upsert(postgresql.insert)}
INSERT_RETURNING = lead_scores.insert().returning(lead_scores.c.id, sort_by_parameter_order=True)
_AT = sa.bindparam("b_time", type_=UtcDateTime())
MOVE_LATEST = (sa.update(leads)
               .where(leads.c.lead_id == sa.bindparam("b_lead"),
                      sa.or_(leads.c.latest_scored_at.is_(None), leads.c.latest_scored_at <= _AT))
               .values(latest_score_id=sa.bindparam("b_id"), latest_scored_at=_AT))


def add_missing_leads(connection: Connection, records: Sequence[ScoreRecord]) -> None:
    """Insert a row for each lead seen for the first time; keep the earliest time a lead was scored."""
    first: dict[str, dt.datetime] = {}
    for record in records:
        first[record.lead_id] = min(record.scored_at, first.get(record.lead_id, record.scored_at))
    rows = [{"lead_id": lead_id, "first_scored_at": at} for lead_id, at in first.items()]
    upsert = FIRST_SCORED.get(connection.dialect.name)
    if upsert is not None:
        connection.execute(upsert, rows)
        return
    known = set(_known_leads(connection, list(first)))
    missing = [row for row in rows if row["lead_id"] not in known]
    if missing:
        connection.execute(leads.insert(), missing)


def _known_leads(connection: Connection, lead_ids: list[str]) -> Iterable[str]:
    for start in range(0, len(lead_ids), CHUNK):
        chunk = lead_ids[start:start + CHUNK]
        yield from connection.scalars(sa.select(leads.c.lead_id).where(leads.c.lead_id.in_(chunk)))


def insert_scores(connection: Connection, records: Sequence[ScoreRecord]) -> list[int]:
    """Insert the score rows; their ids in order."""
    rows = [score_row(record) for record in records]
    if connection.dialect.insert_executemany_returning_sort_by_parameter_order:
        return [int(i) for i in connection.scalars(INSERT_RETURNING, rows)]
    return [inserted_id(connection.execute(lead_scores.insert(), row)) for row in rows]


def score_row(record: ScoreRecord) -> dict[str, Any]:
    """The lead_scores columns of a record (a StoredScore's id left out)."""
    return {column: getattr(record, column) for column in SCORE_COLUMNS}


def move_latest(connection: Connection, records: Sequence[ScoreRecord], ids: Sequence[int]) -> None:
    """Point each lead at its newest score, unless another writer already logged a newer one."""
    newest: dict[str, dict[str, Any]] = {}
    for record, score_id in zip(records, ids, strict=True):
        newest[record.lead_id] = {"b_lead": record.lead_id, "b_id": score_id, "b_time": record.scored_at}
    connection.execute(MOVE_LATEST, list(newest.values()))


def lead_history(store: LeadStore, lead_id: str, limit: int = 20) -> LeadHistory:
    """A lead's newest `limit` scores and all its outcomes, newest first, and its activities and score feedback
    oldest first; UnknownLead if never scored."""
    with store.transaction() as connection:
        first = connection.scalar(sa.select(leads.c.first_scored_at).where(leads.c.lead_id == lead_id))
        if first is None:
            raise UnknownLead(lead_id)
        scores = connection.execute(
            sa.select(lead_scores).where(lead_scores.c.lead_id == lead_id)
            .order_by(lead_scores.c.scored_at.desc(), lead_scores.c.id.desc()).limit(limit))
        outcomes = connection.execute(
            sa.select(lead_outcomes).where(lead_outcomes.c.lead_id == lead_id)
            .order_by(lead_outcomes.c.recorded_at.desc(), lead_outcomes.c.id.desc()))
        return LeadHistory(lead_id, first, [stored_score(row) for row in scores],
                           [stored_outcome(row) for row in outcomes], lead_activities_of(connection, lead_id),
                           lead_feedback_of(connection, lead_id))


def stored_score(row: Row[Any]) -> StoredScore:
    """A lead_scores row as a record."""
    return StoredScore(**row._asdict())


def stored_outcome(row: Row[Any]) -> StoredOutcome:
    """A lead_outcomes row as a record (storage-only columns left out)."""
    values = row._asdict()
    return StoredOutcome(id=values["id"], lead_id=values["lead_id"], outcome=values["outcome"],
                         closed_on=values["closed_on"], call_back_on=values["call_back_on"],
                         score_was_wrong=values["score_was_wrong"], comment=values["comment"],
                         lost_reason=values["lost_reason"], recorded_at=values["recorded_at"],
                         score_id=values["score_id"])
