"""The activity routes over HTTP, on SQLite and PostgreSQL: the contract, repeats, backfill, bad input."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.app import create_app
from tests.serving.conftest import MakeSettings
from tests.serving.store.conftest import BACKENDS, backend_url


@pytest.fixture(scope="module", params=BACKENDS)
def api(request: pytest.FixtureRequest, make_settings: MakeSettings,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with backend_url(request, request.param, tmp_path_factory.mktemp("activities")) as url, \
            TestClient(create_app(make_settings(store_url=url))) as client:
        yield client


def scored_lead(api: TestClient, example: dict[str, Any]) -> str:
    lead_id = f"L-{uuid.uuid4().hex[:10]}"
    assert api.post("/v1/score", json={**example, "lead_id": lead_id}).status_code == 200
    return lead_id


def test_an_activity_is_created_and_shown_in_the_history_oldest_first(api: TestClient,
                                                                      example: dict[str, Any]) -> None:
    lead_id = scored_lead(api, example)
    earlier = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat()
    first = api.post(f"/v1/leads/{lead_id}/activities", json={"kind": "call", "result": "reached", "by": "Ana",
                                                               "note": "Wants a quote."})
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["kind"], body["result"], body["by"], body["contact"]) == ("call", "reached", "Ana", True)
    assert dt.datetime.fromisoformat(body["at"]) == dt.datetime.fromisoformat(body["recorded_at"])  # at: now
    second = api.post(f"/v1/leads/{lead_id}/activities", json={"kind": "email", "at": earlier})
    assert second.status_code == 201
    history = api.get(f"/v1/leads/{lead_id}").json()["activities"]
    assert [a["activity_id"] for a in history] == [second.json()["activity_id"], body["activity_id"]]


def test_the_same_activity_again_answers_200_with_the_record(api: TestClient, example: dict[str, Any]) -> None:
    lead_id = scored_lead(api, example)
    activity = {"kind": "meeting", "result": "reached", "at": "2026-11-20T10:00:00+01:00"}
    created = api.post(f"/v1/leads/{lead_id}/activities", json=activity)
    again = api.post(f"/v1/leads/{lead_id}/activities", json=activity)
    assert (created.status_code, again.status_code) == (201, 200)
    assert again.json() == created.json()
    assert created.json()["at"].startswith("2026-11-20T09:00:00")  # kept in UTC


def test_an_unknown_lead_is_404(api: TestClient) -> None:
    answer = api.post("/v1/leads/L-never-scored/activities", json={"kind": "call"})
    assert answer.status_code == 404 and "L-never-scored" in answer.json()["detail"]


@pytest.mark.parametrize(("activity", "field"), [
    ({"kind": "visit"}, "kind"),
    ({"kind": "call", "result": "bounced"}, "result"),
    ({"kind": "note", "result": "reached"}, "result"),
    ({"kind": "call", "at": "2026-11-20T10:00:00"}, "at"),  # no time zone
    ({"kind": "call", "at": "2999-01-01T00:00:00Z"}, "at"),
    ({"kind": "call", "by": ""}, "by"),
    ({"kind": "call", "colour": "blue"}, "colour"),
])
def test_bad_activities_are_422_naming_the_field(api: TestClient, example: dict[str, Any],
                                                 activity: dict[str, Any], field: str) -> None:
    lead_id = scored_lead(api, example)
    answer = api.post(f"/v1/leads/{lead_id}/activities", json=activity)
    assert answer.status_code == 422, answer.text
    assert [error["loc"][-1] for error in answer.json()["detail"]] == [field]


def test_a_crm_backfills_in_batch_all_or_none(api: TestClient, example: dict[str, Any]) -> None:
    one, two = scored_lead(api, example), scored_lead(api, example)
    batch = [{"lead_id": one, "kind": "call", "result": "no_answer", "at": "2026-11-20T09:00:00Z"},
             {"lead_id": two, "kind": "email", "at": "2026-11-21T09:00:00Z"},
             {"lead_id": one, "kind": "call", "result": "reached", "at": "2026-11-22T09:00:00Z"}]
    refused = api.post("/v1/activities/batch", json={"activities": [*batch, {"lead_id": "L-ghost", "kind": "call"}]})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "activities", 3, "lead_id"]
    assert api.get(f"/v1/leads/{one}").json()["activities"] == []
    done = api.post("/v1/activities/batch", json={"activities": batch})
    assert done.status_code == 200, done.text
    assert (done.json()["created"], done.json()["repeated"]) == (3, 0)
    assert api.post("/v1/activities/batch", json={"activities": batch}).json()["repeated"] == 3
    assert [a["result"] for a in api.get(f"/v1/leads/{one}").json()["activities"]] == ["no_answer", "reached"]
    bad = api.post("/v1/activities/batch", json={"activities": [batch[0], {**batch[1], "result": "left_message"}]})
    assert bad.json()["detail"][0]["loc"] == ["body", "activities", 1, "result"]


def test_the_queue_carries_the_follow_up_clock_and_filters_on_it(api: TestClient, example: dict[str, Any]) -> None:
    source = f"src-{uuid.uuid4().hex[:8]}"
    called, waiting = (scored_lead(api, {**example, "lead_source": source}) for _ in range(2))
    api.post(f"/v1/leads/{called}/activities", json={"kind": "call", "result": "reached"})
    page = {e["lead_id"]: e for e in api.get("/v1/leads", params={"source": source}).json()["leads"]}
    assert page[called]["first_contact_at"] == page[called]["last_contact_at"] is not None
    assert page[called]["due_at"] is None and page[waiting]["due_at"] is not None
    assert page[waiting]["handover_at"] == page[waiting]["first_scored_at"]  # the example is graded with a promise
    lead = api.get(f"/v1/leads/{called}").json()
    assert (lead["first_contact_at"], lead["handover_at"]) == (page[called]["first_contact_at"],
                                                               page[called]["handover_at"])

    def listed(**params: Any) -> list[str]:
        return [e["lead_id"] for e in api.get("/v1/leads", params={"source": source, **params}).json()["leads"]]

    assert listed(contacted=True) == [called] and listed(contacted=False) == [waiting]
    assert listed(last_contact_before="2000-01-01T00:00:00Z") == []
    assert sorted(listed(handed_over=True, handed_over_since="2000-01-01T00:00:00Z")) == sorted([called, waiting])
    bad = api.get("/v1/leads", params={"handed_over_since": "yesterday"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "handed_over_since"]
