"""Closing the loop: leads scored through the API and their reported outcomes train the next model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from features.profile import load_profile
from features.source import load_history
from models.registry import CHAMPION, Registry
from serving.app import create_app
from tests.conftest import ROOT
from tests.serving.conftest import MakeSettings
from training.job import TrainOptions, run_training
from training.steps import Steps

pytestmark = pytest.mark.slow
STORE_PROFILE = ROOT / "profiles" / "demo-store.yaml"
LEADS = 1500
BATCH = 50
RECYCLED = 20


@pytest.fixture()
def restored_mlflow() -> Iterator[None]:
    """Training points MLflow's process-wide URIs at its store; put them back afterwards."""
    previous = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    yield
    mlflow.set_tracking_uri(previous[0])
    mlflow.set_registry_uri(previous[1])


def sample(demo_data: Path) -> pd.DataFrame:
    """LEADS demo leads spread over the whole history, oldest first."""
    history = pd.read_parquet(demo_data).sort_values("created_at", kind="stable").reset_index(drop=True)
    return history.iloc[:: len(history) // LEADS].head(LEADS).reset_index(drop=True)


def as_leads(frame: pd.DataFrame, fields: list[str]) -> list[dict[str, object]]:
    """Rows as the JSON a CRM would send: only the lead's fields, blanks left out."""
    records = frame[["lead_id", *fields]].astype(object).to_dict("records")
    return [{key: value for key, value in record.items() if not pd.isna(value)} for record in records]


def report_outcomes(client: TestClient, frame: pd.DataFrame) -> dict[str, int]:
    """Post each closed lead's known outcome, and recycle a few open ones; the counts posted."""
    today = dt.datetime.now(dt.UTC).date()
    posted = {"won": 0, "lost": 0, "recycled": 0}
    for row in frame.itertuples():
        body: dict[str, object] = {"lead_id": row.lead_id, "outcome": row.outcome}
        if row.outcome in ("won", "lost"):
            body["closed_on"] = str(min(pd.Timestamp(row.closed_at).date(), today))
        elif posted["recycled"] < RECYCLED:
            body = {**body, "outcome": "recycled", "call_back_on": str(today + dt.timedelta(days=120))}
        else:
            continue
        response = client.post("/v1/outcomes", json=body)
        assert response.status_code == 201, response.text
        posted[str(body["outcome"])] += 1
    return posted


def test_training_from_the_store_registers_a_model(make_settings: MakeSettings, demo_data: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch, restored_mlflow: None) -> None:
    store_url = f"sqlite:///{tmp_path / 'data' / 'leads.db'}"
    frame = sample(demo_data)
    profile = load_profile(STORE_PROFILE)
    leads = as_leads(frame, [*profile.lead_fields, "contact_name", "email", "phone"])
    with TestClient(create_app(make_settings(store_url=store_url))) as client:
        for start in range(0, len(leads), BATCH):  # oldest first, so the store's lead times keep their order
            results = client.post("/v1/score/batch?explain=false", json={"leads": leads[start:start + BATCH]})
            assert results.status_code == 200 and all(r["logged"] for r in results.json()["results"])
        posted = report_outcomes(client, frame)

    monkeypatch.setenv("LEADSCORE_STORE_URL", store_url)
    history = load_history(profile)
    assert len(history.frame) == LEADS
    assert int((history.won == 1).sum()) == posted["won"] and int((history.won == 0).sum()) == posted["lost"]
    assert "phone" not in history.frame.columns  # personal attributes never reach the store

    tracking = f"sqlite:///{tmp_path / 'mlflow' / 'mlflow.db'}"
    result = run_training(TrainOptions(profile=STORE_PROFILE, tracking_uri=tracking), Steps())
    assert result.decision.promote and result.version == "1"
    assert Registry(tracking, "leadscore-demo").version_for(CHAMPION) == "1"
    assert sum(result.card["data"]["rows"].values()) == posted["won"] + posted["lost"]
    assert result.card["data"]["open_leads_not_trained_on"] == LEADS - posted["won"] - posted["lost"]
