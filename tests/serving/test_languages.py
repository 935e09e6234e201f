"""Answers and formats in the seller's language: the same leads explained in en, da, nl and pl, negotiation
(?lang= over Accept-Language over the default, unknown languages falling back to English), plural forms and
locale number formats."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from features.profile import Profile
from models.agreement import load_agreement
from serving.language.catalog import language, negotiate
from serving.pages.text import percent, span, when
from tests.conftest import DEMO_AGREEMENT

OTHERS = ("da", "nl", "pl")


def score(client: TestClient, lead: dict[str, Any], header: str | None = None, query: str = "") -> dict[str, Any]:
    headers = {"accept-language": header} if header else {}
    response = client.post(f"/v1/score{query}", json=lead, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def sentences(body: dict[str, Any]) -> list[str]:
    """Every sentence of an answer a seller reads."""
    return [*body["explanation"], *(r["sentence"] for r in body["reasons"]),
            *(r["evidence"]["description"] for r in body["reasons"] if r["evidence"]),
            *(s["sentence"] for s in body["suggestions"]), *(rule["text"] for rule in body["rules"])]


@pytest.fixture(scope="module")
def leads(example: dict[str, Any], modest: dict[str, Any]) -> list[dict[str, Any]]:
    """A floored lead, a modest one with suggestions, a capped one (no phone) and a disqualified one."""
    return [example, modest, {**modest, "lead_id": "L-nophone", "phone": None},
            {**example, "lead_id": "L-out", "country": "IN"}]


@pytest.mark.parametrize("code", OTHERS)
def test_the_same_leads_are_explained_without_english_left(client: TestClient, leads: list[dict[str, Any]],
                                                           demo_profile: Profile, code: str) -> None:
    agreement = load_agreement(DEMO_AGREEMENT, demo_profile)
    for lead in leads:
        english, other = score(client, lead), score(client, lead, header=f"{code}-XX,{code};q=0.9,en;q=0.5")
        assert english["language"] == "en" and other["language"] == code
        assert (other["grade"], other["probability"]) == (english["grade"], english["probability"])
        assert len(sentences(other)) == len(sentences(english)) > 1
        left = set(sentences(english)) & set(sentences(other))
        assert not left, f"English left in {code}: {left}"
        assert other["label"] == ("diskvalificeret" if code == "da" and other["disqualified"] else other["label"])
        if not other["disqualified"]:  # the agreed word of the language, which may be spelt as in English
            assert other["label"] == agreement.label_in(other["grade"], code)
        for rule in other["rules"]:
            assert rule["text"] == agreement.rule_text(rule["id"], code)
        for reason in other["reasons"]:
            assert reason["display"] == demo_profile.feature(reason["field"]).label_in(code)
    assert any(score(client, lead)["suggestions"] for lead in leads), "a lead with suggestions was explained"


def test_dutch_and_polish_grades_read_as_their_sellers_say_them(demo_profile: Profile) -> None:
    agreement = load_agreement(DEMO_AGREEMENT, demo_profile)
    assert [agreement.label_in(grade, "nl") for grade in "ABC"] == ["heet", "warm", "koud"]
    assert [agreement.label_in(grade, "pl") for grade in "ABC"] == ["gorący", "ciepły", "zimny"]


def test_danish_answers_say_varm_lun_kold(client: TestClient, leads: list[dict[str, Any]]) -> None:
    labels = {score(client, lead, "da")["label"] for lead in leads}
    assert labels <= {"varm", "lun", "kold", "ikke nu", "diskvalificeret"} and "diskvalificeret" in labels


def test_the_query_beats_accept_language(client: TestClient, example: dict[str, Any]) -> None:
    assert score(client, example, header="da", query="?lang=pl")["language"] == "pl"
    assert score(client, example, header="pl;q=0.2, nl;q=0.8")["language"] == "nl"


@pytest.mark.parametrize("header, query", [("sv-SE, fr;q=0.8", ""), (None, "?lang=xx"), ("*", "")])
def test_an_unknown_language_falls_back_to_english(client: TestClient, example: dict[str, Any], header: str | None,
                                                   query: str) -> None:
    english = score(client, example)
    other = score(client, example, header=header, query=query)
    assert other["language"] == "en" and other["explanation"] == english["explanation"]


def test_negotiation_order() -> None:
    assert negotiate("pl", "da", "en") == "pl"
    assert negotiate(None, "nl-BE,da;q=0.5", "en") == "nl"
    assert negotiate("xx", "sv", "da") == "da"
    assert negotiate(None, None, "zz") == "en"


@pytest.mark.parametrize("count, form", [(1, "lead"), (2, "leady"), (5, "leadów"), (22, "leady"), (25, "leadów"),
                                         (12, "leadów"), (101, "leadów")])
def test_polish_has_three_plural_forms(count: int, form: str) -> None:
    text = language("pl").ngettext("Of {leads} past lead with no {field} recorded, {rate} were won, against {base} "
                                   "overall.", "Of {leads} past leads with no {field} recorded, {rate} were won, "
                                   "against {base} overall.", count)
    assert f" {form} " in text.format(leads=count, field="x", rate="1 %", base="2 %")


@pytest.mark.parametrize("code, one, many", [("en", "1 open", "5 open"), ("da", "1 åbent", "5 åbne"),
                                             ("pl", "1 otwarty", "5 otwartych")])
def test_page_counts_use_the_plural_forms(code: str, one: str, many: str) -> None:
    said = language(code).ngettext
    words = [said("<strong>%(num)s</strong> open", "<strong>%(num)s</strong> open", n) % {"num": n} for n in (1, 5)]
    assert [w.replace("<strong>", "").replace("</strong>", "") for w in words] == [one, many]
    assert language("pl").ngettext("<strong>%(num)s</strong> overdue", "<strong>%(num)s</strong> overdue", 3) \
        == "<strong>%(num)s</strong> zaległe"


def test_locale_number_formats() -> None:
    assert language("da").percent(0.31) == "31\u00a0%" and language("pl").percent(0.31) == "31\u00a0%"
    assert language("en").percent(0.31) == "31%" and language("nl").percent(0.31) == "31%"
    assert language("da").number(1234.5) == "1.234,5" and language("nl").number(1234.5) == "1.234,5"
    assert language("pl").number(1234.5) == "1\u00a0234,5"
    assert language("en").number(1234.5) == "1,234.5"
    assert language("da").count(12345) == "12.345"
    assert language("da").number(1e300) == "1E300" and language("en").number(float("inf")) == "∞"


def test_page_formats_follow_the_language() -> None:
    day = dt.datetime(2026, 11, 23, 14, 5, tzinfo=dt.UTC)
    assert when(day, language("en")) == "23 Nov 2026, 14:05 UTC"
    assert when(day, language("da")) == "23. nov. 2026, 14:05 UTC"
    assert when(day.date(), language("pl")) == "23 lis 2026"
    assert percent(0.31, language("en")) == "31 %" and percent(0.31, language("da")) == "31\u00a0%"
    assert span(dt.timedelta(days=2, hours=3), language("pl")) == "2 d 3 godz."
    assert span(dt.timedelta(hours=5), language("da")) == "5 t"
