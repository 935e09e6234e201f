"""Two replicas, as on two machines: each uvicorn process has its own data folder and its own copy of the
agreement file, and both share one PostgreSQL lead store. A proposal posted on one is read back on the other with
its exact text and digest, signed by sales on one and by marketing on the other, and is in force on both within
the poll interval; a copy of the file edited on one machine is never served.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import DEMO_AGREEMENT, DEMO_PROFILE
from tests.serving.conftest import poll, start_uvicorn, stop, wait_ready
from tests.serving.store.conftest import pg_schema, postgres  # noqa: F401 - postgres is a fixture
from training.job import TrainResult

pytestmark = pytest.mark.slow

ADMIN, SCORING, SALES, MARKETING = "admin-r", "score-r", "sales-r", "marketing-r"
RELOAD_SECONDS = 0.5
DEMO_TEXT = DEMO_AGREEMENT.read_text(encoding="utf-8")


def replica(folder: Path, store_url: str, tracking_uri: str,
            agreement_text: str) -> tuple[subprocess.Popen[bytes], str]:
    """A uvicorn replica with its own data folder and its own copy of the agreement file."""
    folder.mkdir(parents=True)
    agreement = folder / "agreement.yaml"
    agreement.write_text(agreement_text, encoding="utf-8")
    env = {"LEADSCORE_PROFILE": str(DEMO_PROFILE), "LEADSCORE_AGREEMENT": str(agreement),
           "MLFLOW_TRACKING_URI": tracking_uri, "LEADSCORE_STORE_URL": store_url,
           "LEADSCORE_DATA_DIR": str(folder / "data"), "LEADSCORE_RELOAD_SECONDS": str(RELOAD_SECONDS),
           "LEADSCORE_ADMIN_KEYS": ADMIN, "LEADSCORE_API_KEYS": SCORING, "LEADSCORE_SALES_KEYS": SALES,
           "LEADSCORE_MARKETING_KEYS": MARKETING}
    log = folder / "uvicorn.log"
    process, base_url = start_uvicorn(env, log)
    wait_ready(process, base_url, log)
    return process, base_url


@pytest.fixture()
def replicas(postgres: str, trained: TrainResult, tracking_uri: str,  # noqa: F811 - the imported fixture
             tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Replica A started first on an empty store (its file seeds it), then replica B with an edited copy."""
    edited = DEMO_TEXT.replace("grades: {A: 0.50, B: 0.25, C: 0.10}", "grades: {A: 0.02, B: 0.01, C: 0.005}")
    with pg_schema(postgres) as store_url:
        first = replica(tmp_path / "machine-a", store_url, tracking_uri, DEMO_TEXT)
        try:
            second = replica(tmp_path / "machine-b", store_url, tracking_uri, edited)
        except BaseException:
            stop(first[0])
            raise
        try:
            yield first[1], second[1]
        finally:
            stop(first[0])
            stop(second[0])


def get(base: str, path: str, key: str) -> Any:
    response = httpx.get(f"{base}{path}", headers={"X-API-Key": key}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_proposal_signed_across_two_replicas_is_in_force_on_both(replicas: tuple[str, str],
                                                                   example: dict[str, Any]) -> None:
    a, b = replicas
    seeded = get(a, "/v1/agreement", SCORING)
    assert seeded["sign_off"]["status"] == "seeded"
    assert get(b, "/v1/agreement", SCORING)["sha256"] == seeded["sha256"]  # B's edited copy is not what it serves
    [problem] = [p for p in get(b, "/ready", SCORING)["problems"] if "agreement file" in p]
    assert "is not signed and is not served" in problem

    text = DEMO_TEXT.replace('version: "2026-11-01"', 'version: "2026-12-02"').replace(
        "grades: {A: 0.50, B: 0.25, C: 0.10}", "grades: {A: 0.55, B: 0.25, C: 0.10}")
    proposed = httpx.post(f"{a}/v1/agreements/proposals", content=text.encode("utf-8"),
                          headers={"X-API-Key": ADMIN, "Content-Type": "application/yaml"}, timeout=10)
    assert proposed.status_code == 201, proposed.text
    version = proposed.json()["version"]
    read_on_b = get(b, f"/v1/agreements/proposals/{version}", MARKETING)
    assert read_on_b["text"] == text and read_on_b["sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()

    sales = httpx.post(f"{a}/v1/agreements/proposals/{version}/sign", headers={"X-API-Key": SALES}, timeout=10,
                       json={"signer": "Maria Keller, Head of Sales", "sha256": read_on_b["sha256"]})
    assert sales.status_code == 200 and sales.json()["activated"] is False, sales.text
    assert get(b, "/v1/agreement", SCORING)["sha256"] == seeded["sha256"]  # one signature changes nothing
    marketing = httpx.post(f"{b}/v1/agreements/proposals/{version}/sign", headers={"X-API-Key": MARKETING},
                           json={"signer": "Tom Okafor, Head of Marketing", "sha256": read_on_b["sha256"]}, timeout=10)
    assert marketing.status_code == 200 and marketing.json()["activated"] is True, marketing.text

    for base in (b, a):  # b took the second signature; a learns of it by polling the store
        card = poll(lambda base=base: get(base, "/v1/agreement", SCORING), lambda c: c["version"] == version,
                    patience=10 * RELOAD_SECONDS)
        assert card["version"] == version and card["sha256"] == read_on_b["sha256"]
        assert card["grades"]["A"] == 0.55
        assert (card["sign_off"]["sales"], card["sign_off"]["marketing"]) == (
            "Maria Keller, Head of Sales", "Tom Okafor, Head of Marketing")
        scored = httpx.post(f"{base}/v1/score", json={**example, "lead_id": f"L-{base[-5:]}"},
                            headers={"X-API-Key": SCORING}, timeout=10).json()
        assert scored["agreement_version"] == version and scored["agreement_sha256"] == card["sha256"]
