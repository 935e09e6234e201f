"""The seller forms without a browser: CSRF tokens, what each form records, errors as pages naming the field."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.app import create_app
from serving.pages.csrf import COOKIE
from tests.serving.conftest import MakeSettings

TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(scope="module")
def site(make_settings: MakeSettings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = tmp_path_factory.mktemp("forms") / "leads.db"
    with TestClient(create_app(make_settings(store_url=f"sqlite:///{store}"))) as client:
        yield client


@pytest.fixture()
def lead(site: TestClient, example: dict[str, Any]) -> str:
    lead_id = f"L-{uuid.uuid4().hex[:10]}"
    assert site.post("/v1/score", json={**example, "lead_id": lead_id}).status_code == 200
    return lead_id


def token(site: TestClient, url: str) -> str:
    page = site.get(url)
    assert page.status_code == 200
    [found, *_] = TOKEN.findall(page.text)
    assert site.cookies.get(COOKIE) == found
    return found


def post(site: TestClient, url: str, form: dict[str, str]) -> Any:
    return site.post(url, data=form, follow_redirects=False)


def test_a_contact_logged_from_the_lead_page_shows_in_its_history(site: TestClient, lead: str) -> None:
    csrf = token(site, f"/leads/{lead}")
    answer = post(site, f"/leads/{lead}/activities", {"csrf": csrf, "kind": "call", "result": "reached",
                                                      "by": "Ana Silva", "note": "Wants a quote.", "back": "lead"})
    assert answer.status_code == 303 and answer.headers["location"] == f"/leads/{lead}?saved=contact"
    page = site.get(answer.headers["location"]).text
    assert "Contact logged." in page and "Ana Silva" in page and "Wants a quote." in page
    [activity] = site.get(f"/v1/leads/{lead}").json()["activities"]
    assert (activity["kind"], activity["result"], activity["by"]) == ("call", "reached", "Ana Silva")


def test_log_a_call_from_the_queue_goes_back_to_the_queue(site: TestClient, lead: str) -> None:
    csrf = token(site, "/")
    answer = post(site, f"/leads/{lead}/activities", {"csrf": csrf, "kind": "call", "back": "queue"})
    assert (answer.status_code, answer.headers["location"]) == (303, "/")
    assert site.get(f"/v1/leads/{lead}").json()["last_contact_at"] is not None
    assert "Last contact 0 min ago" in site.get("/").text


def test_outcomes_from_the_form(site: TestClient, lead: str, example: dict[str, Any]) -> None:
    csrf = token(site, f"/leads/{lead}")
    lost = post(site, f"/leads/{lead}/outcome", {"csrf": csrf, "outcome": "lost", "lost_reason": "competitor",
                                                 "comment": "Went with the incumbent.",
                                                 "call_back_on": "2030-01-01"})
    assert lost.status_code == 303
    [outcome] = site.get(f"/v1/leads/{lead}").json()["outcomes"]
    assert (outcome["outcome"], outcome["lost_reason"], outcome["call_back_on"], outcome["closed_on"]) == (
        "lost", "competitor", None, str(dt.datetime.now(dt.UTC).date()))
    page = site.get(f"/leads/{lead}").text
    assert "Chose a competitor" in page and 'id="outcome-form"' not in page  # final: no more outcome form
    other = f"L-{uuid.uuid4().hex[:10]}"
    site.post("/v1/score", json={**example, "lead_id": other})
    back_on = str(dt.date.today() + dt.timedelta(days=90))
    assert post(site, f"/leads/{other}/outcome", {"csrf": csrf, "outcome": "recycled",
                                                  "call_back_on": back_on}).status_code == 303
    assert site.get(f"/v1/leads/{other}").json()["status"] == "recycled"


def test_the_score_was_wrong(site: TestClient, lead: str) -> None:
    csrf = token(site, f"/leads/{lead}")
    answer = post(site, f"/leads/{lead}/feedback", {"csrf": csrf, "reason": "too_high",
                                                    "comment": "A student project."})
    assert answer.status_code == 303
    page = site.get(answer.headers["location"]).text
    assert "The grade is too high" in page and "A student project." in page


def test_a_post_without_the_token_is_refused(site: TestClient, lead: str) -> None:
    csrf = token(site, f"/leads/{lead}")
    missing = post(site, f"/leads/{lead}/activities", {"kind": "call"})
    wrong = post(site, f"/leads/{lead}/activities", {"kind": "call", "csrf": "x" * 43})
    assert (missing.status_code, wrong.status_code) == (403, 403)
    assert "security token" in missing.text
    site.cookies.clear()
    no_cookie = post(site, f"/leads/{lead}/activities", {"kind": "call", "csrf": csrf})
    assert no_cookie.status_code == 403
    assert site.get(f"/v1/leads/{lead}").json()["activities"] == []


@pytest.mark.parametrize(("url", "form", "field"), [
    ("activities", {"kind": "visit"}, "kind"),
    ("activities", {"kind": "note", "result": "reached"}, "result"),
    ("outcome", {"outcome": "recycled"}, "call_back_on"),
    ("outcome", {"outcome": "lost", "lost_reason": "boredom"}, "lost_reason"),
    ("feedback", {"reason": "boring"}, "reason"),
])
def test_a_form_the_store_cannot_take_is_a_page_naming_the_field(site: TestClient, lead: str, url: str,
                                                                 form: dict[str, str], field: str) -> None:
    csrf = token(site, f"/leads/{lead}")
    answer = post(site, f"/leads/{lead}/{url}", {"csrf": csrf, **form})
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html")
    assert f"{field}: " in answer.text


def test_an_unknown_lead_is_a_404_page(site: TestClient, tmp_path: Path) -> None:
    csrf = token(site, "/")
    answer = post(site, "/leads/L-never/activities", {"csrf": csrf, "kind": "call"})
    assert answer.status_code == 404 and "L-never" in answer.text
