"""The score log: round trips, the latest score per lead, history order, unknown leads."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from serving.store.database import LeadStore
from serving.store.errors import StoreConflict, UnknownLead
from serving.store.records import ScoreRecord
from serving.store.scores import FEW_SCORES, add_scores, lead_history
from serving.store.tables import leads
from tests.serving.store.factories import NOON, score_record

LATER = NOON + dt.timedelta(hours=1)


def test_a_score_round_trips_field_for_field(store: LeadStore) -> None:
    record = score_record("L-1", rules=["icp-demo", "contact-data"], deciding_rule="icp-demo",
                          fields={"country": "DE", "website_visits": 12.0, "demo_requested": True, "budget": None,
                                  "created": "2026-11-01"})
    [score_id] = add_scores(store, [record])
    history = lead_history(store, "L-1")
    stored = history.latest
    assert stored.id == score_id
    assert {k: v for k, v in vars(stored).items() if k != "id"} == vars(record)
    assert stored.scored_at.tzinfo is not None and stored.scored_at == NOON
    assert history.first_scored_at == NOON and history.outcomes == []


def test_the_few_scores_path_and_the_bulk_path_write_the_same_rows(store: LeadStore) -> None:
    def record(lead_id: str, minutes: int) -> ScoreRecord:
        return score_record(lead_id, scored_at=NOON + dt.timedelta(minutes=minutes), contributions=None,
                            rules=["contact-data"], deciding_rule="contact-data", disqualified=True, source=None,
                            fields={"country": "DE", "website_visits": 12.5, "demo_requested": False, "budget": None})

    add_scores(store, [record("L-few", 1)])  # one record: the driver statements
    bulk = [record(f"L-other-{i}", 0) for i in range(FEW_SCORES)] + [record("L-bulk", 1)]
    add_scores(store, bulk)  # more than FEW_SCORES: the Core bulk statements
    few, many = lead_history(store, "L-few"), lead_history(store, "L-bulk")
    assert ({k: v for k, v in vars(few.latest).items() if k not in ("id", "lead_id")}
            == {k: v for k, v in vars(many.latest).items() if k not in ("id", "lead_id")})
    assert few.first_scored_at == many.first_scored_at == NOON + dt.timedelta(minutes=1)
    with store.transaction() as connection:
        pointers = dict(connection.execute(sa.select(leads.c.lead_id, leads.c.latest_score_id)
                                           .where(leads.c.lead_id.in_(["L-few", "L-bulk"]))).all())
    assert pointers == {"L-few": few.latest.id, "L-bulk": many.latest.id}


@pytest.mark.parametrize("count", [1, FEW_SCORES + 1], ids=["driver statements", "core statements"])
def test_a_refused_score_rolls_back_its_whole_transaction(store: LeadStore, count: int) -> None:
    # the lead row goes in before the score; a score the database refuses must take that row with it
    records = [score_record(f"L-ok-{i}") for i in range(count - 1)] + [score_record("L-bad", grade=None)]
    with pytest.raises(StoreConflict, match="(?i)null"):
        add_scores(store, records)
    for lead_id in ("L-bad", "L-ok-0"):
        with pytest.raises(UnknownLead):
            lead_history(store, lead_id)
    add_scores(store, [score_record("L-after")])  # the pool hands out a working connection afterwards
    assert lead_history(store, "L-after").latest.grade == "B"


def test_times_in_other_zones_are_kept_as_the_same_instant(store: LeadStore) -> None:
    in_berlin = NOON.astimezone(dt.timezone(dt.timedelta(hours=1)))
    add_scores(store, [score_record("L-1", scored_at=in_berlin)])
    assert lead_history(store, "L-1").latest.scored_at == NOON


def test_a_naive_time_is_a_bug_not_an_unavailable_store(store: LeadStore) -> None:
    with pytest.raises(sa.exc.StatementError, match="no time zone"):
        add_scores(store, [score_record("L-1", scored_at=NOON.replace(tzinfo=None))])


def test_history_is_newest_first_and_limited(store: LeadStore) -> None:
    for hour in range(5):
        add_scores(store, [score_record("L-1", scored_at=NOON + dt.timedelta(hours=hour), probability=hour / 10)])
    history = lead_history(store, "L-1", limit=3)
    assert [s.probability for s in history.scores] == [0.4, 0.3, 0.2]
    assert history.first_scored_at == NOON


def test_a_batch_logs_every_lead_and_the_last_score_of_a_repeated_one_is_latest(store: LeadStore) -> None:
    ids = add_scores(store, [score_record("L-1", probability=0.1), score_record("L-2"),
                             score_record("L-1", probability=0.2)])
    assert len(ids) == 3 and ids == sorted(ids)
    assert lead_history(store, "L-1").latest.probability == 0.2
    assert lead_history(store, "L-2").latest.id == ids[1]


def test_an_older_score_written_late_does_not_become_the_latest(store: LeadStore) -> None:
    # two replicas: the one that scored later commits first
    add_scores(store, [score_record("L-1", scored_at=LATER, probability=0.9)])
    add_scores(store, [score_record("L-1", scored_at=NOON, probability=0.1)])
    history = lead_history(store, "L-1")
    assert history.latest.probability == 0.9
    assert history.first_scored_at == NOON  # the first time the lead was scored, whatever the commit order


def test_two_stores_on_one_database_share_the_log(store: LeadStore) -> None:
    replica = LeadStore(store.url)
    try:
        add_scores(store, [score_record("L-1", scored_at=NOON)])
        add_scores(replica, [score_record("L-1", scored_at=LATER, grade="A")])
        assert lead_history(store, "L-1").latest.grade == "A"
        assert len(lead_history(replica, "L-1").scores) == 2
    finally:
        replica.close()


def test_an_unknown_lead_names_itself(store: LeadStore) -> None:
    with pytest.raises(UnknownLead, match="'L-404' is unknown"):
        lead_history(store, "L-404")


def test_nothing_to_log_is_no_transaction(store: LeadStore) -> None:
    assert add_scores(store, []) == []
