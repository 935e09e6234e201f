"""Activities: calls, e-mails, meetings and notes about a lead, one at a time or backfilled in batch.

Each lead's first and last contact (a call, e-mail or meeting that did not bounce) are kept on its `leads`
row in the same transaction, so the queue reads the follow-up clock without scanning activities.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from serving.store.database import CHUNK, LeadStore, inserted_id
from serving.store.errors import InvalidActivity, StoreConflict, UnknownLead
from serving.store.records import RESULTS, NewActivity, StoredActivity
from serving.store.tables import UtcDateTime, lead_activities, leads

# A seller's clock may run a little ahead of ours; a contact further in the future has not happened yet.
SKEW = dt.timedelta(minutes=5)
CONTENT = ("kind", "result", "at", "by", "note")


def check_activity(new: NewActivity, now: dt.datetime) -> None:
    """Refuse a result the kind of activity cannot have, and a time in the future."""
    allowed = RESULTS[new.kind]
    if new.result is not None and new.result not in allowed:
        choices = ", ".join(allowed) if allowed else "none"
        raise InvalidActivity("result", f"a {new.kind} cannot have the result {new.result!r} (possible: {choices})")
    if new.at > now + SKEW:
        raise InvalidActivity("at", f"{new.at.isoformat()} is in the future (now is "
                                    f"{now.astimezone(dt.UTC).isoformat()}): log an activity once it happened")


def record_activity(store: LeadStore, new: NewActivity, now: dt.datetime) -> tuple[StoredActivity, bool]:
    """Record one activity; the same one again returns the record already there (created is False)."""
    [(stored, created)] = record_activities(store, [new], now)
    return stored, created


def record_activities(store: LeadStore, batch: Sequence[NewActivity],
                      now: dt.datetime) -> Recorded:
    """Record activities in one transaction, all or none; each with whether it was new (a repeat is not)."""
    for new in batch:
        check_activity(new, now)
    try:
        with store.transaction() as connection:
            return _record(connection, batch, now)
    except StoreConflict:  # another writer stored one of them between our read and our insert
        with store.transaction() as connection:
            return _record(connection, batch, now)


def dedupe_key(new: NewActivity) -> str:
    """A digest of what the activity says, so the same activity posted twice is stored once."""
    content = [new.kind, new.result, new.at.astimezone(dt.UTC).isoformat(), new.by, new.note]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode("utf-8")).hexdigest()


Recorded = list[tuple[StoredActivity, bool]]


def _record(connection: Connection, batch: Sequence[NewActivity], now: dt.datetime) -> Recorded:
    _known(connection, {new.lead_id for new in batch})
    results: Recorded = []
    seen: dict[tuple[str, str], StoredActivity] = {}
    for new in batch:
        key = (new.lead_id, dedupe_key(new))
        existing = seen.get(key) or _existing(connection, *key)
        if existing is not None:
            results.append((existing, False))
            continue
        row = {**_content(new), "lead_id": new.lead_id, "dedupe_key": key[1], "recorded_at": now}
        activity_id = inserted_id(connection.execute(lead_activities.insert(), row))
        stored = StoredActivity(id=activity_id, recorded_at=now.astimezone(dt.UTC), lead_id=new.lead_id,
                                **_content(new))
        seen[key] = stored
        if new.contact:
            _touch(connection, new.lead_id, new.at)
        results.append((stored, True))
    return results


def _known(connection: Connection, lead_ids: set[str]) -> None:
    """UnknownLead naming the first lead id (in sorted order) that was never scored."""
    wanted = sorted(lead_ids)
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        found.update(connection.scalars(sa.select(leads.c.lead_id).where(leads.c.lead_id.in_(chunk))))
    missing = [lead_id for lead_id in wanted if lead_id not in found]
    if missing:
        raise UnknownLead(missing[0])


def _existing(connection: Connection, lead_id: str, key: str) -> StoredActivity | None:
    row = connection.execute(sa.select(lead_activities).where(
        lead_activities.c.lead_id == lead_id, lead_activities.c.dedupe_key == key)).first()
    return None if row is None else stored_activity(row)


def _content(new: NewActivity) -> dict[str, Any]:
    return {name: getattr(new, name) for name in CONTENT}


def _touch(connection: Connection, lead_id: str, at: dt.datetime) -> None:
    """Move the lead's first contact earlier and its last contact later, as this contact requires."""
    when = sa.literal(at, UtcDateTime())
    first, last = leads.c.first_contact_at, leads.c.last_contact_at
    connection.execute(sa.update(leads).where(leads.c.lead_id == lead_id).values(
        first_contact_at=sa.case((sa.or_(first.is_(None), first > when), when), else_=first),
        last_contact_at=sa.case((sa.or_(last.is_(None), last < when), when), else_=last)))


def lead_activities_of(connection: Connection, lead_id: str) -> list[StoredActivity]:
    """A lead's activities, oldest first."""
    rows = connection.execute(sa.select(lead_activities).where(lead_activities.c.lead_id == lead_id)
                              .order_by(lead_activities.c.at, lead_activities.c.id))
    return [stored_activity(row) for row in rows]


def stored_activity(row: Row[Any]) -> StoredActivity:
    """A lead_activities row as a record (the dedupe key left out)."""
    values = row._asdict()
    return StoredActivity(id=values["id"], lead_id=values["lead_id"], recorded_at=values["recorded_at"],
                          **{name: values[name] for name in CONTENT})
