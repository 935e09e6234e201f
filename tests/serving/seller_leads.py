"""About thirty demo leads for the seller page tests, scored through the API into a fresh lead store.

Every grade and several sources; a few leads won, lost or recycled; a few overdue (their only score is
logged days ago through the store API); one scored twice with a different grade; one whose id, company
and campaign are markup.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from serving.store.database import LeadStore
from serving.store.records import ScoreRecord
from serving.store.scores import add_scores

HOSTILE = "<script>alert(1)</script>"
HOSTILE_ID = 'L-"><img src=x onerror=alert(2)>'
SOURCES = ("referral", "partner", "event", "web_form", "organic_search", "paid_search", "cold_outbound",
           "content_syndication")
OVERDUE_AGE = dt.timedelta(days=5)  # older than every follow-up promise of the demo agreement
TODAY = dt.datetime.now(dt.UTC).date()


class Http(Protocol):
    """What the seeding needs of a client: a TestClient or an httpx.Client."""

    def post(self, url: str, *, json: Any = None) -> Any: ...

    def get(self, url: str) -> Any: ...


@dataclass(frozen=True)
class Seeded:
    """What was put in the store, for the tests to look for."""

    grades: dict[str, str]  # every scored lead -> grade of its latest score
    companies: dict[str, str]
    overdue: list[str]
    closed: dict[str, str]  # lead -> won, lost or recycled
    changed: str  # scored twice, with a different grade the second time
    hostile: str

    @property
    def open(self) -> dict[str, str]:
        return {lead: grade for lead, grade in self.grades.items() if lead not in self.closed}


def archetypes(example: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Leads that land in different grades under the demo agreement, from the profile's example."""
    weak = {"company_size": "51-200", "demo_requested": False, "webinar_attended": False, "pricing_page_views": 1,
            "website_visits": 4, "days_since_last_activity": 12, "timeline": "this_year", "budget": None}
    return {
        "hot": dict(example),
        "floored": {**example, **weak, "demo_requested": True, "company_size": "201-1000", "email_domain": "free_mail",
                    "seniority": "individual", "industry": "public_sector", "days_since_last_activity": 40},
        "modest": {**example, **weak, "seniority": "manager", "industry": "retail", "days_since_last_activity": 20},
        "no-phone": {**example, "phone": None},
        "curious": {**example, **weak, "stated_need": False, "timeline": None},
        "not-now": {**example, **weak, "email_domain": "free_mail", "company_size": "1-10", "seniority": "individual",
                    "website_visits": 1, "pricing_page_views": 0, "days_since_last_activity": 90,
                    "stated_need": False, "timeline": "no_timeline", "budget": "none"},
        "excluded-market": {**example, "country": "IN"},
    }


def demo_leads(example: dict[str, Any]) -> list[dict[str, Any]]:
    """Twenty-eight leads: four of each archetype, the sources taking turns."""
    leads = []
    for i, (kind, base) in enumerate(sorted(archetypes(example).items()) * 4):
        leads.append({**base, "lead_id": f"L-{kind}-{i:02d}", "company": f"{kind.title()} Company {i:02d}",
                      "lead_source": SOURCES[i % len(SOURCES)]})
    return leads


def seed(http: Http, store_url: str, example: dict[str, Any]) -> Seeded:
    """Score the leads, record outcomes, log overdue ones and re-score one; what went in."""
    leads = demo_leads(example)
    scored = post(http, "/v1/score/batch", {"leads": leads})["results"]
    grades = {result["lead_id"]: result["grade"] for result in scored}
    companies = {lead["lead_id"]: lead["company"] for lead in leads}
    hostile = {**example, "lead_id": HOSTILE_ID, "company": HOSTILE, "campaign": HOSTILE, "lead_source": "event"}
    grades[HOSTILE_ID] = post(http, "/v1/score", hostile)["grade"]
    changed = rescored(http, example, grades)
    promised = [lead["lead_id"] for lead in leads if grades[lead["lead_id"]] != "D"]  # D has no follow-up promise
    closed = record_outcomes(http, promised[:3])
    overdue = log_overdue(http, store_url, promised[3:6], grades, companies)
    return Seeded(grades, {**companies, HOSTILE_ID: HOSTILE, changed: "Changed Mind Ltd"}, overdue, closed,
                  changed, HOSTILE_ID)


def rescored(http: Http, example: dict[str, Any], grades: dict[str, str]) -> str:
    """A curious lead without a phone, then the same lead after a demo request with a phone: C, then higher."""
    lead_id = "L-changed-mind"
    first = {**example, "lead_id": lead_id, "company": "Changed Mind Ltd", "phone": None, "demo_requested": False,
             "stated_need": False, "timeline": None}
    post(http, "/v1/score", first)
    grades[lead_id] = post(http, "/v1/score", {**example, "lead_id": lead_id, "company": "Changed Mind Ltd"})["grade"]
    return lead_id


def record_outcomes(http: Http, lead_ids: list[str]) -> dict[str, str]:
    """Won, lost and recycled, one lead each."""
    bodies = [{"outcome": "won", "closed_on": str(TODAY)}, {"outcome": "lost", "closed_on": str(TODAY)},
              {"outcome": "recycled", "call_back_on": str(TODAY + dt.timedelta(days=120)),
               "comment": "Budget frozen until spring."}]
    for lead_id, body in zip(lead_ids, bodies, strict=True):
        post(http, "/v1/outcomes", {"lead_id": lead_id, **body}, expect=201)
    return {lead_id: body["outcome"] for lead_id, body in zip(lead_ids, bodies, strict=True)}


def log_overdue(http: Http, store_url: str, models: list[str], grades: dict[str, str],
                companies: dict[str, str]) -> list[str]:
    """Leads whose only score was logged days ago: copies of real scores, under new ids, straight into the store."""
    now = dt.datetime.now(dt.UTC)
    records = []
    for i, model_id in enumerate(models):
        latest = http.get(f"/v1/leads/{model_id}").json()["latest"]
        lead_id = f"L-overdue-{i}"
        records.append(record(latest, lead_id, now - OVERDUE_AGE - dt.timedelta(hours=i), f"Overdue Partners {i}"))
        grades[lead_id], companies[lead_id] = latest["grade"], f"Overdue Partners {i}"
    store = LeadStore(store_url)
    try:
        add_scores(store, records)
    finally:
        store.close()
    return [r.lead_id for r in records]


def record(latest: dict[str, Any], lead_id: str, scored_at: dt.datetime, company: str) -> ScoreRecord:
    """A stored score as read from GET /v1/leads/{id}, for another lead at another time."""
    values = {key: value for key, value in latest.items() if key not in ("score_id", "score", "personal_present")}
    return ScoreRecord(**{**values, "lead_id": lead_id, "scored_at": scored_at, "personal": latest["personal_present"],
                          "fields": {**latest["fields"], "company": company}})


def post(http: Http, url: str, body: dict[str, Any], expect: int = 200) -> Any:
    """POST JSON and return the answer's JSON, failing with the body when the status is not the expected one."""
    response = http.post(url, json=body)
    assert response.status_code == expect, f"{url}: {response.status_code} {response.text}"
    return response.json()
