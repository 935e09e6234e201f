"""The seller queue: open leads by grade then probability, statuses, and the follow-up clock on a fixed clock."""

from __future__ import annotations

import datetime as dt

import pytest

from serving.store.activities import record_activity
from serving.store.database import LeadStore
from serving.store.outcomes import record_outcome
from serving.store.queue import list_leads
from serving.store.records import FollowUp, LeadQuery, NewActivity, NewOutcome, QueueEntry
from serving.store.scores import add_scores
from tests.serving.store.factories import NOON, score_record

PROMISES = FollowUp(("A", "B", "C", "D"), {"A": 4, "B": 24, "C": 72})  # D: no promise
HOUR = dt.timedelta(hours=1)


def ids(entries: list[QueueEntry]) -> list[str]:
    return [entry.lead_id for entry in entries]


def queue(store: LeadStore, now: dt.datetime, **query: object) -> list[QueueEntry]:
    return list_leads(store, LeadQuery(**query), PROMISES, now).entries  # type: ignore[arg-type]


@pytest.fixture()
def graded(store: LeadStore) -> LeadStore:
    """Six leads scored at noon: two A, two B, one C, one D."""
    add_scores(store, [
        score_record("A-low", grade="A", probability=0.55), score_record("A-high", grade="A", probability=0.8),
        score_record("B-1", grade="B", probability=0.3, source="web_form"),
        score_record("B-2", grade="B", probability=0.4),
        score_record("C-1", grade="C", probability=0.6, model_grade="A", deciding_rule="contact-data"),
        score_record("D-1", grade="D", probability=0.02)])
    return store


def test_open_leads_come_by_grade_then_probability(graded: LeadStore) -> None:
    # C-1's probability is the highest but an agreed rule capped it at C: the grade orders first
    assert ids(queue(graded, NOON)) == ["A-high", "A-low", "B-2", "B-1", "C-1", "D-1"]


def test_overdue_follows_each_grades_promise(graded: LeadStore) -> None:
    five_hours = {e.lead_id: e.overdue for e in queue(graded, NOON + 5 * HOUR)}
    assert five_hours == {"A-high": True, "A-low": True, "B-2": False, "B-1": False, "C-1": False, "D-1": False}
    two_days = queue(graded, NOON + 48 * HOUR, overdue=True)
    assert ids(two_days) == ["A-high", "A-low", "B-2", "B-1"]  # C has 72 hours, D no promise at all
    assert ids(queue(graded, NOON + 1000 * HOUR, overdue=False)) == ["D-1"]


def test_the_promise_runs_out_exactly_at_its_hours(graded: LeadStore) -> None:
    [entry] = queue(graded, NOON + 4 * HOUR, lead_id="A-high")
    assert entry.due_at == NOON + 4 * HOUR and not entry.overdue  # due now, late only after
    [entry] = queue(graded, NOON + 4 * HOUR + dt.timedelta(seconds=1), lead_id="A-high")
    assert entry.overdue
    [nothing_promised] = queue(graded, NOON, lead_id="D-1")
    assert nothing_promised.due_at is None


def contact(store: LeadStore, lead_id: str, at: dt.datetime, kind: str = "call", result: str = "reached") -> None:
    record_activity(store, NewActivity(lead_id=lead_id, kind=kind, result=result, at=at),  # type: ignore[arg-type]
                    at)


def test_a_rescore_does_not_restart_the_clock(graded: LeadStore) -> None:
    add_scores(graded, [score_record("A-low", scored_at=NOON + 3 * HOUR, grade="A", probability=0.56)])
    assert ids(queue(graded, NOON + 5 * HOUR, overdue=True)) == ["A-high", "A-low"]
    [entry] = queue(graded, NOON + 5 * HOUR, lead_id="A-low")
    assert (entry.handover_at, entry.due_at) == (NOON, NOON + 4 * HOUR)


def test_a_contact_in_time_keeps_the_promise(graded: LeadStore) -> None:
    contact(graded, "A-high", NOON + 10 * dt.timedelta(minutes=1))
    [entry] = queue(graded, NOON + 100 * HOUR, lead_id="A-high")
    assert (entry.overdue, entry.due_at) == (False, None)
    assert entry.first_contact_at == entry.last_contact_at == NOON + 10 * dt.timedelta(minutes=1)


def test_a_late_contact_ends_the_overdue_state(graded: LeadStore) -> None:
    assert ids(queue(graded, NOON + 6 * HOUR, overdue=True, grade="A")) == ["A-high", "A-low"]
    contact(graded, "A-low", NOON + 6 * HOUR)
    assert ids(queue(graded, NOON + 7 * HOUR, overdue=True, grade="A")) == ["A-high"]
    [never] = queue(graded, NOON + 7 * HOUR, lead_id="A-high")
    assert (never.first_contact_at, never.due_at, never.overdue) == (None, NOON + 4 * HOUR, True)


def test_a_note_or_a_bounce_is_no_contact(graded: LeadStore) -> None:
    contact(graded, "A-high", NOON + HOUR, kind="email", result="bounced")
    record_activity(graded, NewActivity(lead_id="A-high", kind="note", at=NOON + HOUR, note="voicemail full"),
                    NOON + HOUR)
    [entry] = queue(graded, NOON + 5 * HOUR, lead_id="A-high")
    assert entry.overdue and entry.first_contact_at is None


def test_handover_is_the_first_score_at_a_grade_with_a_promise(graded: LeadStore) -> None:
    [nurtured] = queue(graded, NOON + 1000 * HOUR, lead_id="D-1")
    assert (nurtured.handover_at, nurtured.overdue, nurtured.due_at) == (None, False, None)
    add_scores(graded, [score_record("D-1", scored_at=NOON + 10 * HOUR, grade="A", probability=0.7),
                        score_record("D-1", scored_at=NOON + 20 * HOUR, grade="A", probability=0.72)])
    [handed] = queue(graded, NOON + 13 * HOUR, lead_id="D-1")
    assert (handed.handover_at, handed.due_at, handed.overdue) == (NOON + 10 * HOUR, NOON + 14 * HOUR, False)
    assert queue(graded, NOON + 15 * HOUR, lead_id="D-1")[0].overdue


def test_the_clock_filters(graded: LeadStore) -> None:
    contact(graded, "A-high", NOON + HOUR)
    contact(graded, "B-1", NOON + 2 * HOUR)
    later = NOON + 3 * HOUR
    assert ids(queue(graded, later, contacted=True)) == ["A-high", "B-1"]
    assert ids(queue(graded, later, contacted=False)) == ["A-low", "B-2", "C-1", "D-1"]
    assert ids(queue(graded, later, handed_over=False)) == ["D-1"]
    assert ids(queue(graded, later, last_contact_before=NOON + 90 * dt.timedelta(minutes=1))) == ["A-high"]
    assert ids(queue(graded, later, handed_over_since=NOON, handed_over_before=NOON + HOUR, grade="C")) == ["C-1"]
    assert queue(graded, later, handed_over_since=NOON + HOUR) == []


def test_an_outcome_takes_a_lead_out_of_the_open_queue(graded: LeadStore) -> None:
    record_outcome(graded, NewOutcome(lead_id="A-high", outcome="won"), NOON + HOUR)
    record_outcome(graded, NewOutcome(lead_id="B-1", outcome="lost"), NOON + HOUR)
    later = NOON + 100 * HOUR
    assert "A-high" not in ids(queue(graded, later)) and "B-1" not in ids(queue(graded, later))
    [won] = queue(graded, later, status="won")
    assert (won.lead_id, won.status, won.outcome, won.overdue, won.due_at) == ("A-high", "won", "won", False, None)
    assert ids(queue(graded, later, status="lost")) == ["B-1"]
    assert len(queue(graded, later, status=None)) == 6


def test_a_recycled_lead_is_nurtured_until_its_call_back_date_then_open_and_due(graded: LeadStore) -> None:
    call_back = dt.date(2027, 3, 23)
    record_outcome(graded, NewOutcome(lead_id="A-low", outcome="recycled", call_back_on=call_back), NOON)
    back = dt.datetime.combine(call_back, dt.time(), tzinfo=dt.UTC)
    assert "A-low" not in ids(queue(graded, back - HOUR))
    [nurtured] = queue(graded, back - HOUR, status="recycled")
    assert (nurtured.lead_id, nurtured.call_back_on, nurtured.overdue) == ("A-low", call_back, False)
    [again] = queue(graded, back + HOUR, lead_id="A-low")
    assert (again.status, again.overdue, again.due_at) == ("open", False, back + 4 * HOUR)
    [late] = queue(graded, back + 5 * HOUR, lead_id="A-low")
    assert late.overdue


def test_a_call_back_restarts_the_clock_and_old_contacts_do_not_count(graded: LeadStore) -> None:
    contact(graded, "A-low", NOON + HOUR)
    call_back = dt.date(2027, 3, 23)
    record_outcome(graded, NewOutcome(lead_id="A-low", outcome="recycled", call_back_on=call_back), NOON + 2 * HOUR)
    back = dt.datetime.combine(call_back, dt.time(), tzinfo=dt.UTC)
    [late] = queue(graded, back + 5 * HOUR, lead_id="A-low")
    assert (late.overdue, late.due_at, late.handover_at) == (True, back + 4 * HOUR, NOON)
    contact(graded, "A-low", back + 6 * HOUR)
    [kept] = queue(graded, back + 7 * HOUR, lead_id="A-low")
    assert (kept.overdue, kept.due_at, kept.last_contact_at) == (False, None, back + 6 * HOUR)


def test_filters_combine_and_pages_count_every_match(graded: LeadStore) -> None:
    assert ids(queue(graded, NOON, grade="B")) == ["B-2", "B-1"]
    assert ids(queue(graded, NOON, source="web_form")) == ["B-1"]
    assert ids(queue(graded, NOON, grade="A", source="web_form")) == []
    page = list_leads(graded, LeadQuery(limit=2, offset=2), PROMISES, NOON)
    assert ids(page.entries) == ["B-2", "B-1"] and page.total == 6
    assert (page.limit, page.offset, page.as_of) == (2, 2, NOON)


def test_an_entry_carries_the_latest_score(graded: LeadStore) -> None:
    add_scores(graded, [score_record("C-1", scored_at=NOON + HOUR, grade="B", probability=0.61,
                                     model_version="leadscore-demo/2")])
    [entry] = queue(graded, NOON + HOUR, lead_id="C-1")
    assert (entry.grade, entry.probability, entry.model_version, entry.scored_at) == (
        "B", 0.61, "leadscore-demo/2", NOON + HOUR)
    assert entry.first_scored_at == NOON


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (1001, 0), (10, -1)])
def test_a_page_out_of_bounds_is_refused(graded: LeadStore, limit: int, offset: int) -> None:
    with pytest.raises(ValueError, match="limit"):
        list_leads(graded, LeadQuery(limit=limit, offset=offset), PROMISES, NOON)
