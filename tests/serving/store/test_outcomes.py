"""Outcomes: recorded once per lead and outcome, final outcomes final, dates on the right side of today."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest

from serving.store.database import LeadStore
from serving.store.errors import InvalidOutcome, OutcomeConflict, UnknownLead
from serving.store.outcomes import check_outcome, record_outcome
from serving.store.records import NewOutcome
from serving.store.scores import add_scores, lead_history
from tests.serving.store.factories import NOON, score_record

TODAY = NOON.date()
IN_FOUR_MONTHS = dt.date(2027, 3, 23)


@pytest.fixture()
def scored(store: LeadStore) -> LeadStore:
    """A store where L-1 and L-2 have been scored."""
    add_scores(store, [score_record("L-1"), score_record("L-2")])
    return store


def outcome(**values: Any) -> NewOutcome:
    return NewOutcome(**{"lead_id": "L-1", "outcome": "won", **values})


def test_an_outcome_is_recorded_with_the_score_it_judges(scored: LeadStore) -> None:
    stored, created = record_outcome(scored, outcome(closed_on=TODAY, score_was_wrong=True, comment="Bought anyway"),
                                     NOON)
    assert created
    latest = lead_history(scored, "L-1")
    assert stored.score_id == latest.latest.id
    assert latest.outcomes == [stored]
    assert (stored.outcome, stored.closed_on, stored.score_was_wrong, stored.comment) == (
        "won", TODAY, True, "Bought anyway")


def test_the_same_outcome_again_returns_the_record_already_there(scored: LeadStore) -> None:
    first, _ = record_outcome(scored, outcome(closed_on=TODAY), NOON)
    again, created = record_outcome(scored, outcome(closed_on=TODAY), NOON + dt.timedelta(hours=2))
    assert not created and again == first
    assert len(lead_history(scored, "L-1").outcomes) == 1


def test_the_same_recycle_again_is_not_a_duplicate(scored: LeadStore) -> None:
    first, _ = record_outcome(scored, outcome(outcome="recycled", call_back_on=IN_FOUR_MONTHS), NOON)
    again, created = record_outcome(scored, outcome(outcome="recycled", call_back_on=IN_FOUR_MONTHS), NOON)
    assert not created and again.id == first.id


def test_a_lead_may_be_recycled_again_and_then_won(scored: LeadStore) -> None:
    record_outcome(scored, outcome(outcome="recycled", call_back_on=IN_FOUR_MONTHS), NOON)
    later, created = record_outcome(scored, outcome(outcome="recycled", call_back_on=IN_FOUR_MONTHS + dt.timedelta(30)),
                                    NOON)
    _, won_created = record_outcome(scored, outcome(), NOON)
    assert created and won_created
    assert [o.outcome for o in lead_history(scored, "L-1").outcomes][:1] == ["won"]
    assert later.call_back_on == IN_FOUR_MONTHS + dt.timedelta(30)


def test_replicas_racing_with_the_same_outcome_record_it_once(scored: LeadStore) -> None:
    racers = 6
    start = Barrier(racers)

    def report(_: int) -> tuple[int, bool]:
        start.wait()
        stored, created = record_outcome(scored, outcome(comment="signed"), NOON)
        return stored.id, created

    with ThreadPoolExecutor(racers) as pool:
        results = list(pool.map(report, range(racers)))
    assert len({outcome_id for outcome_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert len(lead_history(scored, "L-1").outcomes) == 1


@pytest.mark.parametrize("second", [
    {"outcome": "lost"},
    {"outcome": "recycled", "call_back_on": IN_FOUR_MONTHS},
    {"outcome": "won", "comment": "a different story"},
])
def test_a_final_outcome_is_not_overwritten(scored: LeadStore, second: dict[str, Any]) -> None:
    first, _ = record_outcome(scored, outcome(), NOON)
    with pytest.raises(OutcomeConflict, match="already has the final outcome 'won'") as caught:
        record_outcome(scored, outcome(**second), NOON)
    assert caught.value.existing == first
    assert lead_history(scored, "L-1").outcomes == [first]


def test_an_outcome_for_a_lead_never_scored_is_refused(scored: LeadStore) -> None:
    with pytest.raises(UnknownLead, match="'L-404'"):
        record_outcome(scored, outcome(lead_id="L-404"), NOON)


@pytest.mark.parametrize(("values", "field", "words"), [
    ({"closed_on": TODAY + dt.timedelta(days=2)}, "closed_on", "in the future"),
    ({"call_back_on": IN_FOUR_MONTHS}, "call_back_on", "only a recycled lead"),
    ({"outcome": "recycled"}, "call_back_on", "needs the date to call back"),
    ({"outcome": "recycled", "call_back_on": TODAY - dt.timedelta(days=1)}, "call_back_on", "not in the future"),
    ({"outcome": "recycled", "call_back_on": IN_FOUR_MONTHS, "closed_on": TODAY}, "closed_on", "not closed"),
])
def test_dates_on_the_wrong_side_of_today_are_refused(values: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(InvalidOutcome, match=words) as caught:
        check_outcome(outcome(**values), NOON)
    assert caught.value.field == field


def test_today_anywhere_on_earth_is_today() -> None:
    late_evening = dt.datetime(2026, 11, 23, 23, 0, tzinfo=dt.UTC)  # already the 24th east of UTC+1
    check_outcome(outcome(closed_on=dt.date(2026, 11, 24)), late_evening)
    early_morning = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)  # still the 22nd west of UTC-1
    check_outcome(outcome(outcome="recycled", call_back_on=dt.date(2026, 11, 23)), early_morning)
