"""One full cycle on PostgreSQL: train with MLflow on it, serve, score, and report an outcome to a store on it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from features.demo import write_demo
from serving.app import create_app
from serving.settings import Settings
from tests.conftest import DEMO_AGREEMENT, DEMO_PROFILE, quick_profile
from tests.serving.store.conftest import pg_schema
from training.job import TrainOptions, run_training
from training.steps import Steps

pytestmark = pytest.mark.slow


@pytest.fixture()
def mlflow_on_postgres(postgres: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database of its own for MLflow's tracking store and registry, dropped afterwards."""
    name = f"lstest_mlflow_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres, isolation_level="AUTOCOMMIT")  # CREATE DATABASE refuses transactions
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    monkeypatch.setenv("LEADSCORE_ARTIFACT_ROOT", (tmp_path / "artifacts").as_uri())  # beside nothing: say where
    previous = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    try:
        yield sa.make_url(postgres).set(database=name).render_as_string(hide_password=False)
    finally:
        mlflow.set_tracking_uri(previous[0])
        mlflow.set_registry_uri(previous[1])
        with admin.connect() as connection:  # FORCE: MLflow keeps its pooled connections open
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_train_serve_score_and_report_an_outcome_all_on_postgres(mlflow_on_postgres: str, postgres: str,
                                                                 tmp_path: Path, example: dict[str, Any]) -> None:
    data = write_demo(tmp_path / "leads.parquet", rows=3000, seed=5)
    trained = run_training(TrainOptions(profile=quick_profile(tmp_path), data=data, tracking_uri=mlflow_on_postgres),
                           Steps())
    assert trained.decision.promote
    with pg_schema(postgres) as store_url:
        settings = Settings(profile=DEMO_PROFILE, agreement=DEMO_AGREEMENT, tracking_uri=mlflow_on_postgres,
                            store_url=store_url, reload_seconds=3600.0)
        with TestClient(create_app(settings)) as client:
            ready = client.get("/ready").json()
            score = client.post("/v1/score", json=example).json()
            outcome = client.post("/v1/outcomes", json={"lead_id": example["lead_id"], "outcome": "won",
                                                        "score_was_wrong": False})
            lead = client.get(f"/v1/leads/{example['lead_id']}").json()
    assert ready["ready"] is True and ready["model_version"] == trained.version and ready["problems"] == []
    assert score["logged"] is True and score["model_version"].endswith(f"/{trained.version}")
    assert outcome.status_code == 201, outcome.text
    assert lead["status"] == "won" and lead["latest"]["model_version"] == score["model_version"]
    assert lead["outcomes"][0]["score_id"] == lead["latest"]["score_id"]
