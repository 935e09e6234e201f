"""Hostile input: oversized, deeply nested, huge, non-finite, non-Unicode, NUL-carrying and SQL-looking requests
get a clean 4xx naming the field, or a correct 200 with the text stored verbatim as data; on SQLite and on
PostgreSQL. Nothing reaches the database unparameterised, and no YAML file the service reads can run code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
import yaml
from fastapi.testclient import TestClient

from features.profile import Profile, ProfileError, load_profile
from models.agreement import AgreementError, load_agreement
from serving.app import create_app
from serving.store.tables import VERSION_TABLE
from tests.conftest import ROOT
from tests.serving.conftest import MakeSettings
from tests.serving.store.conftest import BACKENDS, backend_url, postgres  # noqa: F401 - postgres is a fixture

MB = 1024 * 1024
LIMIT = 4096
SQL = ["'; DROP TABLE lead_scores; --", "Robert'); DROP TABLE leads;--", '" OR 1=1 --', "x' OR '1'='1",
       "1; DELETE FROM lead_outcomes WHERE 1=1"]


@pytest.fixture(scope="module", params=BACKENDS)
def api(request: pytest.FixtureRequest, make_settings: MakeSettings,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app with a store of its own, once per backend; every SQL statement it sends is recorded."""
    with backend_url(request, request.param, tmp_path_factory.mktemp("hostile")) as url:
        app = create_app(make_settings(store_url=url))
        app.state.statements = []
        sa.event.listen(app.state.lead_store.engine, "before_cursor_execute",
                        lambda _c, _k, statement, *_: app.state.statements.append(statement))
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client


def post_raw(client: TestClient, path: str, body: str | bytes) -> Any:
    return client.post(path, content=body, headers={"content-type": "application/json"})


def strict_json(text: str) -> Any:
    """The body as JSON, refusing NaN and Infinity, which are not JSON."""
    return json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in a response"))


# --- refused with a clean 4xx ------------------------------------------------------------------

LEAD = '{"lead_id": "L-hostile", %s}'
WON = '{"lead_id": "L-hostile", "outcome": "lost", %s}'
REFUSED = {
    # name: (path, raw body, statuses allowed, the field the answer must name, or None)
    "10,000 nested lists in a field": ("/v1/score", LEAD % ('"company": ' + "[" * 10_000 + "]" * 10_000), {400, 422},
                                       None),
    "10,000 nested lists as the body": ("/v1/score", "[" * 10_000 + "]" * 10_000, {400, 422}, None),
    "10,000 nested objects in a batch": ("/v1/score/batch", '{"a":' * 10_000 + "1" + "}" * 10_000, {400, 422}, None),
    "a 5,000-digit number": ("/v1/score", LEAD % f'"website_visits": {"9" * 5000}', {400, 422}, None),
    "1 MB in a feature": ("/v1/score", LEAD % f'"industry": "{"x" * MB}"', {413, 422}, ["body", "industry"]),
    "1 MB in an attribute": ("/v1/score", LEAD % f'"email": "{"x" * MB}"', {413, 422}, ["body", "email"]),
    "1 MB lead id": ("/v1/score", f'{{"lead_id": "{"x" * MB}"}}', {413, 422}, ["body", "lead_id"]),
    "1 MB comment": ("/v1/outcomes", WON % f'"comment": "{"x" * MB}"', {413, 422}, ["body", "comment"]),
    "NUL in a feature": ("/v1/score", LEAD % '"country": "D\\u0000E"', {422}, ["body", "country"]),
    "NUL in the lead id": ("/v1/score", '{"lead_id": "L-\\u0000"}', {422}, ["body", "lead_id"]),
    "NUL in a comment": ("/v1/outcomes", WON % '"comment": "a\\u0000b"', {422}, ["body", "comment"]),
    "a lone surrogate in a feature": ("/v1/score", LEAD % '"industry": "\\ud800"', {422}, ["body", "industry"]),
    "a lone surrogate in an attribute": ("/v1/score", LEAD % '"phone": "+1 \\udfff"', {422}, ["body", "phone"]),
    "a lone surrogate in a field name": ("/v1/score", LEAD % '"\\ud800": 1', {422}, ["body"]),
    "a lone surrogate in a comment": ("/v1/outcomes", WON % '"comment": "\\ud83d"', {422}, ["body", "comment"]),
    "a lone surrogate in a batch": ("/v1/score/batch", '{"leads": [{"lead_id": "L-1"}, {"lead_id": "\\udc00"}]}',
                                    {422}, ["body", "leads", 1, "lead_id"]),
    "a blank lead id": ("/v1/score", '{"lead_id": " \\u000b\\t "}', {422}, ["body", "lead_id"]),
    "not UTF-8 at all": ("/v1/score", b'{"lead_id": "L-\xff\xfe"}', {400, 422}, None),
}
for literal in ("NaN", "Infinity", "-Infinity"):
    REFUSED[f"{literal} as a number"] = ("/v1/score", LEAD % f'"website_visits": {literal}', {422},
                                         ["body", "website_visits"])
    REFUSED[f"{literal} as text"] = ("/v1/score", LEAD % f'"country": {literal}', {422}, ["body", "country"])
    REFUSED[f"{literal} as the lead id"] = ("/v1/score", f'{{"lead_id": {literal}}}', {422}, ["body", "lead_id"])
    REFUSED[f"{literal} in a batch"] = ("/v1/score/batch", f'{{"leads": [{{"lead_id": "L-1", "email_opens": '
                                        f'{literal}}}]}}', {422}, ["body", "leads", 0, "email_opens"])


@pytest.mark.parametrize("case", list(REFUSED))
def test_hostile_bodies_get_a_clean_4xx_naming_the_field(api: TestClient, case: str) -> None:
    path, body, statuses, loc = REFUSED[case]
    response = post_raw(api, path, body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body)
    assert response.status_code in statuses, response.text[:500]
    detail = strict_json(response.text)["detail"]
    if loc is not None and response.status_code == 422:
        assert detail[0]["loc"] == loc, detail


@pytest.mark.parametrize("path", ["/v1/leads/L-%00", "/v1/leads?source=%00", "/v1/leads?offset=99999999999999999999"])
def test_hostile_queries_get_a_clean_4xx(api: TestClient, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 422, response.text


def test_the_log_never_degraded_and_the_tables_are_all_there(api: TestClient, example: dict[str, Any]) -> None:
    # runs after the hostile bodies above (pytest keeps file order): none of them took the score log down
    assert api.get("/ready").json()["problems"] == []
    assert api.post("/v1/score", json={**example, "lead_id": "L-after-hostile"}).json()["logged"] is True
    tables = set(sa.inspect(api.app.state.lead_store.engine).get_table_names())
    assert {"leads", "lead_scores", "lead_outcomes", VERSION_TABLE} <= tables


# --- oversized bodies --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(make_settings: MakeSettings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app with a body limit of LIMIT bytes."""
    store = tmp_path_factory.mktemp("small") / "leads.db"
    with TestClient(create_app(make_settings(max_body_bytes=LIMIT, store_url=f"sqlite:///{store}"))) as client:
        yield client


@pytest.mark.parametrize("path", ["/v1/score", "/v1/score/batch", "/v1/outcomes"])
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
def test_a_body_over_the_limit_is_413_naming_the_limit(small: TestClient, path: str, declared: bool) -> None:
    body = json.dumps({"lead_id": "L-big", "company": "x" * (2 * LIMIT)}).encode()
    content: Any = body if declared else iter([body[:1000], body[1000:]])  # an iterator is sent chunked
    response = small.post(path, content=content, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"detail": f"request body is larger than {LIMIT} bytes"}
    assert small.get("/ready").json()["problems"] == []


# --- text that only looks dangerous is data ----------------------------------------------------


@pytest.mark.parametrize("text", SQL)
def test_sql_looking_text_is_stored_verbatim_as_data(api: TestClient, example: dict[str, Any], text: str) -> None:
    lead = {**example, "lead_id": text, "company": text, "industry": text, "lead_source": text}
    scored = api.post("/v1/score", json=lead)
    outcome = api.post("/v1/outcomes", json={"lead_id": text, "outcome": "lost", "comment": text})
    read = api.get(f"/v1/leads/{quote(text, safe='')}")
    queue = api.get("/v1/leads", params={"source": text, "status": "any"})
    assert scored.status_code == 200 and scored.json()["lead_id"] == text and scored.json()["logged"] is True
    assert outcome.status_code == 201 and outcome.json()["comment"] == text
    assert read.status_code == 200, read.text
    body = read.json()
    assert body["lead_id"] == text and body["outcomes"][0]["comment"] == text
    assert body["latest"]["fields"]["company"] == text and body["latest"]["fields"]["industry"] == text
    assert body["latest"]["source"] == text
    assert [entry["lead_id"] for entry in queue.json()["leads"]] == [text]
    assert not [s for s in api.app.state.statements if text in s], "a value was written into the SQL text"
    tables = set(sa.inspect(api.app.state.lead_store.engine).get_table_names())
    assert {"leads", "lead_scores", "lead_outcomes"} <= tables


def test_unicode_names_and_values_round_trip(api: TestClient, example: dict[str, Any]) -> None:
    lead_id, company, industry = "L-ünïcødé-🚀-名前", "Société Générale — 株式会社 🚀", "ソフトウェア"
    lead = {**example, "lead_id": lead_id, "company": company, "industry": industry, "名前": "x", "émoji🚀": 1,
            "contact_name": "Zoë Ångström-Øster"}
    scored = api.post("/v1/score", json=lead)
    assert scored.status_code == 200, scored.text
    assert scored.json()["lead_id"] == lead_id
    assert scored.json()["ignored_fields"] == sorted(["名前", "émoji🚀"])
    body = api.get(f"/v1/leads/{quote(lead_id, safe='')}").json()
    assert body["lead_id"] == lead_id
    assert body["latest"]["fields"]["company"] == company and body["latest"]["fields"]["industry"] == industry
    assert body["latest"]["personal_present"]["contact_name"] is True  # a personal value is never stored


def test_a_huge_unknown_field_is_ignored_not_stored(api: TestClient, example: dict[str, Any]) -> None:
    scored = api.post("/v1/score", json={**example, "lead_id": "L-huge-extra", "notes": "x" * MB})
    assert scored.status_code == 200 and scored.json()["ignored_fields"] == ["notes"]
    stored = api.get("/v1/leads/L-huge-extra").json()["latest"]["fields"]
    assert "notes" not in stored


# --- YAML never runs code ----------------------------------------------------------------------


@pytest.mark.parametrize("loader", ["profile", "agreement"])
def test_a_python_tag_in_a_yaml_file_is_refused_and_never_run(loader: str, demo_profile: Profile,
                                                              tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    path = tmp_path / f"{loader}.yaml"
    path.write_text(f'!!python/object/apply:os.mkdir ["{marker}"]\n', encoding="utf-8")
    with pytest.raises(ProfileError if loader == "profile" else AgreementError):
        load_profile(path) if loader == "profile" else load_agreement(path, demo_profile)
    assert not marker.exists()


YAML_CALL = re.compile(r"\byaml\.(\w+)\(([^)]*)")


def test_every_yaml_read_in_the_product_uses_a_safe_loader() -> None:
    from models.agreement.reader import _StrictLoader

    assert issubclass(_StrictLoader, yaml.SafeLoader)
    calls = [(path.relative_to(ROOT), name, args) for package in ("features", "models", "training", "serving", "cli")
             for path in (ROOT / package).rglob("*.py")
             for name, args in YAML_CALL.findall(path.read_text(encoding="utf-8"))]
    unsafe = [call for call in calls if not (call[1] in ("safe_load", "safe_dump", "dump")
                                             or (call[1] == "load" and "Loader=_StrictLoader" in call[2]))]
    assert calls and unsafe == []
