"""The lead routes over HTTP, on SQLite and PostgreSQL: the score log, outcomes, the queue, a store that is down."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from features.profile import Profile
from serving.app import create_app
from serving.schemas import lead_fields, lead_schema
from serving.scorelog import input_hash
from serving.store.tables import lead_scores
from tests.serving.conftest import MakeSettings, remember_agreement
from tests.serving.store.conftest import BACKENDS, UNREACHABLE, backend_url

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture(scope="module", params=BACKENDS)
def api(request: pytest.FixtureRequest, make_settings: MakeSettings,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app on the session's champion with a lead store of its own, once per backend."""
    with backend_url(request, request.param, tmp_path_factory.mktemp("api")) as url, \
            TestClient(create_app(make_settings(store_url=url))) as client:
        yield client


def fresh(lead: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The lead under a new id, with changes."""
    return {**lead, "lead_id": f"L-{uuid.uuid4().hex[:10]}", **changes}


def scored(api: TestClient, lead: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/v1/score", json=lead)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


# --- the score log ------------------------------------------------------------------------------


def test_a_score_is_logged_and_read_back_with_its_versions(api: TestClient, example: dict[str, Any],
                                                           demo_profile: Profile) -> None:
    lead = fresh(example)
    answer = scored(api, lead)
    assert answer["logged"] is True
    found = api.get(f"/v1/leads/{lead['lead_id']}")
    assert found.status_code == 200, found.text
    body = found.json()
    latest = body["latest"]
    assert latest["probability"] == pytest.approx(answer["probability"], abs=1e-6)
    for key in ("grade", "label", "model_grade", "disqualified", "deciding_rule", "model_version",
                "agreement_version", "reasons"):
        assert latest[key] == answer[key], key
    assert latest["rules"] == [rule["id"] for rule in answer["rules"]]
    assert latest["source"] == lead["lead_source"]
    assert body["history"] == [latest] and body["outcomes"] == [] and body["change"] is None
    assert (body["status"], body["overdue"]) == ("open", False)
    assert dt.datetime.fromisoformat(body["due_at"]) > dt.datetime.now(dt.UTC)  # the grade's promise is ahead
    assert api.get("/ready").json()["problems"] == []


def test_personal_attributes_are_stored_only_as_present_or_not(api: TestClient, example: dict[str, Any],
                                                                demo_profile: Profile) -> None:
    lead = fresh(example, email="jane.doe@nordlicht.example")
    scored(api, lead)
    latest = api.get(f"/v1/leads/{lead['lead_id']}").json()["latest"]
    assert set(latest["fields"]) == {*demo_profile.feature_names, "company"}
    assert latest["fields"]["company"] == example["company"]
    assert latest["personal_present"] == {"contact_name": False, "email": True, "phone": True}
    with api.app.state.lead_store.engine.connect() as connection:  # type: ignore[attr-defined]
        raw = str(connection.execute(sa.select(lead_scores).where(lead_scores.c.lead_id == lead["lead_id"])).all())
    assert example["phone"] not in raw and "jane.doe" not in raw and example["company"] in raw
    validated = lead_fields(lead_schema(demo_profile)(**lead))
    personal = [a.name for a in demo_profile.attributes if a.personal]
    assert latest["input_hash"] == input_hash(validated, personal)
    # Personal values enter the hash only as present or not, so the hash cannot be reversed to them.
    assert input_hash(validated, personal) == input_hash({**validated, "phone": "+1 555 0100"}, personal)
    assert input_hash(validated, personal) != input_hash({**validated, "phone": None}, personal)


def test_the_stored_contributions_agree_with_the_reasons(api: TestClient, example: dict[str, Any],
                                                         demo_profile: Profile) -> None:
    lead = fresh(example)
    scored(api, lead)
    latest = api.get(f"/v1/leads/{lead['lead_id']}").json()["latest"]
    assert latest["contributions"] and set(latest["contributions"]) <= set(demo_profile.feature_names)
    for reason in latest["reasons"]:
        pull = latest["contributions"][reason["field"]]
        assert abs(pull) == pytest.approx(reason["strength"], abs=1e-3)
        assert (pull > 0) == (reason["direction"] == "raises")


def test_a_rescore_says_why_the_grade_changed(api: TestClient, modest: dict[str, Any]) -> None:
    lead = fresh(modest)
    first = scored(api, lead)
    better = {**lead, "demo_requested": True, "company_size": "201-1000", "pricing_page_views": 6,
              "timeline": "now", "budget": "confirmed"}
    second = scored(api, better)
    body = api.get(f"/v1/leads/{lead['lead_id']}").json()
    change = body["change"]
    assert [score["probability"] for score in body["history"]] == [pytest.approx(second["probability"], abs=1e-6),
                                                                   pytest.approx(first["probability"], abs=1e-6)]
    assert change["grade_before"] == first["grade"] and change["grade_after"] == second["grade"]
    assert "icp-demo" in change["rules_started"] and change["inputs_changed"] and not change["new_model"]
    moves = [abs(move["change"]) for move in change["fields"]]
    assert moves and moves == sorted(moves, reverse=True)
    assert {move["field"] for move in change["fields"]} <= {"demo_requested", "company_size", "pricing_page_views",
                                                            "timeline", "budget"}
    assert change["why"][0].startswith("Grade ") and "Rule 'icp-demo' started to apply." in change["why"]


def test_batch_scores_are_logged_too(api: TestClient, example: dict[str, Any], modest: dict[str, Any]) -> None:
    leads = [fresh(example), fresh(modest)]
    explained = api.post("/v1/score/batch", json={"leads": leads}).json()["results"]
    plain_lead = fresh(modest)
    plain = api.post("/v1/score/batch?explain=false", json={"leads": [plain_lead]}).json()["results"]
    assert all(result["logged"] for result in [*explained, *plain])
    for lead, result in zip(leads, explained, strict=True):
        assert api.get(f"/v1/leads/{lead['lead_id']}").json()["latest"]["grade"] == result["grade"]
    assert api.get(f"/v1/leads/{plain_lead['lead_id']}").json()["latest"]["contributions"] is None


def test_an_unknown_lead_is_404(api: TestClient) -> None:
    response = api.get("/v1/leads/L-never-scored")
    assert response.status_code == 404
    assert response.json()["detail"] == "lead 'L-never-scored' is unknown: it has never been scored"


# --- outcomes -----------------------------------------------------------------------------------


def test_an_outcome_is_recorded_once_and_final(api: TestClient, example: dict[str, Any]) -> None:
    lead = fresh(example)
    scored(api, lead)
    won = {"lead_id": lead["lead_id"], "outcome": "won", "closed_on": str(TODAY), "score_was_wrong": False}
    first = api.post("/v1/outcomes", json=won)
    again = api.post("/v1/outcomes", json=won)
    lost = api.post("/v1/outcomes", json={**won, "outcome": "lost"})
    assert (first.status_code, again.status_code, lost.status_code) == (201, 200, 409)
    assert again.json() == first.json()
    assert "already has the final outcome 'won'" in lost.json()["detail"]
    assert lost.json()["existing"]["outcome_id"] == first.json()["outcome_id"]
    body = api.get(f"/v1/leads/{lead['lead_id']}").json()
    assert body["status"] == "won" and [o["outcome"] for o in body["outcomes"]] == ["won"]
    assert body["outcomes"][0]["score_id"] == body["latest"]["score_id"]


def test_a_recycled_lead_leaves_the_queue_until_its_call_back_date(api: TestClient, example: dict[str, Any]) -> None:
    lead = fresh(example, lead_source=f"src-{uuid.uuid4().hex[:8]}")
    scored(api, lead)
    back = TODAY + dt.timedelta(days=120)
    response = api.post("/v1/outcomes", json={"lead_id": lead["lead_id"], "outcome": "recycled",
                                              "call_back_on": str(back), "score_was_wrong": True,
                                              "comment": "Call me again in four months."})
    assert response.status_code == 201, response.text
    assert api.get("/v1/leads", params={"source": lead["lead_source"]}).json()["total"] == 0
    nurtured = api.get("/v1/leads", params={"source": lead["lead_source"], "status": "recycled"}).json()["leads"]
    assert [(e["lead_id"], e["call_back_on"]) for e in nurtured] == [(lead["lead_id"], str(back))]


@pytest.mark.parametrize(("change", "loc"), [
    ({"outcome": "recycled"}, ["body", "call_back_on"]),
    ({"outcome": "recycled", "call_back_on": str(TODAY - dt.timedelta(days=3))}, ["body", "call_back_on"]),
    ({"closed_on": str(TODAY + dt.timedelta(days=10))}, ["body", "closed_on"]),
    ({"outcome": "maybe"}, ["body", "outcome"]),
    ({"comment": "x" * 2001}, ["body", "comment"]),
    ({"closed_on": "last tuesday"}, ["body", "closed_on"]),
    ({"deal_size": 10_000}, ["body", "deal_size"]),
    ({"lost_reason": "price"}, ["body", "lost_reason"]),  # only a lost deal has a lost reason
    ({"outcome": "lost", "lost_reason": "boredom"}, ["body", "lost_reason"]),
])
def test_an_outcome_that_does_not_fit_is_422_naming_the_field(api: TestClient, example: dict[str, Any],
                                                              change: dict[str, Any], loc: list[str]) -> None:
    lead = fresh(example)
    scored(api, lead)
    response = api.post("/v1/outcomes", json={"lead_id": lead["lead_id"], "outcome": "won", **change})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == loc


def test_an_outcome_for_an_unknown_lead_is_404(api: TestClient) -> None:
    response = api.post("/v1/outcomes", json={"lead_id": "L-nobody", "outcome": "lost"})
    assert response.status_code == 404
    assert "'L-nobody' is unknown" in response.json()["detail"]


# --- the queue ----------------------------------------------------------------------------------


def test_the_queue_lists_open_leads_by_grade_then_probability(api: TestClient, example: dict[str, Any],
                                                              modest: dict[str, Any]) -> None:
    source = f"src-{uuid.uuid4().hex[:8]}"
    leads = [fresh(example, lead_source=source), fresh(modest, lead_source=source),
             fresh(example, lead_source=source, country="IN"), fresh(modest, lead_source=source, website_visits=30)]
    api.post("/v1/score/batch", json={"leads": leads})
    page = api.get("/v1/leads", params={"source": source}).json()
    letters = api.get("/v1/agreement").json()["letters"]
    order = [(letters.index(e["grade"]), -e["probability"]) for e in page["leads"]]
    assert page["total"] == 4 and order == sorted(order)
    assert not any(e["overdue"] for e in page["leads"])
    assert api.get("/v1/leads", params={"source": source, "overdue": True}).json()["total"] == 0
    top = page["leads"][0]["lead_id"]
    assert api.post("/v1/outcomes", json={"lead_id": top, "outcome": "won"}).status_code == 201
    after = api.get("/v1/leads", params={"source": source, "limit": 2}).json()
    assert after["total"] == 3 and len(after["leads"]) == 2 and top not in [e["lead_id"] for e in after["leads"]]
    won = api.get("/v1/leads", params={"source": source, "status": "won"}).json()["leads"]
    assert [e["lead_id"] for e in won] == [top]
    assert api.get("/v1/leads", params={"source": source, "status": "any"}).json()["total"] == 4


@pytest.mark.parametrize(("params", "loc"), [({"grade": "Z"}, ["query", "grade"]),
                                             ({"limit": 0}, ["query", "limit"]),
                                             ({"status": "closed"}, ["query", "status"])])
def test_a_bad_queue_filter_is_422(api: TestClient, params: dict[str, Any], loc: list[str]) -> None:
    response = api.get("/v1/leads", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc


# --- a store that is down -----------------------------------------------------------------------


def test_scoring_answers_while_the_store_is_down_and_outcomes_are_503(make_settings: MakeSettings,
                                                                      example: dict[str, Any], tmp_path: Path) -> None:
    data_dir = remember_agreement(make_settings, tmp_path)
    with TestClient(create_app(make_settings(store_url=UNREACHABLE, data_dir=data_dir))) as client:
        single = client.post("/v1/score", json=example)
        batch = client.post("/v1/score/batch", json={"leads": [example, example]})
        ready = client.get("/ready")
        outcome = client.post("/v1/outcomes", json={"lead_id": example["lead_id"], "outcome": "won"})
        reads = [client.get("/v1/leads/L-example"), client.get("/v1/leads")]
    assert single.status_code == 200 and single.json()["logged"] is False
    assert [r["logged"] for r in batch.json()["results"]] == [False, False]
    assert ready.status_code == 200 and ready.json()["ready"] is True
    agreement, problem = ready.json()["problems"]
    assert "as this replica last took it from the store" in agreement
    assert problem.startswith("score log degraded: lead store postgresql+psycopg://postgres@127.0.0.1:1/nowhere "
                              "unavailable: OperationalError")
    assert outcome.status_code == 503 and outcome.json()["detail"].startswith("lead store unavailable: ")
    assert outcome.headers["retry-after"] == "5"
    assert [r.status_code for r in reads] == [503, 503]


def test_the_log_takes_scores_again_when_the_store_comes_back(make_settings: MakeSettings, example: dict[str, Any],
                                                              tmp_path: Path) -> None:
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the data folder should be")  # root ignores permissions, not this
    replica = remember_agreement(make_settings, tmp_path / "replica")
    app = create_app(make_settings(store_url=f"sqlite:///{blocker / 'data' / 'leads.db'}", data_dir=replica))
    app.state.score_log.retry_seconds = 0.0
    lost, kept = fresh(example), fresh(example)
    with TestClient(app) as client:
        down = client.post("/v1/score", json=lost).json()
        problems_down = client.get("/ready").json()["problems"]
        blocker.unlink()
        up = client.post("/v1/score", json=kept).json()
        problems_up = client.get("/ready").json()["problems"]
        found = [client.get(f"/v1/leads/{lead['lead_id']}").status_code for lead in (lost, kept)]
    assert (down["logged"], up["logged"]) == (False, True)
    [agreement, log_down] = problems_down
    assert "as this replica last took it from the store" in agreement and "blocked" in log_down
    assert [p for p in problems_up if "score log" in p] == []
    assert found == [404, 200]  # the score answered while the store was down was never logged
