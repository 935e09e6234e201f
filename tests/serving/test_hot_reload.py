"""Hot reload: a new champion swaps in under load, a broken one or a bad agreement never replaces a working one."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import mlflow
import pytest
from fastapi.testclient import TestClient

from features.demo import write_demo
from features.profile import Profile
from models.propensity import STATE_FILE
from models.pyfunc import ARTIFACT
from models.registry import CHAMPION, Registry
from serving.app import create_app
from serving.settings import Settings
from tests.conftest import DEMO_AGREEMENT, DEMO_PROFILE, quick_profile
from tests.serving.conftest import MakeSettings, poll
from training.job import TrainOptions, run_training
from training.steps import Steps

pytestmark = pytest.mark.slow
T = TypeVar("T")


@dataclass(frozen=True)
class Store:
    """A tracking store of this module's own (the session's champion must not move)."""

    uri: str
    data: Path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A fresh store holding one champion trained on a small demo history."""
    folder = tmp_path_factory.mktemp("reload-store")
    own = Store(f"sqlite:///{folder / 'mlflow.db'}", write_demo(folder / "leads.parquet", rows=4000, seed=11))
    previous = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    try:
        run_training(TrainOptions(profile=quick_profile(folder), data=own.data, tracking_uri=own.uri), Steps())
        yield own
    finally:  # training points MLflow's process-wide URIs at this store; put them back
        mlflow.set_tracking_uri(previous[0])
        mlflow.set_registry_uri(previous[1])


def settings_on(store: Store, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"profile": DEMO_PROFILE, "agreement": DEMO_AGREEMENT, "tracking_uri": store.uri,
                              "reload_seconds": 3600.0, **overrides}
    return Settings(**values)


@dataclass
class Traffic:
    """Scoring requests sent one after another from a background thread until stopped."""

    client: TestClient
    lead: dict[str, Any]
    versions: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    wanted: str = ""
    seen: threading.Event = field(default_factory=threading.Event)
    halt: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> Traffic:
        self.thread = threading.Thread(target=self._run, name="traffic", daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.halt.set()
        self.thread.join(timeout=30)

    def _run(self) -> None:
        while not self.halt.is_set():
            try:
                response = self.client.post("/v1/score", json=self.lead)
            except Exception as exc:  # noqa: BLE001 - every kind of failure is what the test counts
                self.failures.append(f"{exc.__class__.__name__}: {exc}")
                continue
            if response.status_code != 200:
                self.failures.append(f"{response.status_code}: {response.text[:200]}")
                continue
            self.versions.append(response.json()["model_version"])
            if self.versions[-1] == self.wanted:
                self.seen.set()

    def await_version(self, label: str) -> None:
        """Block until a response from `label` arrives (bounded, so a broken swap fails instead of hanging)."""
        self.wanted = label
        if self.versions and self.versions[-1] == label:
            return
        self.seen.wait(timeout=60)



# --- the model ---------------------------------------------------------------------------------


def test_a_new_champion_swaps_in_while_requests_run(store: Store, example: dict[str, Any],
                                                   demo_profile: Profile) -> None:
    name = demo_profile.registered_model
    quick = quick_profile(store.data.parent, "second")
    with TestClient(create_app(settings_on(store))) as client:
        first = f"{name}/{client.get('/ready').json()['model_version']}"
        with Traffic(client, example) as traffic:
            options = TrainOptions(profile=quick, data=store.data, tracking_uri=store.uri, force=True)
            second = f"{name}/{run_training(options, Steps()).version}"
            before_reload = len(traffic.versions)
            reload = client.post("/v1/admin/reload").json()
            traffic.await_version(second)
    assert second != first
    assert traffic.failures == []
    assert before_reload > 0, "requests were running while the new version was registered"
    assert reload["changed"] is True
    assert f"{name}/{reload['status']['model_version']}" == second
    # one client in sequence: every answer before the swap from the old model, every answer after from the new
    swap = traffic.versions.index(second)
    assert set(traffic.versions[:swap]) == {first}
    assert set(traffic.versions[swap:]) == {second}


def register_broken_copy(registry: Registry, version: str, folder: Path) -> str:
    """Register a copy of a version's artifacts whose model state is garbage; returns the new version."""
    source = registry.client.get_model_version_download_uri(registry.name, version)
    local = Path(mlflow.artifacts.download_artifacts(artifact_uri=source, dst_path=str(folder),
                                                     tracking_uri=registry.tracking_uri))
    (local / "artifacts" / ARTIFACT / STATE_FILE).write_text("this is not a model\n", encoding="utf-8")
    return str(registry.client.create_model_version(registry.name, source=local.as_uri()).version)


def test_a_champion_that_fails_to_load_leaves_the_previous_one_serving(
        store: Store, example: dict[str, Any], demo_profile: Profile, tmp_path: Path) -> None:
    registry = Registry(store.uri, demo_profile.registered_model)
    with TestClient(create_app(settings_on(store))) as client:
        serving = client.get("/ready").json()["model_version"]
        broken = register_broken_copy(registry, serving, tmp_path)
        registry.set_alias(CHAMPION, broken)
        try:
            reload = client.post("/v1/admin/reload").json()
            scored = client.post("/v1/score", json=example)
            ready = client.get("/ready")
        finally:
            registry.set_alias(CHAMPION, serving)
        recovered = client.post("/v1/admin/reload").json()
    assert reload["changed"] is False
    assert scored.status_code == 200
    assert scored.json()["model_version"] == f"{registry.name}/{serving}"
    assert ready.status_code == 200
    assert ready.json()["model_version"] == serving
    [problem] = ready.json()["problems"]
    assert f"{registry.name}/{broken}" in problem and "previous kept" in problem
    # pointing @champion back at the version in service clears the complaint
    assert recovered["status"]["problems"] == []


# --- the agreement -----------------------------------------------------------------------------

EDITED_FILES = {
    "not YAML": "version: '2026-12-01'\nrules: [{id: broken, text: 'unclosed\n",
    "unknown field": DEMO_AGREEMENT.read_text(encoding="utf-8").replace("{field: country, in:",
                                                                          "{field: cuntry, in:"),
    "not a mapping": "- just\n- a list\n",
    "a valid edit nobody signed": DEMO_AGREEMENT.read_text(encoding="utf-8").replace("in: [IN, NG, PK]",
                                                                                      "in: [NG, PK]"),
}


@pytest.mark.parametrize("kind", list(EDITED_FILES))
def test_an_edited_agreement_file_is_never_served_and_ready_names_it(
        make_settings: MakeSettings, example: dict[str, Any], tmp_path: Path, kind: str) -> None:
    path = tmp_path / "agreement.yaml"
    shutil.copy(DEMO_AGREEMENT, path)
    settings = make_settings(agreement=path, reload_seconds=0.05, store_url=f"sqlite:///{tmp_path / 'leads.db'}",
                             data_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        in_force = client.get("/ready").json()["agreement_version"]
        path.write_text(EDITED_FILES[kind], encoding="utf-8")
        ready = poll(lambda: client.get("/ready").json(), lambda body: bool(body["problems"]))
        scored = client.post("/v1/score", json={**example, "country": "IN"}).json()
        shutil.copy(DEMO_AGREEMENT, path)
        restored = poll(lambda: client.get("/ready").json(), lambda body: not body["problems"])
    [problem] = ready["problems"]
    assert str(path) in problem and "is not signed and is not served" in problem
    assert "POST /v1/agreements/proposals" in problem
    assert ready["ready"] is True and ready["agreement_version"] == in_force
    assert scored["agreement_version"] == in_force
    assert scored["deciding_rule"] == "price-too-high-market"  # the rules in force still apply
    assert restored == {**ready, "problems": []}
