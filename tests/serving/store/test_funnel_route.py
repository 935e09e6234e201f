"""The funnel report over HTTP, from the lead store, on SQLite and PostgreSQL: exact counts on a few leads."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.app import create_app
from tests.serving.conftest import MakeSettings
from tests.serving.store.conftest import BACKENDS, backend_url

SCORING = "score-key-1"
KEY = {"X-API-Key": SCORING}
TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture(params=BACKENDS)
def api(request: pytest.FixtureRequest, make_settings: MakeSettings,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app with an empty lead store of its own for each test, once per backend."""
    with backend_url(request, request.param, tmp_path_factory.mktemp("funnel")) as url, \
            TestClient(create_app(make_settings(store_url=url, api_keys=SCORING))) as client:
        yield client


def score(api: TestClient, lead: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/v1/score", json=lead, headers=KEY)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def outcome(api: TestClient, lead_id: str, kind: str) -> None:
    body: dict[str, Any] = {"lead_id": lead_id, "outcome": kind}
    if kind == "recycled":
        body["call_back_on"] = str(TODAY + dt.timedelta(days=120))
    response = api.post("/v1/outcomes", json=body, headers=KEY)
    assert response.status_code == 201, response.text


@pytest.fixture()
def six_leads(api: TestClient, example: dict[str, Any], modest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Six scored leads: two won (one after a recycle), one lost, one recycled, two open; one rescored."""
    plan = {  # lead id: (base lead, campaign, outcomes in order)
        "F-1": (example, "summit", ["won"]),
        "F-2": (example, "summit", ["recycled", "won"]),
        "F-3": (modest, "spring-promo", ["lost"]),
        "F-4": (modest, "spring-promo", ["recycled"]),
        "F-5": (modest, "summit", []),
        "F-6": (example, None, []),
    }
    answers = {}
    for lead_id, (base, campaign, _) in plan.items():
        lead = {**base, "lead_id": lead_id, "campaign": campaign}
        answers[lead_id] = score(api, lead)
    answers["F-5"] = score(api, {**modest, "lead_id": "F-5", "campaign": "summit", "website_visits": 40})  # rescored
    for lead_id, (_, _, outcomes) in plan.items():
        for kind in outcomes:
            outcome(api, lead_id, kind)
    return answers


FINAL = {"F-1": "won", "F-2": "won", "F-3": "lost", "F-4": "recycled", "F-5": "", "F-6": ""}


def counts(rows: list[dict[str, Any]]) -> dict[str, tuple[int, int, int, int, int]]:
    return {row["key"]: (row["leads"], row["won"], row["lost"], row["recycled"], row["open"]) for row in rows}


def expected(groups: dict[str, str]) -> dict[str, tuple[int, int, int, int, int]]:
    """Per group key: (leads, won, lost, recycled, open) from the plan's final outcomes."""
    table: dict[str, Counter[str]] = {}
    for lead_id, key in groups.items():
        table.setdefault(key, Counter())[FINAL[lead_id]] += 1
    return {key: (sum(c.values()), c["won"], c["lost"], c["recycled"], c[""]) for key, c in table.items()}


def test_the_funnel_counts_each_lead_once_by_its_latest_score_and_outcome(
        api: TestClient, six_leads: dict[str, dict[str, Any]], example: dict[str, Any],
        modest: dict[str, Any]) -> None:
    response = api.get("/v1/reports/funnel", headers=KEY)
    assert response.status_code == 200, response.text
    funnel = response.json()
    assert counts([funnel["total"]]) == {"all leads": (6, 2, 1, 1, 2)}
    assert funnel["total"]["win_rate"] == pytest.approx(2 / 3)
    assert counts(funnel["by_campaign"]) == {"summit": (3, 2, 0, 0, 1), "spring-promo": (2, 0, 1, 1, 0),
                                             "(none)": (1, 0, 0, 0, 1)}
    sources = {"F-1": example["lead_source"], "F-2": example["lead_source"], "F-6": example["lead_source"],
               "F-3": modest["lead_source"], "F-4": modest["lead_source"], "F-5": modest["lead_source"]}
    assert counts(funnel["by_source"]) == expected(sources)
    grades = {lead_id: answer["grade"] for lead_id, answer in six_leads.items()}  # F-5: its second score
    by_grade = counts(funnel["by_grade"])
    assert {k: v for k, v in by_grade.items() if v[0]} == expected(grades)
    agreement = api.get("/v1/agreement", headers=KEY).json()
    assert funnel["agreement_version"] == agreement["version"]
    assert [row["key"] for row in funnel["by_grade"]][:4] == ["A", "B", "C", "D"]
    for rule in funnel["rules"]:
        caught = {lead_id for lead_id, answer in six_leads.items() if rule["id"] in [r["id"] for r in answer["rules"]]}
        assert rule["caught"] == len(caught), rule["id"]
        assert rule["won"] == sum(FINAL[lead_id] == "won" for lead_id in caught), rule["id"]
    closed = [lead_id for lead_id in FINAL if FINAL[lead_id] in ("won", "lost")]
    assert sum(band["leads"] for band in funnel["calibration"]) == len(closed) == 3
    assert sum(band["won"] for band in funnel["calibration"]) == 2


def test_the_period_selects_leads_by_their_latest_score(api: TestClient,
                                                        six_leads: dict[str, dict[str, Any]]) -> None:
    now = dt.datetime.now(dt.UTC)
    around = api.get("/v1/reports/funnel", headers=KEY, params={
        "from": (now - dt.timedelta(hours=1)).isoformat(), "to": (now + dt.timedelta(hours=1)).isoformat()})
    assert around.status_code == 200, around.text
    assert around.json()["total"]["leads"] == 6
    assert around.json()["period"]["from"].startswith(str((now - dt.timedelta(hours=1)).date()))
    later = api.get("/v1/reports/funnel", headers=KEY, params={"from": str(TODAY + dt.timedelta(days=1))})
    assert later.status_code == 200, later.text
    assert counts([later.json()["total"]]) == {"all leads": (0, 0, 0, 0, 0)}
    earlier = api.get("/v1/reports/funnel", headers=KEY, params={"to": str(TODAY - dt.timedelta(days=1))})
    assert earlier.json()["total"]["leads"] == 0


def test_from_after_to_is_422(api: TestClient) -> None:
    for path in ("/v1/reports/funnel", "/v1/reports/funnel.html"):
        response = api.get(path, headers=KEY, params={"from": "2026-11-02", "to": "2026-11-01"})
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["query", "from"]
    for bad in ("not-a-date", "0.52", "1700000000"):  # a number is not read as Unix time
        assert api.get("/v1/reports/funnel", headers=KEY, params={"from": bad}).status_code == 422, bad


def test_the_funnel_needs_a_scoring_key(api: TestClient) -> None:
    assert api.get("/v1/reports/funnel").status_code == 401
    assert api.get("/v1/reports/funnel.html", headers={"X-API-Key": "wrong"}).status_code == 403


def test_an_empty_store_gives_an_empty_funnel(api: TestClient) -> None:
    response = api.get("/v1/reports/funnel", headers=KEY)
    assert response.status_code == 200, response.text
    assert counts([response.json()["total"]]) == {"all leads": (0, 0, 0, 0, 0)}


def test_the_html_report_is_one_self_contained_page(api: TestClient,
                                                    six_leads: dict[str, dict[str, Any]]) -> None:
    response = api.get("/v1/reports/funnel.html", headers=KEY)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert page.lstrip().lower().startswith("<!doctype html") and "Summit" in page
    assert "Spring promo" in page, "campaigns as the profile labels them"
    assert "<script src" not in page and "<link" not in page  # nothing fetched from elsewhere


def test_the_html_report_in_the_reader_s_language(api: TestClient, six_leads: dict[str, dict[str, Any]]) -> None:
    danish = api.get("/v1/reports/funnel.html", headers={**KEY, "accept-language": "da-DK,da;q=0.9"}).text
    assert '<html lang="da">' in danish and "<h1>Leadtragt: closed loop-rapport</h1>" in danish
    assert "Forårskampagne" in danish and "leaddatabasen" in danish, "value labels and the source in Danish"
    polish = api.get("/v1/reports/funnel.html?lang=pl", headers={**KEY, "accept-language": "da"}).text
    assert '<html lang="pl">' in polish and "Lejek leadów: raport zamkniętej pętli" in polish
    assert "Win rate" not in polish and "lead store" not in polish


def test_the_report_command_reads_what_the_service_scored(api: TestClient, example: dict[str, Any],
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    for i, kind in enumerate(["won", "lost", None]):
        lead = {**example, "lead_id": f"CLI-{i}"}
        score(api, lead)
        if kind:
            outcome(api, lead["lead_id"], kind)
    monkeypatch.setenv("LEADSCORE_STORE_URL", str(api.app.state.settings.lead_store_url))  # type: ignore[attr-defined]
    result = CliRunner().invoke(app, ["report", "--source", "store", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    figures = json.loads((tmp_path / "funnel.json").read_text())
    assert (figures["total"]["leads"], figures["total"]["won"], figures["total"]["lost"]) == (3, 1, 1)
    danish = CliRunner().invoke(app, ["report", "--source", "store", "--out", str(tmp_path), "--language", "da"])
    assert danish.exit_code == 0, danish.output
    page = (tmp_path / "funnel.html").read_text()
    assert '<html lang="da">' in page and "Leadtragt: closed loop-rapport" in page and "leaddatabasen" in page
    refused = CliRunner().invoke(app, ["report", "--language", "sv", "--out", str(tmp_path / "other")])
    assert refused.exit_code == 1 and "sv" in refused.output and not (tmp_path / "other").exists()
