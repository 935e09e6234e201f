"""The security review's findings on a running service with keys: each one refused or contained.

A YAML alias bomb and agreements that passed validation but broke routes are 422 naming the rule and the limit;
registry passwords never reach /ready or the log; a lead's source cannot break the funnel page; a keyless body is
refused before it is read; big batches are capped per key; a conflict names nothing internal; every HTML answer
carries the same security headers; page addresses with a NUL are refused cleanly.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from models.registry import Registry, RegistryError
from serving.app import create_app
from serving.errors import http_error
from serving.headers import HTML_HEADERS
from serving.limits import BatchSlots
from serving.store.errors import StoreConflict
from tests.conftest import DEMO_AGREEMENT
from tests.serving.conftest import FAST_FAILING_HTTP, MakeSettings, free_port

SCORING, ADMIN, SALES, MARKETING = "score-s", "admin-s", "sales-s", "marketing-s"
KEYS = {"api_keys": SCORING, "admin_keys": ADMIN, "sales_keys": SALES, "marketing_keys": MARKETING}
DEMO_TEXT = DEMO_AGREEMENT.read_text(encoding="utf-8")
SECRET = "hunter2-s3cret"


@pytest.fixture(scope="module")
def api(make_settings: MakeSettings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app with keys of every role and a store of its own."""
    folder = tmp_path_factory.mktemp("review")
    settings = make_settings(store_url=f"sqlite:///{folder / 'leads.db'}", data_dir=folder, batches_per_key=1, **KEYS)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def propose(api: TestClient, text: str) -> Any:
    return api.post("/v1/agreements/proposals", content=text.encode("utf-8", "surrogatepass"),
                    headers={"X-API-Key": ADMIN, "Content-Type": "application/yaml"})


def variant(old: str, new: str, version: str) -> str:
    assert old in DEMO_TEXT, old
    return DEMO_TEXT.replace('version: "2026-11-01"', f'version: "{version}"').replace(old, new)


def nested(operator: str, depth: int) -> str:
    leaf = "{field: country, eq: DE}"
    condition = leaf
    for _ in range(depth):
        condition = f"{{{operator}: {condition}}}" if operator == "not" else f"{{{operator}: [{condition}]}}"
    return condition


FOLLOW_UP = "follow_up_hours: {A: 4, B: 24, C: 72}"
BROKEN = {  # what passed validation before and then broke routes (or the loop), and the words the 422 must say
    "infinite-hours": (variant(FOLLOW_UP, "follow_up_hours: {A: .inf, B: 24, C: 72}", "r-1"), ["follow_up_hours"]),
    "huge-hours": (variant(FOLLOW_UP, "follow_up_hours: {A: 1e12, B: 24, C: 72}", "r-2"), ["follow_up_hours"]),
    "lone-surrogate": (variant('en: "Our price', 'en: "\\ud800 Our price', "r-3"), ["price-too-high-market"]),
    "not-250-deep": (variant("when: {field: country, in: [IN, NG, PK]}", f"when: {nested('not', 250)}", "r-4"),
                     ["price-too-high-market", "32"]),
    "all-300-deep": (variant("when: {field: country, in: [IN, NG, PK]}", f"when: {nested('all', 300)}", "r-5"),
                     ["price-too-high-market", "32"]),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_an_agreement_that_used_to_break_routes_is_422_naming_the_rule_and_the_limit(api: TestClient,
                                                                                     name: str) -> None:
    text, words = BROKEN[name]
    response = propose(api, text)
    assert response.status_code == 422, response.text
    message = response.json()["detail"][0]["msg"]
    assert all(word in message for word in words), message
    for path in ("/v1/leads", "/", "/v1/agreement", "/ready"):
        assert api.get(path, headers={"X-API-Key": SCORING}).status_code == 200, path


def test_thousands_of_rules_are_refused_without_holding_the_loop(api: TestClient) -> None:
    rules = "".join(f"  - id: r{i}\n    text: \"Rule {i}.\"\n    when: {{field: country, eq: X{i}}}\n"
                    "    then: disqualify\n" for i in range(8476))
    text = DEMO_TEXT.replace('version: "2026-11-01"', 'version: "r-many"').split("rules:")[0] + "rules:\n" + rules
    started = time.monotonic()
    response = propose(api, text)
    assert response.status_code in (413, 422), response.text
    assert time.monotonic() - started < 5  # refused by the limits, not after an 11 s parse


def test_a_yaml_alias_bomb_is_refused_quickly_and_health_keeps_answering(api: TestClient) -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    bomb = "version: bomb\n" + "\n".join(lines) + "\n"
    started = time.monotonic()
    response = propose(api, bomb)
    elapsed = time.monotonic() - started
    assert response.status_code == 422, response.text
    assert "alias" in response.json()["detail"][0]["msg"]
    assert elapsed < 2, f"the bomb took {elapsed:.1f} s to refuse"
    assert api.get("/health").status_code == 200


def test_a_registry_password_never_reaches_ready_or_the_log(make_settings: MakeSettings, tmp_path: Path,
                                                            caplog: pytest.LogCaptureFixture,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FAST_FAILING_HTTP.items():  # MLflow would retry a dead server for minutes
        monkeypatch.setenv(name, value)
    port = free_port()
    uri = f"http://mlflow:{SECRET}@127.0.0.1:{port}"
    with pytest.raises(RegistryError) as refused:
        Registry(uri, "leadscore-demo").version_for("champion")
    assert SECRET not in str(refused.value) and f"mlflow:***@127.0.0.1:{port}" in str(refused.value)
    caplog.set_level(logging.INFO)
    app = create_app(make_settings(tracking_uri=uri, store_url=f"sqlite:///{tmp_path / 'leads.db'}"))
    with pytest.raises(RegistryError) as stopped, TestClient(app):
        pass
    assert SECRET not in str(stopped.value) and SECRET not in caplog.text
    assert "cannot start" in caplog.text


def test_a_lead_source_written_as_tex_does_not_break_the_funnel_page(api: TestClient,
                                                                     example: dict[str, Any]) -> None:
    lead = {**example, "lead_id": "L-tex", "lead_source": "$\\undefinedcmd{x}$"}
    assert api.post("/v1/score", json=lead, headers={"X-API-Key": SCORING}).status_code == 200
    page = api.get("/v1/reports/funnel.html", headers={"X-API-Key": SCORING})
    assert page.status_code == 200, page.text[:500]
    assert "\\undefinedcmd{x}" in page.text


def test_a_keyless_body_is_refused_before_a_byte_of_it_is_read(api: TestClient) -> None:
    read: list[bytes] = []

    async def receive() -> dict[str, Any]:
        read.append(b"read")
        return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    for headers, expected in (([], 401), ([(b"x-api-key", b"wrong")], 403)):
        sent.clear()
        scope = {"type": "http", "method": "POST", "path": "/v1/score/batch", "raw_path": b"/v1/score/batch",
                 "query_string": b"", "root_path": "", "scheme": "http", "server": ("testserver", 80),
                 "client": ("127.0.0.1", 1), "http_version": "1.1", "asgi": {"version": "3.0"},
                 "headers": [(b"content-length", str(20 * 1024 * 1024).encode()), *headers]}
        asyncio.run(api.app(scope, receive, send))  # type: ignore[arg-type]
        assert sent[0]["status"] == expected
    assert read == [], "the body was read before the key was checked"


def test_batches_in_flight_are_capped_per_key(api: TestClient, example: dict[str, Any]) -> None:
    slots: BatchSlots = api.app.state.batch_slots  # type: ignore[attr-defined]
    body = {"leads": [example, example]}
    assert slots.take(SCORING)  # one batch of this key in flight already (LEADSCORE_BATCHES_PER_KEY=1)
    try:
        refused = api.post("/v1/score/batch", json=body, headers={"X-API-Key": SCORING})
        other_key = api.post("/v1/score/batch", json=body, headers={"X-API-Key": ADMIN})
    finally:
        slots.give_back(SCORING)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
    assert "LEADSCORE_BATCHES_PER_KEY" in refused.json()["detail"]
    assert other_key.status_code == 200  # another key is not held up
    assert api.post("/v1/score/batch", json=body, headers={"X-API-Key": SCORING}).status_code == 200


def test_a_conflict_names_neither_the_database_nor_its_driver() -> None:
    error = http_error(StoreConflict("lead store sqlite:////srv/leadscore/data/leads.db: IntegrityError: UNIQUE "
                                     "constraint failed: lead_outcomes.lead_id, lead_outcomes.dedupe_key"))
    assert error.status_code == 409
    assert all(word not in str(error.detail) for word in ("leads.db", "IntegrityError", "lead_outcomes", "sqlite"))


@pytest.mark.parametrize("path", ["/", "/leads/L-nobody", "/v1/reports/funnel.html", "/?grade=Z"])
def test_every_html_answer_carries_the_security_headers(api: TestClient, path: str) -> None:
    response = api.get(path, headers={"X-API-Key": SCORING})
    assert response.headers["content-type"].startswith("text/html")
    assert {name: response.headers.get(name) for name in HTML_HEADERS} == HTML_HEADERS


@pytest.mark.parametrize("path", ["/leads/L-a%00b", "/?source=a%00b", "/?grade=%00"])
def test_a_page_address_with_a_nul_is_a_clean_422_page(api: TestClient, path: str) -> None:
    response = api.get(path, headers={"X-API-Key": SCORING})
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/html")
