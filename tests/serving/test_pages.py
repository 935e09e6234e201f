"""The seller pages as HTML, without a browser: the queue, its filters and pages, a lead's page, escaping, keys."""

from __future__ import annotations

import datetime as dt
import html
import re
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from serving.app import create_app
from serving.pages.text import follow_up_state, span
from serving.store.records import QueueEntry
from tests.conftest import ROOT
from tests.serving.conftest import MakeSettings
from tests.serving.seller_leads import HOSTILE, Seeded, seed
from tests.serving.store.conftest import UNREACHABLE

GRADES = "ABCD"


class Rows(HTMLParser):
    """The queue's rows as their data attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "tr" and "lead-row" in found.get("class", "").split():
            self.rows.append({name.removeprefix("data-"): value for name, value in found.items()})


def rows(page: str) -> list[dict[str, str]]:
    parser = Rows()
    parser.feed(page)
    return parser.rows


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('pages') / 'leads.db'}"


@pytest.fixture(scope="module")
def site(make_settings: MakeSettings, store_url: str, example: dict[str, Any]) -> Iterator[tuple[TestClient, Seeded]]:
    """The app with a lead store of its own holding the seller leads."""
    with TestClient(create_app(make_settings(store_url=store_url))) as client:
        yield client, seed(client, store_url, example)


@pytest.fixture(scope="module")
def client(site: tuple[TestClient, Seeded]) -> TestClient:
    return site[0]


@pytest.fixture(scope="module")
def seeded(site: tuple[TestClient, Seeded]) -> Seeded:
    return site[1]


def page(client: TestClient, url: str, expect: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == expect, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response.text


# --- the queue ----------------------------------------------------------------------------------


def test_the_queue_lists_every_open_lead_best_grade_first(client: TestClient, seeded: Seeded) -> None:
    found = rows(page(client, "/"))
    assert {row["lead"] for row in found} == set(seeded.open)
    ranks = [GRADES.index(row["grade"]) for row in found]
    assert ranks == sorted(ranks)
    assert set(ranks) == {0, 1, 2, 3}, "the seeded leads cover every grade"


def test_a_row_shows_grade_label_score_company_and_why(client: TestClient, seeded: Seeded) -> None:
    text = page(client, "/")
    hot = next(lead for lead, grade in seeded.open.items() if grade == "A" and lead.startswith("L-hot"))
    row = text[text.index(f'data-lead="{hot}"'):]
    row = row[:row.index("</tr>")]
    assert '<span class="grade hot"><b>A</b> hot</span>' in row
    assert seeded.companies[hot] in row and f'href="/leads/{hot}"' in row
    assert 'class="driver up"' in row, "the strongest reasons, in a few words"
    excluded = next(lead for lead in seeded.open if lead.startswith("L-excluded-market"))
    row = text[text.index(f'data-lead="{excluded}"'):]
    assert "Agreed rule" in row[:row.index("</tr>")] and "India, Nigeria or Pakistan" in row[:row.index("</tr>")]


@pytest.mark.parametrize("grade", list(GRADES))
def test_the_grade_filter_keeps_only_that_grade(client: TestClient, seeded: Seeded, grade: str) -> None:
    found = rows(page(client, f"/?grade={grade}&source="))
    assert {row["lead"] for row in found} == {lead for lead, g in seeded.open.items() if g == grade}
    assert found and all(row["grade"] == grade for row in found)


def test_the_source_filter_keeps_only_that_source(client: TestClient, seeded: Seeded) -> None:
    text = page(client, "/?grade=&source=event")
    found = rows(text)
    assert found and all(row["source"] == "event" for row in found)
    assert '<option value="event" selected>Event</option>' in text, "sources read as the profile labels them"
    assert '<option value="web_form">Web form</option>' in text, "every known source is offered"


def test_grade_and_source_filters_combine(client: TestClient, seeded: Seeded) -> None:
    every = rows(page(client, "/"))
    both = rows(page(client, "/?grade=A&source=referral"))
    assert both == [row for row in every if row["grade"] == "A" and row["source"] == "referral"]


def test_an_unknown_grade_is_a_422_page(client: TestClient) -> None:
    text = page(client, "/?grade=Z", expect=422)
    assert "Grade &#39;Z&#39; is not one of the agreed grades A, B, C, D." in text


def test_overdue_leads_are_marked_with_how_long(client: TestClient, seeded: Seeded) -> None:
    text = page(client, "/")
    overdue = {row["lead"] for row in rows(text) if row["overdue"] == "yes"}
    assert overdue == set(seeded.overdue)
    assert f'<strong>{len(seeded.overdue)}</strong> overdue' in text
    assert re.search(r"Not contacted yet · overdue by \d+ d", text), "the seeded scores are days old"
    assert {row["lead"] for row in rows(page(client, "/?overdue=1"))} == set(seeded.overdue)


def test_pages_of_the_queue_follow_each_other(client: TestClient, seeded: Seeded) -> None:
    every = rows(page(client, "/?source=&limit=200"))
    first = page(client, "/?limit=10")
    second = page(client, "/?limit=10&offset=10")
    assert rows(first) + rows(second) == every[:20]
    assert 'href="/?limit=10&amp;offset=10"' in first and f"Leads 1–10 of {len(every)}" in first
    assert 'href="/?limit=10"' in second
    grade = seeded.grades[seeded.overdue[0]]
    assert f'href="/?grade={grade}&amp;overdue=1"' in page(client, f"/?grade={grade}"), "the link keeps the filters"


def test_an_empty_queue_says_so(client: TestClient) -> None:
    assert "No open leads match these filters." in page(client, "/?source=nowhere")


@pytest.mark.parametrize(("query", "field"), [("limit=0", "limit"), ("limit=201", "limit"), ("offset=-1", "offset"),
                                              ("overdue=perhaps", "overdue")])
def test_a_bad_page_or_flag_is_a_422_page(client: TestClient, query: str, field: str) -> None:
    text = page(client, f"/?{query}", expect=422)
    assert "Not understood" in text and f"{field}: " in text


# --- a lead's page ------------------------------------------------------------------------------


def test_a_lead_page_explains_the_grade(client: TestClient, seeded: Seeded) -> None:
    lead = next(lead for lead in seeded.open if lead.startswith("L-no-phone"))
    text = page(client, f"/leads/{lead}")
    answer = client.get(f"/v1/leads/{lead}").json()["latest"]
    assert f"<h1>{seeded.companies[lead]}</h1>" in text
    assert f"Grade {answer['grade']} ({answer['label']})." in text
    assert "<code>contact-data</code> <strong>decided the grade</strong>" in text
    assert "No phone number in the CRM" in text and "Phone: not in the CRM" in text
    for reason in answer["reasons"]:
        assert html.escape(reason["sentence"]) in text
        assert ("▲ raises" if reason["direction"] == "raises" else "▼ lowers") in text
        assert f"{reason['strength']:.2f}" in text


def test_a_lead_page_shows_suggestions_and_missing_fields(client: TestClient, seeded: Seeded) -> None:
    lead = next(lead for lead in seeded.open if lead.startswith("L-curious"))
    text = page(client, f"/leads/{lead}")
    section = text[text.index('id="suggestions"'):text.index('id="missing"')]
    assert "the chance of winning would be about" in section and '<span class="to">' in section
    missing = text[text.index('id="missing"'):text.index('id="outcome"')]
    assert "Buying timeline" in missing and "Budget" in missing


def test_a_lead_page_shows_history_and_why_the_grade_changed(client: TestClient, seeded: Seeded) -> None:
    text = page(client, f"/leads/{seeded.changed}")
    history = client.get(f"/v1/leads/{seeded.changed}").json()
    before, after = history["history"][1], history["history"][0]
    assert f"Grade {before['grade']} → {after['grade']}." in text
    assert "Rule &#39;contact-data&#39; no longer applies." in text
    table = text[text.index('id="history"'):text.index('id="fields"')]
    assert table.count("<tr>") == 3, "a header and two scores"
    assert after["model_version"] in table and after["agreement_version"] in table


def test_a_lead_page_shows_the_recorded_outcome(client: TestClient, seeded: Seeded) -> None:
    recycled = next(lead for lead, outcome in seeded.closed.items() if outcome == "recycled")
    text = page(client, f"/leads/{recycled}")
    outcome = text[text.index('id="outcome"'):text.index('id="history"')]
    assert "Recycled" in outcome and "Budget frozen until spring." in outcome
    assert "Recycled to marketing: call back on" in text
    won = next(lead for lead, outcome in seeded.closed.items() if outcome == "won")
    assert '<strong class="outcome-won">Won</strong>' in page(client, f"/leads/{won}")


def test_an_overdue_lead_page_says_how_long(client: TestClient, seeded: Seeded) -> None:
    assert '<p class="overdue">⚠ Not contacted yet · overdue by' in page(client, f"/leads/{seeded.overdue[0]}")


def test_an_unknown_lead_is_a_404_page(client: TestClient) -> None:
    text = page(client, "/leads/L-nobody", expect=404)
    assert "Lead not found" in text and "No lead &#39;L-nobody&#39; has ever been scored." in text


def test_without_a_model_the_pages_still_show_the_store(make_settings: MakeSettings, fresh_tracking: str,
                                                       store_url: str, seeded: Seeded) -> None:
    with TestClient(create_app(make_settings(tracking_uri=fresh_tracking, store_url=store_url))) as modelless:
        assert {row["lead"] for row in rows(page(modelless, "/"))} == set(seeded.open)
        text = page(modelless, f"/leads/{seeded.changed}")
    assert "No model is loaded right now, so there are no suggestions." in text
    assert "Why the grade changed" in text and "Score history" in text


def test_a_store_that_is_down_is_a_503_page(make_settings: MakeSettings) -> None:
    with TestClient(create_app(make_settings(store_url=UNREACHABLE))) as broken:
        for url in ("/", "/leads/L-1"):
            response = broken.get(url)
            assert response.status_code == 503 and response.headers["retry-after"] == "5"
            assert "Temporarily unavailable" in response.text and "lead store unavailable" in response.text


# --- escaping, headers, keys --------------------------------------------------------------------


def test_markup_in_lead_fields_renders_as_text(client: TestClient, seeded: Seeded) -> None:
    queue = page(client, "/")
    lead = page(client, f"/leads/{quote(seeded.hostile, safe='')}")
    for text in (queue, lead):
        assert html.escape(HOSTILE) in text
        assert HOSTILE not in text and "<img src=x" not in text
    assert f'href="/leads/{quote(seeded.hostile)}"' in queue, "the link to the lead is URL-encoded"
    assert f"<h1>{html.escape(HOSTILE)}</h1>" in lead


def test_pages_forbid_scripts_and_caching(client: TestClient, seeded: Seeded) -> None:
    for url in ("/", f"/leads/{seeded.changed}", "/leads/L-nobody"):
        headers = client.get(url).headers
        assert "default-src 'none'" in headers["content-security-policy"]
        assert headers["cache-control"] == "no-store" and headers["x-content-type-options"] == "nosniff"


def test_pages_are_not_in_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths and not any(path.startswith("/leads/") for path in paths)


def test_with_keys_the_pages_need_a_scoring_key_in_the_header(make_settings: MakeSettings, tmp_path: Path) -> None:
    settings = make_settings(api_keys=["seller-key"], admin_keys=["admin-key"],
                             store_url=f"sqlite:///{tmp_path / 'leads.db'}")
    with TestClient(create_app(settings)) as keyed:
        missing = keyed.get("/")
        assert missing.status_code == 401 and "X-API-Key" in missing.text
        assert missing.headers["content-type"].startswith("text/html")
        assert keyed.get("/?key=seller-key").status_code == 401, "a key in the address is never accepted"
        assert keyed.get("/", headers={"X-API-Key": "wrong"}).status_code == 403
        assert keyed.get("/", headers={"X-API-Key": "seller-key"}).status_code == 200
        assert keyed.get("/", headers={"X-API-Key": "admin-key"}).status_code == 200
        assert keyed.get("/leads/L-1", headers={"X-API-Key": "seller-key"}).status_code == 404


# --- wording and packaging ----------------------------------------------------------------------


@pytest.mark.parametrize(("delta", "text"), [
    (dt.timedelta(minutes=7), "7 min"), (dt.timedelta(hours=3), "3 h"), (dt.timedelta(hours=3, minutes=5), "3 h 5 min"),
    (dt.timedelta(days=2), "2 d"), (dt.timedelta(days=5, hours=2, minutes=59), "5 d 2 h"), (dt.timedelta(-1), "0 min")])
def test_durations_read_in_days_hours_and_minutes(delta: dt.timedelta, text: str) -> None:
    assert span(delta) == text


def test_every_template_is_package_data() -> None:
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    patterns = package_data["serving.pages"]
    templates = ROOT / "serving" / "pages" / "templates"
    for path in templates.iterdir():
        relative = path.relative_to(templates.parent).as_posix()
        assert any(fnmatch(relative, pattern) for pattern in patterns), f"{relative} would not be installed"



NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def entry(**changes: Any) -> QueueEntry:
    values: dict[str, Any] = {
        "lead_id": "L-1", "status": "open", "overdue": False, "due_at": NOW + dt.timedelta(hours=2),
        "handover_at": NOW - dt.timedelta(hours=2), "first_contact_at": None, "last_contact_at": None, "grade": "A",
        "label": "hot", "model_grade": "A", "probability": 0.6, "disqualified": False, "deciding_rule": None,
        "source": None, "scored_at": NOW, "first_scored_at": NOW, "score_id": 1, "model_version": "m/1",
        "agreement_version": "a", "outcome": None, "call_back_on": None, **changes}
    return QueueEntry(**values)


@pytest.mark.parametrize(("changes", "text", "overdue"), [
    ({}, "Not contacted yet · due in 2 h", False),
    ({"overdue": True, "due_at": NOW - dt.timedelta(hours=3)}, "Not contacted yet · overdue by 3 h", True),
    ({"due_at": None, "first_contact_at": NOW - dt.timedelta(days=3), "last_contact_at": NOW - dt.timedelta(days=3)},
     "Last contact 3 d ago", False),
    ({"last_contact_at": NOW - dt.timedelta(days=90)}, "Last contact 90 d ago · due in 2 h", False),  # called back
    ({"due_at": None, "handover_at": None}, "No follow-up promise for this grade", False),
    ({"status": "won", "due_at": None}, "Won", False),
])
def test_the_follow_up_reads_as_a_seller_says_it(changes: dict[str, Any], text: str, overdue: bool) -> None:
    state = follow_up_state(entry(**changes), NOW)
    assert (state.text, state.overdue) == (text, overdue)
