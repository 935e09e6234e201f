"""The deployment past one machine, as the README describes it, every process real:

- `mlflow server` with a PostgreSQL backend store and proxied artifacts in a temporary folder;
- a PostgreSQL lead store (a schema of its own) shared by two uvicorn replicas, each with its own data folder;
- `leadscore train` registering through the server, and again for a new champion, then rescoring the store.

It shows both replicas serving the champion, both taking the new one, every open lead rescored onto it once,
and a replica killed with `kill -9` during a load run losing no acknowledged score while the other keeps
answering.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from features.demo import write_demo
from serving.store.database import LeadStore
from serving.store.stale import count_open
from serving.store.tables import lead_scores, leads
from tests.conftest import DEMO_AGREEMENT, DEMO_PROFILE, ROOT, quick_profile
from tests.serving.conftest import free_port, poll, start_uvicorn, stop, wait_ready
from tests.serving.store.conftest import pg_schema, postgres  # noqa: F401 - postgres is a fixture

pytestmark = pytest.mark.slow

RELOAD_SECONDS = 0.5
LEADSCORE = Path(sys.executable).parent / "leadscore"


@contextmanager
def database(server: str) -> Iterator[str]:
    """A fresh PostgreSQL database on the server (MLflow's backend store wants one of its own), dropped after."""
    name = f"lstest_mlflow_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def mlflow_server(backend: str, folder: Path) -> Iterator[str]:
    """`mlflow server` on a free port, artifacts proxied into `folder`; its URL once it answers."""
    port, log = free_port(), folder / "mlflow-server.log"
    command = [str(Path(sys.executable).parent / "mlflow"), "server", "--backend-store-uri", backend,
               "--artifacts-destination", str(folder / "artifacts"), "--host", "127.0.0.1", "--port", str(port),
               "--workers", "1"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=folder, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        answered = poll(lambda: _answers(f"{url}/health") or process.poll() is not None, bool, patience=120)
        assert answered and process.poll() is None, log.read_text(errors="replace")
        yield url
    finally:
        stop(process)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@dataclass
class Deployment:
    tracking_uri: str
    store_url: str
    folder: Path
    replicas: list[tuple[subprocess.Popen[bytes], str]] = field(default_factory=list)

    def env(self, data_dir: Path) -> dict[str, str]:
        return {**os.environ, "MLFLOW_TRACKING_URI": self.tracking_uri, "LEADSCORE_STORE_URL": self.store_url,
                "LEADSCORE_PROFILE": str(DEMO_PROFILE), "LEADSCORE_AGREEMENT": str(DEMO_AGREEMENT),
                "LEADSCORE_DATA_DIR": str(data_dir), "LEADSCORE_RELOAD_SECONDS": str(RELOAD_SECONDS),
                "LEADSCORE_API_KEYS": "", "LEADSCORE_ADMIN_KEYS": ""}

    def train(self, seed: int, *extra: str) -> str:
        """`leadscore train` on a small demo history through the server; its output. The profile names the model
        (the replicas serve the demo profile; the model search has tests of its own)."""
        data = write_demo(self.folder / f"history-{seed}.parquet", rows=3000, seed=seed)
        profile = quick_profile(self.folder)
        done = subprocess.run([str(LEADSCORE), "train", "--profile", str(profile), "--data", str(data), *extra],
                              cwd=ROOT, env=self.env(self.folder / "trainer"), capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout + done.stderr

    def start_replica(self, name: str) -> str:
        folder = self.folder / name
        folder.mkdir()
        process, base_url = start_uvicorn(self.env(folder / "data"), folder / "uvicorn.log")
        self.replicas.append((process, base_url))
        wait_ready(process, base_url, folder / "uvicorn.log")
        return base_url


@pytest.fixture()
def deployment(postgres: str, tmp_path: Path) -> Iterator[Deployment]:  # noqa: F811 - the imported fixture
    with database(postgres) as backend, mlflow_server(backend, tmp_path) as tracking, pg_schema(postgres) as store:
        running = Deployment(tracking, store, tmp_path)
        try:
            yield running
        finally:
            for process, _ in running.replicas:
                if process.poll() is None:
                    stop(process)


def model_version(base: str) -> str | None:
    try:
        return httpx.get(f"{base}/ready", timeout=5).json().get("model_version")
    except (httpx.TransportError, ValueError):
        return None


def score(client: httpx.Client, base: str, lead: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{base}/v1/score", json=lead, timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_two_replicas_on_a_real_registry_server_and_a_shared_store(deployment: Deployment,
                                                                   example: dict[str, Any]) -> None:
    first = deployment.train(seed=3)
    assert "@champion" in first and "rescored 0 open leads onto leadscore-demo/1" in first
    a, b = deployment.start_replica("machine-a"), deployment.start_replica("machine-b")
    assert model_version(a) == model_version(b) == "1"

    with httpx.Client() as client:
        for i in range(40):
            answer = score(client, (a, b)[i % 2], {**example, "lead_id": f"L-{i}", "website_visits": i})
            assert answer["logged"] and answer["model_version"] == "leadscore-demo/1"

    second = deployment.train(4, "--force")  # a new champion, and the open leads rescored onto it
    assert "rescored 40 open leads onto leadscore-demo/2" in second
    for base in (a, b):
        assert poll(lambda base=base: model_version(base), lambda v: v == "2",
                    patience=20 * RELOAD_SECONDS) == "2"
    store = LeadStore(deployment.store_url)
    try:
        assert latest_models(store) == {"leadscore-demo/2"} and count_open(store) == 40
        acknowledged, after_kill = load_with_a_kill(deployment, a, b, example)
        assert after_kill > 50  # B kept answering, and logging, after A died
        stored = logged_leads(store)
        assert acknowledged and acknowledged <= stored, sorted(acknowledged - stored)[:5]
    finally:
        store.close()


def latest_models(store: LeadStore) -> set[str]:
    query = sa.select(sa.distinct(lead_scores.c.model_version)).join(leads, leads.c.latest_score_id == lead_scores.c.id)
    with store.transaction() as connection:
        return set(connection.scalars(query))


def logged_leads(store: LeadStore) -> set[str]:
    with store.transaction() as connection:
        return set(connection.scalars(sa.select(lead_scores.c.lead_id).where(lead_scores.c.lead_id.like("K-%"))))


def load_with_a_kill(deployment: Deployment, a: str, b: str, example: dict[str, Any]) -> tuple[set[str], int]:
    """Four clients per replica score new leads; replica A is killed with SIGKILL half-way. Returns the lead ids
    answered with logged=true, and how many B answered after the kill (B must answer every one)."""
    acknowledged: set[str] = set()
    killed, stop_load = threading.Event(), threading.Event()
    after_kill: list[int] = []
    failures_on_b: list[str] = []
    lock = threading.Lock()

    def client_loop(base: str, worker: int) -> None:
        with httpx.Client() as client:
            n = 0
            while not stop_load.is_set():
                lead_id, n = f"K-{base[-5:]}-{worker}-{n}", n + 1
                was_killed = killed.is_set()
                try:
                    response = client.post(f"{base}/v1/score", json={**example, "lead_id": lead_id}, timeout=10)
                except httpx.TransportError as exc:
                    if base == b:
                        failures_on_b.append(repr(exc))
                    continue
                if base == b and response.status_code != 200:
                    failures_on_b.append(response.text)
                if response.status_code == 200 and response.json()["logged"]:
                    with lock:
                        acknowledged.add(lead_id)
                        if base == b and was_killed:
                            after_kill.append(1)

    threads = [threading.Thread(target=client_loop, args=(base, w)) for base in (a, b) for w in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    process = next(p for p, url in deployment.replicas if url == a)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    killed.set()
    time.sleep(3)
    stop_load.set()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures_on_b, failures_on_b[:3]
    assert any(lead.startswith(f"K-{a[-5:]}") for lead in acknowledged)  # A took writes before it died
    return acknowledged, len(after_kill)
