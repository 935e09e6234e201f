"""Faults: a registry that cannot be reached, an incompatible champion, a lead store that goes down, a bad agreement.

What tests/serving/test_hot_reload.py already covers is not repeated here: a champion whose files are corrupt
and a malformed agreement (bad YAML, an unknown field, not a mapping) are refused with the previous one kept.
tests/serving/store/test_lead_routes.py covers a store that is down from the start and one that comes back.
"""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import mlflow
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from benchmarks.load import copy_store
from features.profile import Profile
from models.pyfunc import ARTIFACT
from models.registry import CHAMPION, Registry
from serving.app import create_app
from tests.conftest import DEMO_AGREEMENT, DEMO_PROFILE
from tests.serving.conftest import FAST_FAILING_HTTP, MakeSettings, free_port, poll, start_uvicorn, stop
from tests.serving.store.conftest import UNREACHABLE as STORE_DOWN
from tests.serving.store.conftest import pg_schema, postgres  # noqa: F401 - postgres is a fixture
from training.job import TrainResult

pytestmark = pytest.mark.slow
T = TypeVar("T")



# --- the registry at start-up ------------------------------------------------------------------


def not_a_database(folder: Path) -> str:
    path = folder / "mlflow.db"
    path.write_text("this file is not a database\n" * 100, encoding="utf-8")
    return f"sqlite:///{path}"


UNREACHABLE = {
    "a file that is not a database": (not_a_database, "file is not a database"),
    "a tracking server that is down": (lambda _: f"http://127.0.0.1:{free_port()}", "Connection refused"),
}


@pytest.mark.parametrize("kind", list(UNREACHABLE))
def test_an_unreachable_registry_at_start_up_stops_the_server_saying_why(tmp_path: Path, kind: str) -> None:
    make_uri, reason = UNREACHABLE[kind]
    uri = make_uri(tmp_path)
    log = tmp_path / "server.log"
    process, _ = start_uvicorn({"MLFLOW_TRACKING_URI": uri, "LEADSCORE_PROFILE": str(DEMO_PROFILE),
                                "LEADSCORE_AGREEMENT": str(DEMO_AGREEMENT), **FAST_FAILING_HTTP}, log)
    try:
        code = process.wait(timeout=120)
    finally:
        if process.poll() is None:
            stop(process)
    text = log.read_text(errors="replace")
    assert code != 0, text
    [line] = [line for line in text.splitlines() if "CRITICAL" in line]
    assert "cannot start: the model registry cannot be reached" in line and uri in line, text
    assert reason in text


def test_an_empty_registry_still_starts_and_answers_503_run_make_train(tmp_path: Path, example: dict[str, Any]) -> None:
    log = tmp_path / "server.log"
    process, base_url = start_uvicorn({"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'empty.db'}",
                                       "LEADSCORE_PROFILE": str(DEMO_PROFILE),
                                       "LEADSCORE_AGREEMENT": str(DEMO_AGREEMENT)}, log)
    try:
        ready = poll(lambda: answer(base_url, "GET", "/ready"), lambda r: r is not None or process.poll() is not None,
                     patience=60)
        scored = answer(base_url, "POST", "/v1/score", example)
        alive = process.poll() is None
    finally:
        stop(process)
    assert alive and ready is not None, log.read_text(errors="replace")
    assert ready.status_code == 503 and ready.json()["ready"] is False
    assert any("run `make train`" in problem for problem in ready.json()["problems"])
    assert scored is not None and scored.status_code == 503 and "make train" in scored.json()["detail"]


def answer(base_url: str, method: str, path: str, body: Any = None) -> httpx.Response | None:
    try:
        return httpx.request(method, base_url + path, json=body, timeout=5)
    except httpx.TransportError:
        return None


# --- the registry while running ----------------------------------------------------------------


def test_a_registry_that_goes_away_leaves_the_last_champion_serving(
        make_settings: MakeSettings, example: dict[str, Any], trained: TrainResult,
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FAST_FAILING_HTTP.items():
        monkeypatch.setenv(name, value)
    app = create_app(make_settings(reload_seconds=0.1))
    holder = app.state.holder
    reachable, gone = holder.registry, Registry(f"http://127.0.0.1:{free_port()}", holder.registry.name)
    with TestClient(app) as client:
        holder.registry = gone  # the tracking server stops answering
        down = poll(lambda: client.get("/ready"), lambda r: bool(r.json()["problems"]))
        scored = client.post("/v1/score", json=example)
        holder.registry = reachable  # and comes back
        back = poll(lambda: client.get("/ready"), lambda r: not r.json()["problems"])
    assert down.status_code == 200 and down.json()["ready"] is True
    assert down.json()["model_version"] == trained.version
    [problem] = down.json()["problems"]
    assert problem.startswith(f"champion not checked, previous kept: registry {gone.tracking_uri}: ")
    assert "Connection refused" in problem
    assert scored.status_code == 200 and scored.json()["model_version"].endswith(f"/{trained.version}")
    assert back.json() == {**down.json(), "problems": []}


# --- an incompatible champion ------------------------------------------------------------------


def register_renamed_copy(registry: Registry, version: str, folder: Path, old: str, new: str) -> str:
    """Register a copy of a version whose feature `old` is called `new` throughout: it loads, and it needs a
    field the demo profile does not have."""
    source = registry.client.get_model_version_download_uri(registry.name, version)
    local = Path(mlflow.artifacts.download_artifacts(artifact_uri=source, dst_path=str(folder),
                                                     tracking_uri=registry.tracking_uri))
    for path in (local / "artifacts" / ARTIFACT).iterdir():
        if path.suffix not in (".json", ".txt"):
            continue  # a CatBoost part reads columns by position, not by name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return str(registry.client.create_model_version(registry.name, source=local.as_uri()).version)


def test_an_incompatible_champion_is_refused_and_the_previous_keeps_serving(
        make_settings: MakeSettings, example: dict[str, Any], trained: TrainResult, tracking_uri: str,
        demo_profile: Profile, tmp_path: Path) -> None:
    uri, serving, _ = copy_store(tmp_path / "store", tracking_uri, challengers=0)
    registry = Registry(uri, demo_profile.registered_model)
    renamed = register_renamed_copy(registry, serving, tmp_path / "renamed", "website_visits", "site_visits")
    with TestClient(create_app(make_settings(tracking_uri=uri))) as client:
        registry.set_alias(CHAMPION, renamed)
        reload = client.post("/v1/admin/reload").json()
        scored = client.post("/v1/score", json=example)
        registry.set_alias(CHAMPION, serving)
        recovered = client.post("/v1/admin/reload").json()
    assert reload["changed"] is False
    assert reload["status"]["ready"] is True and reload["status"]["model_version"] == serving
    [problem] = reload["status"]["problems"]
    assert problem.startswith(f"champion {registry.name}/{renamed} refused, previous kept: ")
    assert "site_visits (numeric)" in problem and "'demo'" in problem
    assert scored.status_code == 200 and scored.json()["model_version"] == f"{registry.name}/{serving}"
    assert recovered["status"]["problems"] == []


# --- the lead store while running --------------------------------------------------------------


class Cuttable:
    """A loopback TCP proxy to a server that can be cut (every connection dropped, new ones refused) and mended."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port = target, free_port()
        self._open: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()

    def mend(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.05)
        threading.Thread(target=self._accept, args=(self._listener,), name="proxy-accept", daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener, sockets, self._open = self._listener, None, self._open, []
        if listener is not None:
            listener.close()
        for sock in sockets:
            _close(sock)

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._open += [client, upstream]
            for one, other in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(one, other), name="proxy-pump", daemon=True).start()


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        _close(target)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


@pytest.fixture()
def proxied_store(postgres: str) -> Iterator[tuple[str, Cuttable]]:  # noqa: F811 - the imported fixture
    """A PostgreSQL schema of its own, reached through a proxy the test can cut."""
    server = sa.make_url(postgres)
    proxy = Cuttable((server.host or "127.0.0.1", server.port or 5432))
    proxy.mend()
    try:
        with pg_schema(postgres) as url:
            yield sa.make_url(url).set(port=proxy.port).render_as_string(hide_password=False), proxy
    finally:
        proxy.cut()


def test_a_store_that_goes_down_while_running_degrades_the_log_and_refuses_outcomes(
        proxied_store: tuple[str, Cuttable], make_settings: MakeSettings, example: dict[str, Any]) -> None:
    url, proxy = proxied_store
    app = create_app(make_settings(store_url=url))
    app.state.score_log.retry_seconds = 0.0  # try the store again on the very next score
    first, during, after = ({**example, "lead_id": f"L-cut-{name}"} for name in ("first", "during", "after"))
    with TestClient(app) as client:
        before = [client.post("/v1/score", json=first).json()["logged"],
                  client.post("/v1/outcomes", json={"lead_id": first["lead_id"], "outcome": "won"}).status_code]
        proxy.cut()
        scored = client.post("/v1/score", json=during)
        ready = client.get("/ready")
        outcome = client.post("/v1/outcomes", json={"lead_id": first["lead_id"], "outcome": "won"})
        read = client.get(f"/v1/leads/{first['lead_id']}")
        proxy.mend()
        again = client.post("/v1/score", json=after).json()["logged"]
        ready_again = client.get("/ready").json()
        outcome_again = client.post("/v1/outcomes", json={"lead_id": after["lead_id"], "outcome": "lost"})
        found = [client.get(f"/v1/leads/{lead['lead_id']}").status_code for lead in (first, during, after)]
    assert before == [True, 201]
    assert scored.status_code == 200 and scored.json()["logged"] is False
    assert ready.status_code == 200 and ready.json()["ready"] is True
    [problem] = ready.json()["problems"]
    assert problem.startswith("score log degraded: lead store ") and f":{proxy.port}/" in problem
    assert outcome.status_code == 503 and outcome.json()["detail"].startswith("lead store unavailable: ")
    assert outcome.headers["retry-after"] == "5"
    assert read.status_code == 503
    assert again is True and ready_again["problems"] == []
    assert outcome_again.status_code == 201
    assert found == [200, 404, 200]  # the score answered while the store was down was never logged


# --- the agreement while running ---------------------------------------------------------------


def test_an_agreement_file_carrying_code_or_gone_changes_nothing_and_runs_nothing(
        make_settings: MakeSettings, example: dict[str, Any], tmp_path: Path) -> None:
    path, marker = tmp_path / "agreement.yaml", tmp_path / "executed"
    shutil.copy(DEMO_AGREEMENT, path)
    evil = DEMO_AGREEMENT.read_text(encoding="utf-8").replace(
        "rules:", f'extra: !!python/object/apply:os.mkdir ["{marker}"]\nrules:', 1)
    settings = make_settings(agreement=path, reload_seconds=0.05, store_url=f"sqlite:///{tmp_path / 'leads.db'}",
                             data_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        in_force = client.get("/ready").json()["agreement_version"]
        path.write_text(evil)
        ready = poll(lambda: client.get("/ready").json(), lambda body: bool(body["problems"]))
        scored = client.post("/v1/score", json={**example, "country": "IN"}).json()
        path.unlink()  # the file only seeds an empty store: without it nothing changes
        gone = poll(lambda: client.get("/ready").json(), lambda body: not body["problems"])
        after = client.post("/v1/score", json={**example, "country": "IN"}).json()
    assert not marker.exists(), "the agreement's python tag was executed"
    [problem] = ready["problems"]
    assert str(path) in problem and "not served" in problem
    for answer in (scored, after):
        assert answer["agreement_version"] == in_force
        assert answer["deciding_rule"] == "price-too-high-market"  # the rules in force still apply
    assert gone["ready"] is True and gone["agreement_version"] == in_force


def test_a_refused_seed_file_on_an_empty_store_leaves_the_service_unready_saying_why(
        make_settings: MakeSettings, example: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "agreement.yaml"
    path.write_text(DEMO_AGREEMENT.read_text(encoding="utf-8").replace("{field: country, in:", "{field: cuntry, in:"))
    settings = make_settings(agreement=path, store_url=f"sqlite:///{tmp_path / 'leads.db'}", data_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        ready = client.get("/ready")
        scored = client.post("/v1/score", json=example)
    assert ready.status_code == 503 and ready.json()["ready"] is False
    [problem] = [p for p in ready.json()["problems"] if "agreement" in p]
    assert "seed file is refused" in problem and "cuntry" in problem
    assert scored.status_code == 503


def test_a_replica_restarted_while_the_store_is_down_serves_the_agreement_it_last_took(
        make_settings: MakeSettings, example: dict[str, Any], tmp_path: Path) -> None:
    edited = tmp_path / "agreement.yaml"
    edited.write_text(DEMO_AGREEMENT.read_text(encoding="utf-8").replace("in: [IN, NG, PK]", "in: [NG, PK]"))
    down = make_settings(agreement=edited, store_url=STORE_DOWN, data_dir=tmp_path / "never-connected")
    with TestClient(create_app(down)) as client:
        never = client.get("/ready")
    assert never.status_code == 503
    assert "no agreement in force" in never.json()["problems"][0]
    assert "never taken an agreement from the store" in never.json()["problems"][0]

    up = make_settings(store_url=f"sqlite:///{tmp_path / 'leads.db'}", data_dir=tmp_path)  # the demo file seeds it
    with TestClient(create_app(up)) as client:
        signed = client.get("/v1/agreement").json()
    restarted = make_settings(agreement=edited, store_url=STORE_DOWN, data_dir=tmp_path)
    with TestClient(create_app(restarted)) as client:
        ready = client.get("/ready")
        scored = client.post("/v1/score", json={**example, "country": "IN"}).json()
    assert ready.status_code == 200 and ready.json()["agreement_sha256"] == signed["sha256"]
    assert any("as this replica last took it from the store" in p for p in ready.json()["problems"])
    assert scored["agreement_sha256"] == signed["sha256"] and scored["disqualified"] is True  # not the edit
