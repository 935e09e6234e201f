"""Activities in the store, on SQLite and PostgreSQL: recorded once, oldest first, contacts kept on the lead."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from serving.store.activities import record_activities, record_activity
from serving.store.database import LeadStore
from serving.store.errors import InvalidActivity, UnknownLead
from serving.store.records import NewActivity
from serving.store.scores import add_scores, lead_history
from serving.store.tables import lead_activities, leads
from tests.serving.store.factories import NOON, score_record

HOUR = dt.timedelta(hours=1)


@pytest.fixture()
def scored(store: LeadStore) -> LeadStore:
    add_scores(store, [score_record("L-1"), score_record("L-2")])
    return store


def call(at: dt.datetime, lead_id: str = "L-1", **changes: object) -> NewActivity:
    values: dict[str, object] = {"lead_id": lead_id, "kind": "call", "result": "reached", "at": at, "by": "Ana",
                                 **changes}
    return NewActivity(**values)  # type: ignore[arg-type]


def contacts(store: LeadStore, lead_id: str) -> tuple[dt.datetime | None, dt.datetime | None]:
    with store.transaction() as connection:
        row = connection.execute(sa.select(leads.c.first_contact_at, leads.c.last_contact_at)
                                 .where(leads.c.lead_id == lead_id)).one()
    return row.first_contact_at, row.last_contact_at


def test_activities_come_back_oldest_first_with_their_content(scored: LeadStore) -> None:
    later, _ = record_activity(scored, call(NOON + 3 * HOUR, note="Sent the quote."), NOON + 4 * HOUR)
    earlier, created = record_activity(scored, call(NOON + HOUR, result="no_answer"), NOON + 4 * HOUR)
    assert created
    history = lead_history(scored, "L-1")
    assert history.activities == [earlier, later]
    assert (later.kind, later.result, later.by, later.note) == ("call", "reached", "Ana", "Sent the quote.")
    assert later.at == NOON + 3 * HOUR and later.recorded_at == NOON + 4 * HOUR
    assert lead_history(scored, "L-2").activities == []


def test_the_same_activity_twice_is_stored_once(scored: LeadStore) -> None:
    first, created = record_activity(scored, call(NOON), NOON)
    again, created_again = record_activity(scored, call(NOON), NOON + HOUR)
    assert created and not created_again and again == first
    with scored.transaction() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(lead_activities)) == 1


def test_first_and_last_contact_follow_backfilled_times_in_any_order(scored: LeadStore) -> None:
    assert contacts(scored, "L-1") == (None, None)
    record_activities(scored, [call(NOON + 5 * HOUR), call(NOON + HOUR), call(NOON + 3 * HOUR)], NOON + 6 * HOUR)
    assert contacts(scored, "L-1") == (NOON + HOUR, NOON + 5 * HOUR)


def test_notes_and_bounces_are_not_contact(scored: LeadStore) -> None:
    note = NewActivity(lead_id="L-1", kind="note", at=NOON, note="Asked marketing about the webinar.")
    bounce = NewActivity(lead_id="L-1", kind="email", result="bounced", at=NOON)
    stored = record_activities(scored, [note, bounce], NOON)
    assert [activity.contact for activity, _ in stored] == [False, False]
    assert contacts(scored, "L-1") == (None, None)


def test_an_unknown_lead_in_a_batch_records_nothing(scored: LeadStore) -> None:
    with pytest.raises(UnknownLead, match="L-nobody"):
        record_activities(scored, [call(NOON), call(NOON, lead_id="L-nobody")], NOON)
    assert lead_history(scored, "L-1").activities == []


@pytest.mark.parametrize(("activity", "field"), [
    (NewActivity(lead_id="L-1", kind="note", result="reached", at=NOON), "result"),
    (NewActivity(lead_id="L-1", kind="call", result="bounced", at=NOON), "result"),
    (NewActivity(lead_id="L-1", kind="call", at=NOON + HOUR), "at"),
])
def test_impossible_activities_are_refused_naming_the_field(scored: LeadStore, activity: NewActivity,
                                                            field: str) -> None:
    with pytest.raises(InvalidActivity) as refused:
        record_activity(scored, activity, NOON)
    assert refused.value.field == field
