"""The weekly report over HTTP, from the lead store, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.app import create_app
from serving.deps import current_clock
from tests.serving.conftest import MakeSettings
from tests.serving.store.conftest import BACKENDS, backend_url

NOW = dt.datetime.now(dt.UTC)
SECTIONS = {"trend", "follow_up", "campaigns", "calibration", "rules", "cohorts", "score_feedback"}


@pytest.fixture(scope="module", params=BACKENDS)
def api(request: pytest.FixtureRequest, make_settings: MakeSettings,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with backend_url(request, request.param, tmp_path_factory.mktemp("weekly")) as url, \
            TestClient(create_app(make_settings(store_url=url))) as client:
        yield client


@pytest.fixture(scope="module")
def filled(api: TestClient, example: dict[str, Any], modest: dict[str, Any]) -> TestClient:
    for lead_id, lead in (("W-1", example), ("W-2", modest), ("W-3", example)):
        assert api.post("/v1/score", json={**lead, "lead_id": lead_id}).status_code == 200
    api.post("/v1/leads/W-1/activities", json={"kind": "call", "result": "reached", "by": "Ana"})
    api.post("/v1/outcomes", json={"lead_id": "W-1", "outcome": "won"})
    return api


def test_the_weekly_report_answers_every_section(filled: TestClient) -> None:
    body = filled.get("/v1/reports/weekly", params={"weeks": 2}).json()
    assert SECTIONS <= set(body) and body["agreement_version"]
    this_week = body["trend"][-1]
    assert (this_week["leads"], this_week["contacted"], this_week["won"]) == (3, 1, 1)
    summit = next(row for row in body["campaigns"]["current"]["campaign"] if row["key"] == "partner-summit")
    assert summit["label"] != "partner-summit" and summit["leads"] == 2  # a value label, not the code
    sellers = body["follow_up"]["current"]["by_seller"]
    assert [(row["key"], row["in_time"]["rate"]) for row in sellers] == [("Ana", 1.0)]


def test_the_html_page_and_a_fixed_clock(filled: TestClient) -> None:
    page = filled.get("/v1/reports/weekly.html")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<section id="campaigns">' in page.text and "data:image/png;base64," in page.text
    filled.app.dependency_overrides[current_clock] = lambda: lambda: NOW - dt.timedelta(weeks=10)  # type: ignore[attr-defined]
    try:
        past = filled.get("/v1/reports/weekly").json()
    finally:
        filled.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    assert sum(row["leads"] for row in past["trend"]) == 0


@pytest.mark.parametrize(("params", "field"), [({"weeks": 0}, "weeks"), ({"end": "soon"}, "end"),
                                               ({"end": "20261130"}, "end")])
def test_a_bad_window_is_422_naming_it(filled: TestClient, params: dict[str, Any], field: str) -> None:
    answer = filled.get("/v1/reports/weekly", params=params)
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["query", field]


def test_the_html_page_in_the_reader_s_language(filled: TestClient) -> None:
    danish = filled.get("/v1/reports/weekly.html", headers={"accept-language": "da-DK,da;q=0.9"}).text
    assert '<html lang="da">' in danish and "Ugentlig closed loop-rapport" in danish
    assert "Partnerkonference" in danish, "value labels in Danish"
    polish = filled.get("/v1/reports/weekly.html?lang=pl", headers={"accept-language": "da"}).text
    assert '<html lang="pl">' in polish and "Tygodniowy raport zamkniętej pętli" in polish
