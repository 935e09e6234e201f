"""Every model family through the whole path: trained, gated, registered, hot-reloaded, pyfunc and served."""

from __future__ import annotations

import json
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import mlflow
import numpy as np
import pytest
from fastapi.testclient import TestClient

from benchmarks.serve import free_port, server
from features.demo import write_demo
from features.profile import load_profile
from features.source import load_history
from models.families import LINEAR_C
from models.registry import CHAMPION, Registry
from serving.app import create_app
from serving.settings import Settings
from tests.conftest import DEMO_AGREEMENT, DEMO_PROFILE, quick_profile
from training.job import TrainOptions, TrainResult, run_training
from training.steps import Steps

pytestmark = pytest.mark.slow
FAMILIES = ["prior", "linear", "trees", "hybrid", "catboost"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    folder = tmp_path_factory.mktemp("families")
    previous = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    yield f"sqlite:///{folder / 'mlflow.db'}", write_demo(folder / "leads.parquet", rows=4000, seed=5), folder
    mlflow.set_tracking_uri(previous[0])
    mlflow.set_registry_uri(previous[1])


@pytest.fixture(scope="module")
def runs(store: tuple[str, Path, Path]) -> dict[str, TrainResult]:
    """One forced run per family, in turn, so each is gated against the previous family's champion."""
    uri, data, folder = store
    profiles = {family: quick_profile(folder, f"demo-{family}", training={"model": family}) for family in FAMILIES}
    return {family: run_training(TrainOptions(profile=profiles[family], data=data, tracking_uri=uri, force=True),
                                 Steps()) for family in FAMILIES}


def test_the_card_reports_the_override_and_the_family(runs: dict[str, TrainResult]) -> None:
    for family, result in runs.items():
        selection = result.card["selection"]
        assert selection["profile_overrides"] == {"model": family}
        families = [row["family"] for row in selection["candidates"]]
        assert set(families) == {family}
        assert len(families) == (len(LINEAR_C) if family == "linear" else 1), "a linear override leaves C open"
        assert result.card["model"]["candidate"]["family"] == family


def test_the_gate_loaded_each_previous_champion(runs: dict[str, TrainResult]) -> None:
    for before, after in zip(FAMILIES, FAMILIES[1:], strict=False):
        assert runs[after].champion is not None, f"the gate could not load the {before} champion"
        assert runs[after].decision.promote


@pytest.mark.parametrize("family", FAMILIES)
def test_registry_and_pyfunc_load_every_family(family: str, runs: dict[str, TrainResult],
                                               store: tuple[str, Path, Path]) -> None:
    uri, data, _ = store
    version = runs[family].version
    model = Registry(uri, "leadscore-demo").load(version)
    leads = load_history(load_profile(DEMO_PROFILE), data).frame.head(30)
    mlflow.set_tracking_uri(uri)
    pyfunc = mlflow.pyfunc.load_model(f"models:/leadscore-demo/{version}")
    columns = [f.name for f in load_profile(DEMO_PROFILE).features]
    np.testing.assert_allclose(pyfunc.predict(leads[columns])["probability"], model.estimator.predict_proba(leads),
                               rtol=1e-9)


def test_the_service_hot_reloads_the_newest_family(runs: dict[str, TrainResult], store: tuple[str, Path, Path],
                                                   tmp_path: Path) -> None:
    uri, data, _ = store
    settings = Settings(profile=DEMO_PROFILE, agreement=DEMO_AGREEMENT, tracking_uri=uri, reload_seconds=3600.0,
                        data_dir=tmp_path)
    lead = {"lead_id": "L-family", **load_profile(DEMO_PROFILE).example}
    with TestClient(create_app(settings)) as client:
        answer = client.post("/v1/score", json=lead)
        assert answer.status_code == 200, answer.text
        assert answer.json()["model_version"].endswith(runs["catboost"].version)
        assert answer.json()["reasons"], "a CatBoost champion explains its grade"


def test_mlflow_models_serve_serves_the_champion(runs: dict[str, TrainResult], store: tuple[str, Path, Path],
                                                 tmp_path: Path) -> None:
    uri, data, _ = store
    port = free_port()
    command = [str(Path(sys.executable).parent / "mlflow"), "models", "serve", "-m", "models:/leadscore-demo@champion",
               "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)]
    leads = load_history(load_profile(DEMO_PROFILE), data).frame.head(5)
    columns = [f.name for f in load_profile(DEMO_PROFILE).features]
    body = json.dumps({"dataframe_split": json.loads(leads[columns].to_json(orient="split", index=False))}).encode()
    with server("mlflow models serve", command, {"MLFLOW_TRACKING_URI": uri}, port, "/ping", tmp_path / "serve.log"):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/invocations", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            served = json.loads(response.read())
    expected = Registry(uri, "leadscore-demo").load_alias(CHAMPION).estimator.predict_proba(leads)
    np.testing.assert_allclose([row["probability"] for row in served["predictions"]], expected, rtol=1e-6)
