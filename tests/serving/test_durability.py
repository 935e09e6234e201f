"""Durability: every write the service acknowledged is in the store after `kill -9` and a restart.

A uvicorn process on a SQLite file (and on a PostgreSQL schema) takes a run of writes from a thread: for
each lead scored beforehand, an outcome and a re-score. The process is killed with SIGKILL in the middle of
the run, started again on the same store, and every outcome answered 2xx and every score answered
`logged: true` must be there, read back both over HTTP and from the database directly.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from serving.store.tables import lead_outcomes, lead_scores
from tests.conftest import DEMO_AGREEMENT, DEMO_PROFILE
from tests.serving.conftest import start_uvicorn, stop, wait_ready
from tests.serving.store.conftest import BACKENDS, backend_url, postgres  # noqa: F401 - postgres is a fixture
from training.job import TrainResult

pytestmark = pytest.mark.slow

LEADS = 150
KILL_AFTER = 30  # acknowledged outcomes before the kill: well inside the run, which would take LEADS
TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with backend_url(request, request.param, tmp_path) as url:
        yield url


def outcome_for(i: int, lead_id: str) -> dict[str, Any]:
    """Won, lost and recycled in turn."""
    kind = ("won", "lost", "recycled")[i % 3]
    dates = {"call_back_on": str(TODAY + dt.timedelta(days=90))} if kind == "recycled" else {"closed_on": str(TODAY)}
    return {"lead_id": lead_id, "outcome": kind, "comment": f"write {i}", **dates}


@dataclass
class Writer:
    """Outcome writes and re-scores, one after the other from a thread, until the server stops answering."""

    base_url: str
    leads: list[dict[str, Any]]
    outcomes: dict[str, int] = field(default_factory=dict)  # lead -> outcome_id, for every 2xx
    scores: Counter[str] = field(default_factory=Counter)  # lead -> re-scores answered with logged=true
    cut_off: list[str] = field(default_factory=list)  # the request the kill interrupted
    unexpected: list[str] = field(default_factory=list)  # any other answer: the test fails on it

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=20) as http:
            for i, lead in enumerate(self.leads):
                try:
                    outcome = http.post("/v1/outcomes", json=outcome_for(i, lead["lead_id"]))
                    if outcome.status_code != 201:
                        self.unexpected.append(f"outcome {lead['lead_id']}: {outcome.status_code} {outcome.text}")
                        return
                    self.outcomes[lead["lead_id"]] = outcome.json()["outcome_id"]
                    score = http.post("/v1/score", json=lead)
                    if score.status_code != 200 or score.json()["logged"] is not True:
                        self.unexpected.append(f"score {lead['lead_id']}: {score.status_code} {score.text[:300]}")
                        return
                    self.scores[lead["lead_id"]] += 1
                except httpx.TransportError as exc:
                    self.cut_off.append(f"{lead['lead_id']}: {exc.__class__.__name__}")
                    return

    def wait_for(self, outcomes: int, thread: threading.Thread, patience: float = 60.0) -> None:
        """Until `outcomes` writes are acknowledged; fails if the writer stops or stalls first."""
        deadline = time.monotonic() + patience
        while len(self.outcomes) < outcomes:
            assert thread.is_alive() and time.monotonic() < deadline, f"the writes stopped early: {self.unexpected}"
            time.sleep(0.005)


def server_env(tracking_uri: str, store_url: str) -> dict[str, str]:
    return {"LEADSCORE_PROFILE": str(DEMO_PROFILE), "LEADSCORE_AGREEMENT": str(DEMO_AGREEMENT),
            "MLFLOW_TRACKING_URI": tracking_uri, "LEADSCORE_STORE_URL": store_url, "LEADSCORE_API_KEYS": "",
            "LEADSCORE_ADMIN_KEYS": ""}


def test_every_acknowledged_write_survives_kill_9(store_url: str, trained: TrainResult, tracking_uri: str,
                                                  example: dict[str, Any], tmp_path: Path) -> None:
    env = server_env(tracking_uri, store_url)
    leads = [{**example, "lead_id": f"L-durable-{i}"} for i in range(LEADS)]
    process, base_url = start_uvicorn(env, tmp_path / "before.log")
    try:
        wait_ready(process, base_url, tmp_path / "before.log")
        with httpx.Client(base_url=base_url, timeout=20) as http:
            assert all(http.post("/v1/score", json=lead).json()["logged"] for lead in leads)
        writer = Writer(base_url, leads)
        thread = threading.Thread(target=writer.run, name="writer")
        thread.start()
        writer.wait_for(KILL_AFTER, thread)
        process.kill()  # SIGKILL: no shutdown, no flush, whatever was in flight is cut off
        process.wait(timeout=10)
        thread.join(timeout=60)
    finally:
        if process.poll() is None:
            stop(process)
    acknowledged = len(writer.outcomes)
    assert writer.unexpected == []
    assert KILL_AFTER <= acknowledged < LEADS and writer.cut_off, "the kill came in the middle of the run"

    process, base_url = start_uvicorn(env, tmp_path / "after.log")
    try:
        wait_ready(process, base_url, tmp_path / "after.log")
        with httpx.Client(base_url=base_url, timeout=20) as http:
            read = {lead: http.get(f"/v1/leads/{lead}").json() for lead in writer.outcomes}
    finally:
        stop(process)
    found = {lead: [o["outcome_id"] for o in body["outcomes"]] for lead, body in read.items()}
    missing = {lead: oid for lead, oid in writer.outcomes.items() if oid not in found[lead]}
    rescored = {lead: len(body["history"]) - 1 for lead, body in read.items()}  # minus the score before the run
    stored = stored_rows(store_url)
    print(f"\ndurability ({sa.make_url(store_url).get_backend_name()}): {acknowledged} outcome writes and "
          f"{sum(writer.scores.values())} scores acknowledged before kill -9, "
          f"{acknowledged - len(missing)} and {sum(min(rescored[k], n) for k, n in writer.scores.items())} "
          f"found after the restart; cut off: {writer.cut_off}")
    assert missing == {}
    assert all(rescored[lead] >= count for lead, count in writer.scores.items())
    assert set(writer.outcomes.values()) <= stored["outcomes"]
    assert stored["scores"] >= LEADS + sum(writer.scores.values())


def stored_rows(url: str) -> dict[str, Any]:
    """The outcome ids and the number of scores, read from the database itself."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            outcomes = set(connection.scalars(sa.select(lead_outcomes.c.id)))
            scores = connection.scalar(sa.select(sa.func.count()).select_from(lead_scores))
            if connection.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        engine.dispose()
    return {"outcomes": outcomes, "scores": scores}
