"""The scorer as it runs in production: a uvicorn process configured from the environment, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import DEMO_AGREEMENT, DEMO_PROFILE
from tests.serving.conftest import start_uvicorn, stop, wait_ready
from training.job import TrainResult

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(trained: TrainResult, tracking_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A uvicorn process serving the session's champion; its base URL."""
    log = tmp_path_factory.mktemp("uvicorn") / "server.log"
    env = {"LEADSCORE_PROFILE": str(DEMO_PROFILE), "LEADSCORE_AGREEMENT": str(DEMO_AGREEMENT),
           "MLFLOW_TRACKING_URI": tracking_uri, "LEADSCORE_API_KEYS": "", "LEADSCORE_ADMIN_KEYS": ""}
    process, base_url = start_uvicorn(env, log)
    try:
        wait_ready(process, base_url, log)
        yield base_url
    finally:
        stop(process)


def test_a_lead_is_scored_over_http(server: str, example: dict[str, Any], trained: TrainResult) -> None:
    with httpx.Client(base_url=server, timeout=10) as http:
        response = http.post("/v1/score", json=example)
        ready = http.get("/ready").json()
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["lead_id"] == example["lead_id"]
    assert body["score"] == round(100 * body["probability"])
    assert body["model_version"].endswith(f"/{trained.version}")
    assert ready["ready"] is True and ready["model_version"] == trained.version


def test_bad_input_is_422_over_http(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as http:
        wrong = http.post("/v1/score", json={"lead_id": "L-1", "website_visits": "lots"})
        nan = http.post("/v1/score", content=b'{"lead_id": "L-1", "website_visits": NaN}',
                        headers={"content-type": "application/json"})
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "website_visits"]
    assert nan.status_code == 422
    assert nan.json()["detail"][0]["loc"] == ["body", "website_visits"]

