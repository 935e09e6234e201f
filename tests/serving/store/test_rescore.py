"""Rescoring the store: every open lead onto the champion and the agreement in force, closed leads left alone,
one run at a time across processes, and a run killed with `kill -9` finished by the next one.

The store is filled as the service would fill it: demo leads scored by the real scorer and logged as records,
then marked as given by an earlier model and agreement. Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from features.profile import Profile
from features.source import load_history
from models.agreement import load_agreement
from models.registry import Registry
from models.scoring import Scorer
from serving.rescore import Rescoring, in_process
from serving.scorelog import ScoreLog
from serving.store.changes import explain_change, grade_change
from serving.store.database import LeadStore
from serving.store.leases import take_lease
from serving.store.outcomes import record_outcome
from serving.store.records import NewOutcome, StoredScore
from serving.store.scores import add_scores, lead_history
from serving.store.stale import count_open
from serving.store.tables import lead_scores
from tests.conftest import DEMO_AGREEMENT, DEMO_PROFILE, ROOT
from training.job import TrainResult

OLD_MODEL, OLD_AGREEMENT = "leadscore-demo/0", "2026-01-01+000000000000"
NOON = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
WON, LOST, RECYCLED = range(0, 20), range(20, 40), range(40, 50)  # positions of leads given an outcome


@pytest.fixture(scope="module")
def scorer(trained: TrainResult, tracking_uri: str, demo_profile: Profile) -> Scorer:
    model = Registry(tracking_uri, demo_profile.registered_model).load(trained.version)
    return Scorer(model, load_agreement(DEMO_AGREEMENT, demo_profile), demo_profile)


def demo_leads(profile: Profile, data: Path, rows: int) -> list[dict[str, Any]]:
    frame = load_history(profile, data).frame.head(rows)
    return [{k: (None if pd.isna(v) else v) for k, v in row.items()} for row in frame.to_dict("records")]


def fill(store: LeadStore, scorer: Scorer, leads: list[dict[str, Any]]) -> None:
    """The leads logged as scored by an earlier model and agreement; some then won, lost or recycled."""
    log = ScoreLog(store, scorer.profile)
    records = log.records(scorer, leads, scorer.score_many(leads), NOON)
    add_scores(store, [dataclasses.replace(r, model_version=OLD_MODEL, agreement_version=OLD_AGREEMENT,
                                           agreement_sha256="0" * 64) for r in records])
    call_back = dt.date.today() + dt.timedelta(days=90)
    now = dt.datetime.now(dt.UTC)
    for position in [*WON, *LOST, *RECYCLED]:
        outcome = "won" if position in WON else "lost" if position in LOST else "recycled"
        record_outcome(store, NewOutcome(lead_id=str(leads[position]["lead_id"]), outcome=outcome,
                                         call_back_on=call_back if outcome == "recycled" else None), now)


@pytest.fixture()
def filled(store: LeadStore, scorer: Scorer, demo_data: Path) -> Iterator[tuple[LeadStore, list[dict[str, Any]]]]:
    leads = demo_leads(scorer.profile, demo_data, 400)
    fill(store, scorer, leads)
    yield store, leads


def latest(store: LeadStore, lead_id: str) -> StoredScore:
    return lead_history(store, lead_id, limit=1).latest


def rescoring(store: LeadStore, scorer: Scorer, **options: Any) -> Rescoring:
    return Rescoring(store, scorer, in_process(ScoreLog(store, scorer.profile)), **options)


def test_every_open_lead_is_put_on_the_champion_and_closed_leads_keep_their_score(
        filled: tuple[LeadStore, list[dict[str, Any]]], scorer: Scorer) -> None:
    store, leads = filled
    seen: list[tuple[int, int]] = []
    run = rescoring(store, scorer, batch=64).run(lambda done, due: seen.append((done, due)))
    open_positions = [i for i in range(len(leads)) if i not in WON and i not in LOST]
    assert (run.status, run.rescored, run.due, run.open_leads) == ("done", len(open_positions),
                                                                    len(open_positions), len(open_positions))
    assert seen[0] == (0, run.due) and seen[-1] == (run.due, run.due) and len(seen) == 1 + -(-run.due // 64)
    fresh = scorer.score_many([leads[i] for i in open_positions])
    for position, expected in zip(open_positions, fresh, strict=True):
        now = latest(store, str(leads[position]["lead_id"]))
        assert (now.model_version, now.agreement_sha256) == (scorer.model.label, scorer.agreement.sha256)
        # rebuilt from what the store kept, personal values included as present or absent: graded as fresh
        assert (now.grade, now.rules) == (expected.decision.grade, [r.id for r in expected.decision.fired])
        assert now.probability == pytest.approx(expected.probability, abs=1e-12)
    for position in [*WON, *LOST]:
        assert latest(store, str(leads[position]["lead_id"])).model_version == OLD_MODEL


def test_why_the_grade_changed_says_new_model_and_new_agreement(
        filled: tuple[LeadStore, list[dict[str, Any]]], scorer: Scorer) -> None:
    store, leads = filled
    rescoring(store, scorer).run()
    before, after = reversed(lead_history(store, str(leads[100]["lead_id"]), limit=2).scores)
    change = grade_change(before, after)
    assert change.new_model and change.new_agreement and not change.inputs_changed
    said = explain_change(change)
    assert f"New model: {scorer.model.label} replaced {OLD_MODEL}." in said
    assert f"New agreement: {scorer.agreement.version} replaced {OLD_AGREEMENT}." in said


def test_a_second_run_finds_nothing_due(filled: tuple[LeadStore, list[dict[str, Any]]], scorer: Scorer) -> None:
    store, _ = filled
    assert rescoring(store, scorer).run().rescored > 0
    again = rescoring(store, scorer).run()
    assert (again.status, again.rescored, again.due) == ("done", 0, 0)


def test_a_run_held_elsewhere_leaves_without_scoring(filled: tuple[LeadStore, list[dict[str, Any]]],
                                                     scorer: Scorer) -> None:
    store, _ = filled
    assert take_lease(store, "rescore", "machine-b:77:run", 60, dt.datetime.now(dt.UTC))[0]
    scores_before = score_count(store)
    run = rescoring(store, scorer).run()
    assert (run.status, run.rescored, run.holder.holder, run.open_leads) == ("held", 0, "machine-b:77:run", None)
    assert score_count(store) == scores_before


def test_an_expired_lease_of_a_dead_run_is_taken_over(filled: tuple[LeadStore, list[dict[str, Any]]],
                                                      scorer: Scorer) -> None:
    store, _ = filled
    assert take_lease(store, "rescore", "machine-b:77:run", 60, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))[0]
    run = rescoring(store, scorer).run()
    assert run.status == "done" and run.rescored == count_open(store)


def score_count(store: LeadStore) -> int:
    with store.transaction() as connection:
        return int(connection.scalar(sa.select(sa.func.count()).select_from(lead_scores)) or 0)


def rescored_per_lead(store: LeadStore, model: str) -> dict[str, int]:
    query = (sa.select(lead_scores.c.lead_id, sa.func.count()).where(lead_scores.c.model_version == model)
             .group_by(lead_scores.c.lead_id))
    with store.transaction() as connection:
        return {row[0]: int(row[1]) for row in connection.execute(query)}


def command(lease_seconds: float) -> list[str]:
    leadscore = Path(sys.executable).parent / "leadscore"
    return [str(leadscore), "rescore", "--profile", str(DEMO_PROFILE), "--batch", "25",
            "--lease-seconds", str(lease_seconds)]


def environment(store_url: str, tracking_uri: str, folder: Path) -> dict[str, str]:
    return {**os.environ, "LEADSCORE_STORE_URL": store_url, "MLFLOW_TRACKING_URI": tracking_uri,
            "LEADSCORE_DATA_DIR": str(folder), "LEADSCORE_AGREEMENT": str(DEMO_AGREEMENT)}


@pytest.mark.slow
def test_a_run_killed_half_way_is_finished_by_the_next_and_no_lead_is_rescored_twice(
        store_url: str, store: LeadStore, scorer: Scorer, demo_data: Path, tracking_uri: str,
        tmp_path: Path) -> None:
    leads = demo_leads(scorer.profile, demo_data, 1500)
    fill(store, scorer, leads)
    # The killed run's lease must outlive the start of the next command (imports and loading the champion: up
    # to several seconds on a busy machine), which must find it held; the resume then waits it out.
    env, lease = environment(store_url, tracking_uri, tmp_path), 15.0
    first = subprocess.Popen(command(lease), cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not rescored_per_lead(store, scorer.model.label) and time.monotonic() < deadline:
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    done_by_first = sum(rescored_per_lead(store, scorer.model.label).values())
    assert 0 < done_by_first < count_open(store), "the kill must land half-way for the resume to be shown"

    held = subprocess.run(command(lease), cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert held.returncode == 0 and "rescoring is already running on" in held.stderr, held.stderr
    time.sleep(lease)  # the killed run renews its lease no more
    resumed = subprocess.run(command(lease), cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"rescored {count_open(store) - done_by_first:,} open leads onto {scorer.model.label}" in resumed.stderr
    per_lead = rescored_per_lead(store, scorer.model.label)
    assert len(per_lead) == count_open(store) and set(per_lead.values()) == {1}


@pytest.mark.slow
def test_rescoring_on_spark_gives_the_in_process_scores(store: LeadStore, scorer: Scorer, demo_data: Path,
                                                         tracking_uri: str) -> None:
    from serving.rescore import on_spark

    leads = demo_leads(scorer.profile, demo_data, 300)
    fill(store, scorer, leads)
    log = ScoreLog(store, scorer.profile)
    # Three batches through the one UDF the run prepares at its first.
    run = Rescoring(store, scorer, on_spark(log, DEMO_AGREEMENT.read_text(encoding="utf-8"), tracking_uri),
                    batch=100).run()
    assert run.status == "done" and run.rescored == count_open(store)
    fresh = {str(lead["lead_id"]): s for lead, s in zip(leads, scorer.score_many(leads), strict=True)}
    for lead_id, count in rescored_per_lead(store, scorer.model.label).items():
        now, expected = latest(store, lead_id), fresh[lead_id]
        assert count == 1 and (now.grade, now.rules) == (expected.decision.grade,
                                                         [r.id for r in expected.decision.fired])
        assert now.probability == pytest.approx(expected.probability, abs=1e-12)
        assert [r["field"] for r in now.reasons] == [r.field for r in expected.reasons]
