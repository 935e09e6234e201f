"""Agreement sign-off over HTTP, on SQLite and PostgreSQL: both roles must sign before an agreement is in force."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.agreement_source import write_atomically
from serving.app import create_app
from tests.conftest import DEMO_AGREEMENT
from tests.serving.conftest import MakeSettings
from tests.serving.store.conftest import BACKENDS, backend_url

SCORING, ADMIN, SALES, MARKETING = "score-key-1", "admin-key-1", "sales-key-1", "marketing-key-1"
KEYS = {"api_keys": SCORING, "admin_keys": ADMIN, "sales_keys": SALES, "marketing_keys": MARKETING}
DEMO_TEXT = DEMO_AGREEMENT.read_text(encoding="utf-8")


@pytest.fixture(scope="module", params=BACKENDS)
def api(request: pytest.FixtureRequest, make_settings: MakeSettings,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app with all four kinds of keys, serving a copy of the demo agreement, once per backend."""
    folder = tmp_path_factory.mktemp("signoff")
    agreement = folder / "agreements" / "in-force.yaml"
    agreement.parent.mkdir()
    shutil.copyfile(DEMO_AGREEMENT, agreement)
    with backend_url(request, request.param, folder) as url, \
            TestClient(create_app(make_settings(store_url=url, agreement=agreement, **KEYS))) as client:
        yield client


def proposal_text(**changes: str) -> str:
    """The demo agreement under a new declared version, with textual replacements."""
    text = DEMO_TEXT.replace('version: "2026-11-01"', f'version: "2026-12-{uuid.uuid4().hex[:8]}"')
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def propose(api: TestClient, text: str, key: str = ADMIN) -> Any:
    return api.post("/v1/agreements/proposals", content=text.encode("utf-8"),
                    headers={"X-API-Key": key, "Content-Type": "application/yaml"})


def read_proposal(api: TestClient, version: str, key: str = ADMIN) -> Any:
    return api.get(f"/v1/agreements/proposals/{version}", headers={"X-API-Key": key})


def sign(api: TestClient, version: str, key: str, signer: str, **body: Any) -> Any:
    """Sign as a careful signer does: the digest of the text just read, unless the test gives one."""
    if "sha256" not in body:
        found = read_proposal(api, version)
        body["sha256"] = found.json()["sha256"] if found.status_code == 200 else "0" * 64
    return api.post(f"/v1/agreements/proposals/{version}/sign", json={"signer": signer, **body},
                    headers={"X-API-Key": key})


def served_version(api: TestClient) -> str:
    response = api.get("/v1/agreement", headers={"X-API-Key": SCORING})
    assert response.status_code == 200, response.text
    return response.json()["version"]  # type: ignore[no-any-return]


def score(api: TestClient, lead: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/v1/score", json={**lead, "lead_id": f"L-{uuid.uuid4().hex[:10]}"},
                        headers={"X-API-Key": SCORING})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def agreement_file(api: TestClient) -> Path:
    return Path(api.app.state.settings.agreement)  # type: ignore[attr-defined]


def test_an_agreement_is_in_force_only_once_sales_and_marketing_have_signed(
        api: TestClient, example: dict[str, Any]) -> None:
    before = score(api, example)
    old = served_version(api)
    assert before["agreement_version"] == old
    text = proposal_text(**{"grades: {A: 0.50, B: 0.25, C: 0.10}": "grades: {A: 0.55, B: 0.25, C: 0.10}"})
    proposed = propose(api, text)
    assert proposed.status_code == 201, proposed.text
    version = proposed.json()["version"]
    assert version != old and version.startswith(proposed.json()["declared_version"])
    assert proposed.json()["status"] == "awaiting_signatures"
    assert proposed.json()["missing_roles"] == ["sales", "marketing"]

    first = sign(api, version, SALES, "Maria Keller, Head of Sales")
    assert first.status_code == 200, first.text
    assert (first.json()["recorded"], first.json()["activated"], first.json()["in_force"]) == (True, False, False)
    assert first.json()["missing_roles"] == ["marketing"]
    assert served_version(api) == old  # one signature is not enough
    assert score(api, example)["agreement_version"] == old

    second = sign(api, version, MARKETING, "Tom Okafor, Head of Marketing")
    assert second.status_code == 200, second.text
    body = second.json()
    assert (body["recorded"], body["activated"], body["in_force"], body["status"]) == (True, True, True, "activated")
    assert [s["role"] for s in body["signatures"]] == ["sales", "marketing"]
    assert body["missing_roles"] == [] and body["activated_at"] is not None
    assert agreement_file(api).read_text(encoding="utf-8") == DEMO_TEXT  # the store holds it, not the file
    assert served_version(api) == version
    card = api.get("/v1/agreement", headers={"X-API-Key": SCORING}).json()
    assert card["sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert card["sign_off"]["status"] == "signed" and card["sign_off"]["note"] is None
    assert (card["sign_off"]["sales"], card["sign_off"]["marketing"]) == (
        "Maria Keller, Head of Sales", "Tom Okafor, Head of Marketing")  # who signed here, not what the YAML says
    after = score(api, example)
    assert after["agreement_version"] == version  # new scores carry the activated version
    assert after["agreement_sha256"] == card["sha256"]
    history = api.get(f"/v1/leads/{before['lead_id']}", headers={"X-API-Key": SCORING}).json()
    assert history["latest"]["agreement_version"] == old  # and old scores keep theirs
    stored = api.get(f"/v1/leads/{after['lead_id']}", headers={"X-API-Key": SCORING}).json()
    assert stored["latest"]["agreement_version"] == version
    assert stored["latest"]["agreement_sha256"] == card["sha256"]


def test_a_role_that_signs_twice_counts_once(api: TestClient) -> None:
    version = propose(api, proposal_text()).json()["version"]
    assert sign(api, version, SALES, "Maria Keller").json()["recorded"] is True
    again = sign(api, version, SALES, "Someone Else, Sales")
    assert again.status_code == 200, again.text
    assert (again.json()["recorded"], again.json()["activated"]) == (False, False)
    assert again.json()["status"] == "awaiting_signatures" and again.json()["missing_roles"] == ["marketing"]
    assert [s["signer"] for s in again.json()["signatures"]] == ["Maria Keller"]
    assert served_version(api) != version
    done = sign(api, version, MARKETING, "Tom Okafor")
    assert done.json()["activated"] is True and served_version(api) == version
    late = sign(api, version, MARKETING, "Tom Okafor")  # after activation: nothing more happens
    assert (late.json()["recorded"], late.json()["activated"]) == (False, False)


def test_the_audit_trail_lists_proposals_signatures_and_activations_with_times(api: TestClient) -> None:
    version = propose(api, proposal_text()).json()["version"]
    sign(api, version, MARKETING, "Tom Okafor")
    sign(api, version, MARKETING, "Tom Okafor")  # not counted: not in the trail twice
    sign(api, version, SALES, "Maria Keller")
    response = api.get("/v1/agreements/audit", headers={"X-API-Key": SALES})
    assert response.status_code == 200, response.text
    audit = response.json()
    events = [e for e in audit["events"] if e["version"] == version]
    assert [(e["event"], e["role"], e["signer"]) for e in events] == [
        ("proposed", None, None), ("signed", "marketing", "Tom Okafor"), ("signed", "sales", "Maria Keller"),
        ("activated", None, None)]
    times = [dt.datetime.fromisoformat(e["at"]) for e in events]
    assert times == sorted(times) and all(t.tzinfo is not None for t in times)
    proposal = next(p for p in audit["proposals"] if p["version"] == version)
    assert proposal["status"] == "activated" and proposal["in_force"] is True
    assert dt.datetime.fromisoformat(proposal["activated_at"]) == times[-1]
    assert audit["serving_version"] == version
    for key in (ADMIN, MARKETING):
        assert api.get("/v1/agreements/audit", headers={"X-API-Key": key}).status_code == 200
    assert api.get("/v1/agreements/audit", headers={"X-API-Key": SCORING}).status_code == 403
    assert api.get("/v1/agreements/audit").status_code == 401


def test_proposing_the_same_text_again_returns_the_stored_proposal(api: TestClient) -> None:
    text = proposal_text()
    first, again = propose(api, text), propose(api, text)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["version"] == first.json()["version"]
    audit = api.get("/v1/agreements/audit", headers={"X-API-Key": ADMIN}).json()
    assert [e["event"] for e in audit["events"] if e["version"] == first.json()["version"]] == ["proposed"]


def test_signing_an_unknown_version_is_404(api: TestClient) -> None:
    response = sign(api, "1999-01-01+deadbeef", SALES, "Maria Keller")
    assert response.status_code == 404
    assert "1999-01-01+deadbeef" in response.json()["detail"]
    assert read_proposal(api, "1999-01-01+deadbeef").status_code == 404


def test_a_proposal_reads_back_with_its_exact_text_digest_and_diff(api: TestClient) -> None:
    text = proposal_text(**{"grades: {A: 0.50, B: 0.25, C: 0.10}": "grades: {A: 0.60, B: 0.25, C: 0.10}"})
    proposed = propose(api, text).json()
    for key in (ADMIN, SALES, MARKETING):
        found = read_proposal(api, proposed["version"], key)
        assert found.status_code == 200, found.text
        body = found.json()
        assert body["text"] == text and body["sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
        assert body["sha256"] == proposed["sha256"] and body["in_force_version"] == served_version(api)
        lines = body["diff"].splitlines()
        assert lines[:2] == [f"--- {body['in_force_version']}", f"+++ {proposed['version']}"]
        assert "+grades: {A: 0.60, B: 0.25, C: 0.10}   # lower bounds of P(won); below C is D" in lines
        assert [line for line in lines if line.startswith("-grades: ")]  # against the thresholds in force
    assert read_proposal(api, proposed["declared_version"]).json()["sha256"] == proposed["sha256"]
    assert read_proposal(api, proposed["version"], SCORING).status_code == 403
    assert api.get(f"/v1/agreements/proposals/{proposed['version']}").status_code == 401


def test_another_text_under_a_proposed_version_is_409_and_never_signed(api: TestClient) -> None:
    benign = proposal_text()
    declared = benign.split('version: "', 1)[1].split('"', 1)[0]
    hostile = benign.replace("grades: {A: 0.50, B: 0.25, C: 0.10}", "grades: {A: 0.02, B: 0.01, C: 0.005}")
    first = propose(api, benign)
    second = propose(api, hostile)
    assert first.status_code == 201 and second.status_code == 409, second.text
    detail = second.json()["detail"]
    assert declared in detail and first.json()["sha256"] in detail
    assert hashlib.sha256(hostile.encode("utf-8")).hexdigest() in detail
    assert read_proposal(api, declared).json()["text"] == benign  # the stored text is the first, untouched


def test_a_signature_of_another_digest_is_409_and_not_recorded(api: TestClient) -> None:
    proposed = propose(api, proposal_text()).json()
    stale = hashlib.sha256(b"the text the signer was shown elsewhere").hexdigest()
    refused = sign(api, proposed["version"], SALES, "Maria Keller", sha256=stale)
    assert refused.status_code == 409, refused.text
    assert stale in refused.json()["detail"] and proposed["sha256"] in refused.json()["detail"]
    assert read_proposal(api, proposed["version"]).json()["signatures"] == []
    missing = api.post(f"/v1/agreements/proposals/{proposed['version']}/sign", json={"signer": "Maria"},
                       headers={"X-API-Key": SALES})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "sha256"]
    short = sign(api, proposed["version"], SALES, "Maria Keller", sha256=proposed["sha256"][:8])
    assert short.status_code == 422  # a prefix is not a digest


def test_an_edited_agreement_file_is_not_served_and_ready_says_so(api: TestClient) -> None:
    path = agreement_file(api)
    before = served_version(api)
    edited = DEMO_TEXT.replace("grades: {A: 0.50, B: 0.25, C: 0.10}", "grades: {A: 0.02, B: 0.01, C: 0.005}")
    path.write_text(edited, encoding="utf-8")
    try:
        reload = api.post("/v1/admin/reload", headers={"X-API-Key": ADMIN})
        assert reload.status_code == 200, reload.text
        assert served_version(api) == before  # an unsigned file never reaches the scorer
        ready = api.get("/ready").json()
        assert ready["ready"] is True
        [problem] = [p for p in ready["problems"] if str(path) in p]
        assert "not signed" in problem and "POST /v1/agreements/proposals" in problem
    finally:
        path.write_text(DEMO_TEXT, encoding="utf-8")
        api.post("/v1/admin/reload", headers={"X-API-Key": ADMIN})


@pytest.mark.parametrize("key", [SCORING, ADMIN, "not-a-key"])
def test_only_sales_and_marketing_keys_sign(api: TestClient, key: str) -> None:
    version = propose(api, proposal_text()).json()["version"]
    assert sign(api, version, key, "Mallory").status_code == 403
    assert api.post(f"/v1/agreements/proposals/{version}/sign", json={"signer": "Nobody"}).status_code == 401
    assert sign(api, version, SALES, "Maria", role="marketing").status_code == 403  # a key signs for its role only
    trail = api.get("/v1/agreements/audit", headers={"X-API-Key": ADMIN}).json()["events"]
    assert [e["event"] for e in trail if e["version"] == version] == ["proposed"]


def test_only_an_admin_key_proposes(api: TestClient) -> None:
    for key in (SCORING, SALES, MARKETING):
        assert propose(api, proposal_text(), key=key).status_code == 403
    assert api.post("/v1/agreements/proposals", content=proposal_text()).status_code == 401


def test_a_bad_agreement_is_422_naming_the_rule_and_the_field(api: TestClient) -> None:
    response = propose(api, proposal_text(**{"{field: country, in: [IN, NG, PK]}": "{field: kountry, in: [IN]}"}))
    assert response.status_code == 422, response.text
    message = response.json()["detail"][0]["msg"]
    assert "price-too-high-market" in message and "kountry" in message
    assert propose(api, "version: [unclosed").status_code == 422
    assert propose(api, "").status_code == 422
    bad_utf8 = api.post("/v1/agreements/proposals", content=b"version: \xff",
                        headers={"X-API-Key": ADMIN, "Content-Type": "application/yaml"})
    assert bad_utf8.status_code == 422


def test_a_blank_signer_is_422(api: TestClient) -> None:
    version = propose(api, proposal_text()).json()["version"]
    assert sign(api, version, SALES, "   ").status_code == 422


def test_write_atomically_replaces_the_file_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "agreement.yaml"
    target.write_text("old", encoding="utf-8")
    write_atomically(target, b"new")
    assert target.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["agreement.yaml"]
