"""Access: every route the app has checks the key (a new route cannot slip through untested), and no lead's
personal or company values reach the logs at the default level, whatever the request does.
"""

from __future__ import annotations

import json
import logging
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from serving.app import create_app
from serving.settings import Settings
from tests.conftest import DEMO_AGREEMENT, DEMO_PROFILE
from tests.serving.conftest import MakeSettings, remember_agreement, start_uvicorn, wait_ready
from tests.serving.store.conftest import UNREACHABLE
from training.job import TrainResult

SCORING, ADMIN, WRONG = "access-scoring-key", "access-admin-key", "not-a-key"
PUBLIC = {"/health", "/ready", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
# proposals and the audit also take sign-off keys, never a scoring key
ADMIN_ONLY = {"/v1/agreements/proposals", "/v1/agreements/audit", "/v1/agreements/proposals/{version}"}
SIGNERS_ONLY = {"/v1/agreements/proposals/{version}/sign"}  # a sales or a marketing key, nothing else
LEAD_ID = "L-access"
PII = {"email": "quentin.piimarker@example.org", "contact_name": "Quentin Piimarker-Zebedee",
       "phone": "+44 7700 900917", "company": "Piimarker Widgets Ltd"}


def app_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route, included routers and pages too; HEAD answers as GET does."""
    found = []
    for context in iter_route_contexts(app.routes):
        methods = context.methods or {"GET"}  # a mount or anything without methods: at least GET must be guarded
        found += [(method, str(context.path)) for method in sorted(methods - {"HEAD"})]
    return found


def bare_app() -> FastAPI:
    """The app as configured for production, built without starting it (no registry or store is touched)."""
    return create_app(Settings(profile=DEMO_PROFILE, agreement=DEMO_AGREEMENT, tracking_uri="sqlite://"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "route" in metafunc.fixturenames:
        routes = [r for r in app_routes(bare_app()) if r[1] not in PUBLIC]
        metafunc.parametrize("route", routes, ids=[f"{method} {path}" for method, path in routes])


@pytest.fixture(scope="module")
def guarded(make_settings: MakeSettings, tmp_path_factory: pytest.TempPathFactory,
            example: dict[str, Any]) -> Iterator[TestClient]:
    """The app with a scoring key and an admin key, and a lead already scored so that lead routes find it."""
    store = tmp_path_factory.mktemp("access") / "leads.db"
    settings = make_settings(api_keys=[SCORING], admin_keys=[ADMIN], store_url=f"sqlite:///{store}")
    with TestClient(create_app(settings)) as client:
        assert client.post("/v1/score", json={**example, "lead_id": LEAD_ID}, headers={"X-API-Key": SCORING}).is_success
        yield client


def call(client: TestClient, route: tuple[str, str], key: str | None, example: dict[str, Any]) -> int:
    method, path = route
    url = re.sub(r"\{[^}]+\}", LEAD_ID, path)
    bodies = {"/v1/score": {**example, "lead_id": LEAD_ID}, "/v1/score/batch": {"leads": [example]},
              "/v1/outcomes": {"lead_id": LEAD_ID, "outcome": "recycled", "call_back_on": "2099-01-01"}}
    headers = {} if key is None else {"X-API-Key": key}
    if method == "POST" and path.startswith("/leads/"):  # a seller form: the page's CSRF token, then the key decides
        page = client.get(f"/leads/{LEAD_ID}", headers={"X-API-Key": SCORING})
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        form = {"csrf": token.group(1) if token else "", "kind": "note", "outcome": "won", "reason": "too_low"}
        return client.post(url, data=form, headers=headers, follow_redirects=False).status_code
    return client.request(method, url, json=bodies.get(path), headers=headers).status_code


def test_every_route_is_known_to_this_test(guarded: TestClient) -> None:
    routes = app_routes(guarded.app)  # type: ignore[arg-type]
    assert routes == app_routes(bare_app())
    assert {path for _, path in routes} >= PUBLIC | {"/v1/score", "/v1/admin/reload", "/", "/leads/{lead_id:path}"}


def test_a_route_refuses_a_missing_key_401_and_a_wrong_one_403(guarded: TestClient, route: tuple[str, str],
                                                              example: dict[str, Any]) -> None:
    assert call(guarded, route, None, example) == 401
    assert call(guarded, route, WRONG, example) == 403


def test_admin_routes_refuse_a_scoring_key_and_the_rest_take_it(guarded: TestClient, route: tuple[str, str],
                                                                example: dict[str, Any]) -> None:
    with_scoring_key = call(guarded, route, SCORING, example)
    if route[1].startswith("/v1/admin/") or route[1] in ADMIN_ONLY | SIGNERS_ONLY:
        assert with_scoring_key == 403
    else:
        assert with_scoring_key not in (401, 403)
    with_admin_key = call(guarded, route, ADMIN, example)
    if route[1] in SIGNERS_ONLY:
        assert with_admin_key == 403
    else:
        assert with_admin_key not in (401, 403)


@pytest.mark.parametrize("path", sorted(PUBLIC))
def test_public_routes_need_no_key(guarded: TestClient, path: str) -> None:
    assert guarded.get(path).status_code == 200


# --- no lead values in the logs ----------------------------------------------------------------


def pii_requests(example: dict[str, Any]) -> list[tuple[str, str, dict[str, str], Any]]:
    """Requests carrying the PII values, answered 200, 201, 401, 403, 404, 413 and 422."""
    lead = {**example, **PII, "lead_id": "L-pii"}
    key = {"X-API-Key": SCORING}
    raw = json.dumps(lead)
    return [
        ("POST", "/v1/score", key, lead),
        ("POST", "/v1/score/batch", key, {"leads": [lead, {**lead, "lead_id": "L-pii-2"}]}),
        ("POST", "/v1/score", key, {**lead, "website_visits": "lots"}),
        ("POST", "/v1/score", key, raw.replace('"website_visits": 12', '"website_visits": NaN').encode()),
        ("POST", "/v1/score", key, raw[:-5].encode()),  # cut short: not JSON
        ("POST", "/v1/score/batch", key, {"leads": [lead, {**lead, "email_opens": [PII["email"]]}]}),
        ("POST", "/v1/score", {}, lead),
        ("POST", "/v1/score", {"X-API-Key": WRONG}, lead),
        ("POST", "/v1/admin/reload", key, lead),
        ("POST", "/v1/score", key, iter([raw.encode()] * 120)),  # streamed past the body limit
        ("POST", "/v1/outcomes", key, {"lead_id": "L-pii", "outcome": "lost", "comment": PII["contact_name"]}),
        ("POST", "/v1/outcomes", key, {"lead_id": "L-unknown", "outcome": "lost", "comment": PII["email"]}),
        ("GET", "/v1/leads/L-pii", key, None),
        ("GET", "/leads/L-pii", key, None),
        ("GET", f"/v1/leads?source={PII['company']}", key, None),
    ]


def send(http: httpx.Client, method: str, path: str, headers: dict[str, str], body: Any) -> int:
    if body is None or isinstance(body, dict):
        return http.request(method, path, json=body, headers=headers).status_code
    return http.request(method, path, content=body, headers={**headers, "content-type": "application/json"}).status_code


def test_no_lead_values_in_the_server_log(trained: TrainResult, tracking_uri: str, example: dict[str, Any],
                                          tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    env = {"LEADSCORE_PROFILE": str(DEMO_PROFILE), "LEADSCORE_AGREEMENT": str(DEMO_AGREEMENT),
           "MLFLOW_TRACKING_URI": tracking_uri, "LEADSCORE_API_KEYS": SCORING, "LEADSCORE_ADMIN_KEYS": ADMIN,
           "LEADSCORE_STORE_URL": f"sqlite:///{tmp_path / 'leads.db'}", "LEADSCORE_MAX_BODY_BYTES": "65536"}
    process, base_url = start_uvicorn(env, log)
    try:
        wait_ready(process, base_url, log)
        with httpx.Client(base_url=base_url, timeout=30) as http:
            statuses = [send(http, *request) for request in pii_requests(example)]
    finally:
        process.send_signal(signal.SIGINT)  # a clean stop, so the shutdown lines are in the log too
        process.wait(timeout=30)
    text = log.read_text(errors="replace")
    assert {200, 201, 401, 403, 404, 413, 422} <= set(statuses), statuses
    assert "Application startup complete" in text and "Shutting down" in text  # the log was captured
    assert [value for value in PII.values() if value in text] == []


def test_no_lead_values_in_the_log_when_the_store_is_down(make_settings: MakeSettings, example: dict[str, Any],
                                                          caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    caplog.set_level(logging.INFO)
    settings = make_settings(api_keys=[SCORING], admin_keys=[ADMIN], store_url=UNREACHABLE,
                             data_dir=remember_agreement(make_settings, tmp_path))
    with TestClient(create_app(settings)) as client:
        statuses = [send(client, *request) for request in pii_requests(example)]  # type: ignore[arg-type]
    assert 503 in statuses and "score log degraded" in caplog.text
    assert [value for value in PII.values() if value in caplog.text] == []
