"""Outcomes: won, lost, or recycled to marketing with a call-back date; recorded once per lead and outcome."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serving.store.database import LeadStore, inserted_id
from serving.store.errors import InvalidOutcome, OutcomeConflict, StoreConflict, UnknownLead
from serving.store.records import NewOutcome, StoredOutcome
from serving.store.scores import stored_outcome
from serving.store.tables import lead_outcomes, leads

FINAL_KEY = "final"
# Dates come from sellers in every time zone: "today" spans UTC-12 to UTC+14, so a date that is today
# anywhere on Earth is neither refused as future (closed_on) nor as past (call_back_on).
AHEAD = dt.timedelta(hours=14)
BEHIND = dt.timedelta(hours=12)
COMPARED = ("outcome", "closed_on", "call_back_on", "score_was_wrong", "comment", "lost_reason")


def record_outcome(store: LeadStore, new: NewOutcome, now: dt.datetime) -> tuple[StoredOutcome, bool]:
    """Record an outcome; the same one again returns the record already there (created is False)."""
    check_outcome(new, now)
    try:
        with store.transaction() as connection:
            return _record(connection, new, now)
    except StoreConflict:  # another writer recorded it between our read and our insert: compare with theirs
        with store.transaction() as connection:
            return _record(connection, new, now)


def check_outcome(new: NewOutcome, now: dt.datetime) -> None:
    """Refuse dates on the wrong side of today and dates that do not belong to the outcome."""
    today = now.astimezone(dt.UTC)
    if new.lost_reason is not None and new.outcome != "lost":
        raise InvalidOutcome("lost_reason", f"only a lost deal has a lost reason; outcome {new.outcome!r} got "
                                            f"{new.lost_reason!r}")
    if new.final:
        if new.call_back_on is not None:
            raise InvalidOutcome("call_back_on", f"only a recycled lead gets a call-back date; outcome "
                                                 f"{new.outcome!r} is final, got {new.call_back_on}")
        if new.closed_on is not None and new.closed_on > (today + AHEAD).date():
            raise InvalidOutcome("closed_on", f"{new.closed_on} is in the future (today is {today.date()} UTC): "
                                              "a deal is closed on or before the day it is reported")
        return
    if new.call_back_on is None:
        raise InvalidOutcome("call_back_on", "a recycled lead needs the date to call back, e.g. in four months")
    if new.call_back_on <= (today - BEHIND).date():
        raise InvalidOutcome("call_back_on", f"{new.call_back_on} is not in the future (today is "
                                             f"{today.date()} UTC): marketing needs a date to call back")
    if new.closed_on is not None:
        raise InvalidOutcome("closed_on", f"a recycled lead is not closed, got {new.closed_on}")


def dedupe_key(new: NewOutcome) -> str:
    """One key per lead for a final outcome; one per distinct recycle."""
    if new.final:
        return FINAL_KEY
    payload = json.dumps([str(new.call_back_on), new.score_was_wrong, new.comment], ensure_ascii=False)
    return "recycled:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def _record(connection: Connection, new: NewOutcome, now: dt.datetime) -> tuple[StoredOutcome, bool]:
    score_id = connection.execute(sa.select(leads.c.latest_score_id).where(leads.c.lead_id == new.lead_id)).first()
    if score_id is None:
        raise UnknownLead(new.lead_id)
    existing = _existing(connection, new)
    if existing is not None:
        return same_or_conflict(existing, new), False
    row = _row(new, now, score_id[0])
    outcome_id = inserted_id(connection.execute(lead_outcomes.insert(), row))
    connection.execute(sa.update(leads).where(leads.c.lead_id == new.lead_id).values(latest_outcome_id=outcome_id))
    return StoredOutcome(id=outcome_id, recorded_at=now.astimezone(dt.UTC), score_id=score_id[0],
                         **{name: getattr(new, name) for name in ("lead_id", *COMPARED)}), True


def _existing(connection: Connection, new: NewOutcome) -> StoredOutcome | None:
    """The lead's final outcome if it has one, else an identical recycle already recorded."""
    keys = [FINAL_KEY, dedupe_key(new)]
    rows = connection.execute(sa.select(lead_outcomes).where(
        lead_outcomes.c.lead_id == new.lead_id, lead_outcomes.c.dedupe_key.in_(keys)))
    found = {row.dedupe_key: stored_outcome(row) for row in rows}
    return found.get(FINAL_KEY) or found.get(keys[1])


def same_or_conflict(existing: StoredOutcome, new: NewOutcome) -> StoredOutcome:
    """The existing record when the new report repeats it; OutcomeConflict naming it otherwise."""
    differs = [name for name in COMPARED if getattr(existing, name) != getattr(new, name)]
    if not differs:
        return existing
    when = existing.recorded_at.strftime("%Y-%m-%d %H:%M UTC")
    if existing.outcome == new.outcome:
        raise OutcomeConflict(f"lead {new.lead_id!r} already has the final outcome {existing.outcome!r} "
                              f"(recorded {when}) with other {', '.join(differs)}; a final outcome is recorded once",
                              existing)
    raise OutcomeConflict(f"lead {new.lead_id!r} already has the final outcome {existing.outcome!r} (recorded "
                          f"{when}); {new.outcome!r} was not recorded", existing)


def _row(new: NewOutcome, now: dt.datetime, score_id: int | None) -> dict[str, Any]:
    call_back_at = (dt.datetime.combine(new.call_back_on, dt.time(), tzinfo=dt.UTC)
                    if new.call_back_on is not None else None)
    return {"lead_id": new.lead_id, "outcome": new.outcome, "dedupe_key": dedupe_key(new),
            "closed_on": new.closed_on, "call_back_on": new.call_back_on, "call_back_at": call_back_at,
            "score_was_wrong": new.score_was_wrong, "comment": new.comment, "lost_reason": new.lost_reason,
            "recorded_at": now,
            "score_id": score_id}
