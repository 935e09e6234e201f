"""The HTTP contract through TestClient: responses, agreed rules, bad input, no champion, API keys."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from features.profile import FeatureKind, Profile
from features.texts import in_language
from models.agreement import load_agreement
from serving.app import create_app, example_lead
from serving.schemas import ScoreOut
from tests.conftest import DEMO_AGREEMENT
from tests.serving.conftest import MakeSettings
from training.job import TrainResult

SCORE_KEYS = {"lead_id", "probability", "score", "grade", "label", "model_grade", "disqualified", "deciding_rule",
              "rules", "reasons", "explanation", "missing", "ignored_fields", "suggestions", "model_version",
              "agreement_version", "agreement_sha256", "scored_at", "logged", "language"}
JSON_TYPES = {FeatureKind.numeric: "number", FeatureKind.boolean: "boolean", FeatureKind.categorical: "string"}


def agreed_rule(rule_id: str) -> dict[str, Any]:
    """A rule as written in the demo agreement file, its text in English (the file gives every language)."""
    rules = yaml.safe_load(DEMO_AGREEMENT.read_text(encoding="utf-8"))["rules"]
    rule = next(rule for rule in rules if rule["id"] == rule_id)
    return {**rule, "text": in_language(rule["text"], "en")}


def post_raw(client: TestClient, body: str, path: str = "/v1/score") -> Any:
    return client.post(path, content=body, headers={"content-type": "application/json"})


def without_time(result: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in result.items() if key != "scored_at"}


# --- the response contract ---------------------------------------------------------------------


def test_score_answers_every_field_of_the_contract(client: TestClient, example: dict[str, Any],
                                                   trained: TrainResult, demo_profile: Profile) -> None:
    response = client.post("/v1/score", json=example)
    assert response.status_code == 200, response.text
    body = response.json()
    agreement = load_agreement(DEMO_AGREEMENT, demo_profile)
    assert set(body) == SCORE_KEYS
    assert body["lead_id"] == "L-example"
    assert 0.0 <= body["probability"] <= 1.0
    assert body["score"] == round(100 * body["probability"])
    assert body["grade"] in agreement.letters and body["model_grade"] in agreement.letters
    assert body["label"] == agreement.labels[body["grade"]]
    assert body["model_version"] == f"{demo_profile.registered_model}/{trained.version}"
    assert body["agreement_version"] == agreement.version
    assert body["agreement_sha256"] == agreement.sha256 and len(agreement.sha256) == 64
    assert dt.datetime.fromisoformat(body["scored_at"]).tzinfo is not None
    assert body["missing"] == [] and body["ignored_fields"] == []
    assert body["explanation"][0] == f"Grade {body['grade']} ({body['label']})."


def test_the_document_is_what_the_response_schema_says(client: TestClient, example: dict[str, Any],
                                                       modest: dict[str, Any]) -> None:
    # the route writes its JSON itself; it must be exactly what ScoreOut would have written
    for lead in (example, modest, {**example, "country": "IN", "phone": None}, {"lead_id": "L-bare"}):
        body = client.post("/v1/score", json=lead).json()
        assert ScoreOut.model_validate(body).model_dump(mode="json") == body
    for body in client.post("/v1/score/batch", json={"leads": [example, modest]}).json()["results"]:
        assert ScoreOut.model_validate(body).model_dump(mode="json") == body


def test_fired_rules_and_reasons_carry_their_words(client: TestClient, example: dict[str, Any]) -> None:
    body = client.post("/v1/score", json=example).json()
    assert [rule["id"] for rule in body["rules"]] == ["icp-demo"]  # a demo request from a 201-1000 firm
    assert body["rules"][0]["effect"] == "floor B"
    assert body["rules"][0]["text"] == agreed_rule("icp-demo")["text"]
    assert body["reasons"], "a lead with a strong profile has reasons"
    for reason in body["reasons"]:
        assert set(reason) >= {"field", "value", "direction", "strength", "sentence"}
        assert reason["direction"] in ("raises", "lowers") and reason["strength"] > 0
        assert reason["sentence"] in body["explanation"]


def test_suggestions_promise_a_higher_probability(client: TestClient, modest: dict[str, Any]) -> None:
    body = client.post("/v1/score", json=modest).json()
    assert body["suggestions"], "a lead below the top grade has something to improve"
    for suggestion in body["suggestions"]:
        assert suggestion["probability"] > body["probability"]
        assert suggestion["sentence"].startswith("If ")


def test_batch_answers_each_lead_as_the_single_route_does(client: TestClient, example: dict[str, Any],
                                                          modest: dict[str, Any]) -> None:
    leads = [example, modest, {"lead_id": "L-bare"}]
    response = client.post("/v1/score/batch", json={"leads": leads})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == 3
    singles = [client.post("/v1/score", json=lead).json() for lead in leads]
    assert [without_time(r) for r in body["results"]] == [without_time(s) for s in singles]


def test_batch_without_explanations_keeps_the_probabilities(client: TestClient, example: dict[str, Any],
                                                            modest: dict[str, Any]) -> None:
    explained = client.post("/v1/score/batch", json={"leads": [example, modest]}).json()["results"]
    plain = client.post("/v1/score/batch?explain=false", json={"leads": [example, modest]}).json()["results"]
    assert [r["probability"] for r in plain] == [r["probability"] for r in explained]
    assert [r["grade"] for r in plain] == [r["grade"] for r in explained]
    assert all(r["reasons"] == [] and r["suggestions"] == [] for r in plain)


def test_batch_above_the_limit_is_refused_naming_it(make_settings: MakeSettings, example: dict[str, Any]) -> None:
    with TestClient(create_app(make_settings(max_batch=3))) as small:
        assert small.post("/v1/score/batch", json={"leads": [example] * 3}).status_code == 200
        response = small.post("/v1/score/batch", json={"leads": [example] * 4})
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["loc"] == ["body", "leads"]
    assert "3" in error["msg"]


def test_model_agreement_health_and_ready(client: TestClient, trained: TrainResult, demo_profile: Profile) -> None:
    model = client.get("/v1/model").json()
    assert (model["name"], model["version"]) == (demo_profile.registered_model, trained.version)
    assert model["card"]["signal"] is True
    agreement = client.get("/v1/agreement").json()
    assert agreement["version"] == load_agreement(DEMO_AGREEMENT, demo_profile).version
    assert [rule["id"] for rule in agreement["rules"]] == [
        rule["id"] for rule in yaml.safe_load(DEMO_AGREEMENT.read_text(encoding="utf-8"))["rules"]]
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "model_version": trained.version, "agreement_version": agreement["version"],
                            "agreement_sha256": agreement["sha256"], "problems": []}
    assert agreement["sign_off"]["status"] == "seeded"  # the file seeded an empty store: nobody signed it here
    assert agreement["sign_off"]["note"] == "seeded from file, not signed through the service"


def test_openapi_types_the_lead_from_the_profile(client: TestClient, demo_profile: Profile) -> None:
    lead = client.get("/openapi.json").json()["components"]["schemas"]["Lead"]
    for feature in demo_profile.features:
        types = {option.get("type") for option in lead["properties"][feature.name]["anyOf"]}
        assert types == {JSON_TYPES[feature.kind], "null"}, feature.name
    assert lead["required"] == ["lead_id"]
    assert lead["examples"] == [example_lead(demo_profile)]


# --- the agreement decides ---------------------------------------------------------------------


@pytest.mark.parametrize("country", ["IN", "NG", "PK"])
def test_too_expensive_market_is_disqualified_with_the_agreed_words(client: TestClient, example: dict[str, Any],
                                                                     country: str) -> None:
    body = client.post("/v1/score", json={**example, "country": country}).json()
    text = agreed_rule("price-too-high-market")["text"]
    assert body["disqualified"] is True
    assert (body["grade"], body["label"]) == ("D", "disqualified")
    assert body["deciding_rule"] == "price-too-high-market"
    assert body["rules"][0] == {"id": "price-too-high-market", "effect": "disqualify", "text": text, "missing": []}
    assert body["explanation"][1] == text  # right after the grade line, before any reason


def test_a_cap_that_decides_is_explained_first(client: TestClient, example: dict[str, Any]) -> None:
    body = client.post("/v1/score", json={**example, "phone": None}).json()
    assert body["model_grade"] == "A" and body["grade"] == "C"
    assert body["deciding_rule"] == "contact-data"
    assert body["rules"][0]["id"] == "contact-data" and body["rules"][0]["missing"] == ["phone"]
    assert body["explanation"][1] == agreed_rule("contact-data")["text"]


# --- bad input never 500 -----------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value"), [
    ("website_visits", "lots"), ("website_visits", {"n": 1}), ("demo_requested", "maybe"),
    ("country", ["DE"]), ("lead_id", ""), ("lead_id", None)])
def test_wrong_types_are_422_naming_the_field(client: TestClient, example: dict[str, Any], field: str,
                                              value: Any) -> None:
    response = client.post("/v1/score", json={**example, field: value})
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", field]]


@pytest.mark.parametrize("body", ['{"lead_id": "L-1", ', "lead", '{"lead_id": "L-1",,}', ""])
def test_malformed_json_is_422(client: TestClient, body: str) -> None:
    response = post_raw(client, body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] in ("json_invalid", "missing")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_422_naming_the_field(client: TestClient, literal: str) -> None:
    response = post_raw(client, f'{{"lead_id": "L-1", "email_opens": {literal}}}')
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "email_opens"]


def test_non_finite_numbers_in_a_batch_name_the_lead(client: TestClient) -> None:
    response = post_raw(client, '{"leads": [{"lead_id": "L-1"}, {"lead_id": "L-2", "website_visits": NaN}]}',
                        path="/v1/score/batch")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "leads", 1, "website_visits"]


def test_unknown_fields_are_ignored_and_listed(client: TestClient, example: dict[str, Any]) -> None:
    plain = client.post("/v1/score", json=example).json()
    body = client.post("/v1/score", json={**example, "shoe_size": 44, "favourite_colour": "teal"}).json()
    assert body["ignored_fields"] == ["favourite_colour", "shoe_size"]
    assert body["probability"] == plain["probability"]


def test_absent_features_are_scored_as_missing_and_listed(client: TestClient, demo_profile: Profile) -> None:
    response = client.post("/v1/score", json={"lead_id": "L-sparse", "country": "DE", "demo_requested": True})
    assert response.status_code == 200, response.text
    body = response.json()
    expected = [f.name for f in demo_profile.features if f.name not in ("country", "demo_requested")]
    assert body["missing"] == expected
    assert 0.0 <= body["probability"] <= 1.0


def test_oversized_body_is_413(make_settings: MakeSettings) -> None:
    with TestClient(create_app(make_settings(max_body_bytes=2048))) as small:
        response = small.post("/v1/score", json={"lead_id": "L-1", "company": "x" * 4000})
    assert response.status_code == 413
    assert "2048" in response.json()["detail"]


def test_no_champion_yet_is_503_telling_to_train(tmp_path: Path, make_settings: MakeSettings,
                                                 example: dict[str, Any]) -> None:
    empty = make_settings(tracking_uri=f"sqlite:///{tmp_path / 'empty.db'}")
    with TestClient(create_app(empty)) as idle:
        scored = idle.post("/v1/score", json=example)
        batch = idle.post("/v1/score/batch", json={"leads": [example]})
        model = idle.get("/v1/model")
        ready = idle.get("/ready")
    for response in (scored, batch, model):
        assert response.status_code == 503
        assert "make train" in response.json()["detail"]
    assert ready.status_code == 503
    assert ready.json()["ready"] is False
    assert any("make train" in problem for problem in ready.json()["problems"])


# --- API keys ----------------------------------------------------------------------------------

SCORING, ADMIN = "scoring-key-1", "admin-key-1"


@pytest.fixture(scope="module")
def guarded(make_settings: MakeSettings) -> Any:
    with TestClient(create_app(make_settings(api_keys=[SCORING], admin_keys=[ADMIN]))) as running:
        yield running


def call(client: TestClient, route: str, key: str | None, example: dict[str, Any]) -> int:
    headers = {} if key is None else {"X-API-Key": key}
    method, path = route.split(" ")
    body = {"/v1/score": example, "/v1/score/batch": {"leads": [example]}}.get(path)
    return client.request(method, path, json=body, headers=headers).status_code


ROUTES = ["POST /v1/score", "POST /v1/score/batch", "GET /v1/model", "GET /v1/agreement"]


@pytest.mark.parametrize("route", [*ROUTES, "POST /v1/admin/reload"])
def test_keys_are_checked(guarded: TestClient, example: dict[str, Any], route: str) -> None:
    assert call(guarded, route, None, example) == 401
    assert call(guarded, route, "not-a-key", example) == 403
    assert call(guarded, route, ADMIN, example) == 200
    assert call(guarded, route, SCORING, example) == (403 if "admin" in route else 200)


def test_missing_key_says_which_header(guarded: TestClient, example: dict[str, Any]) -> None:
    response = guarded.post("/v1/score", json=example)
    assert "X-API-Key" in response.json()["detail"]
    assert response.headers["WWW-Authenticate"] == "APIKey"


def test_health_and_ready_need_no_key(guarded: TestClient) -> None:
    assert guarded.get("/health").status_code == 200
    assert guarded.get("/ready").status_code == 200


@pytest.mark.parametrize("route", [*ROUTES, "POST /v1/admin/reload"])
def test_without_keys_every_route_is_open(client: TestClient, example: dict[str, Any], route: str) -> None:
    assert call(client, route, None, example) == 200
    assert call(client, route, "anything", example) == 200


def test_scoring_result_is_json_round_trippable(client: TestClient, example: dict[str, Any]) -> None:
    # the body must be strict JSON (no NaN), whatever the lead holds
    body = client.post("/v1/score", json={**example, "industry": None, "website_visits": None}).text
    json.loads(body, parse_constant=lambda name: pytest.fail(f"{name} in a response"))
