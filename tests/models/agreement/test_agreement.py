"""The loaded agreement: thresholds, labels, immutability and its JSON view."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from features.profile import Profile
from models.agreement import parse_agreement
from tests.models.agreement.sample import HEAD, with_rule

# --- thresholds and labels ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("probability", "grade"),
    [
        (1.0, "A"),
        (0.5, "A"),
        (0.4999, "B"),
        (0.25, "B"),
        (0.2499, "C"),
        (0.10, "C"),
        (0.0999, "D"),
        (0.0, "D"),
    ],
)
def test_model_grade_at_and_around_the_bounds(profile: Profile, probability: float, grade: str) -> None:
    assert parse_agreement(HEAD, profile).model_grade(probability) == grade


@pytest.mark.parametrize("probability", [-0.01, 1.01, math.nan])
def test_model_grade_refuses_a_non_probability(profile: Profile, probability: float) -> None:
    with pytest.raises(ValueError, match="not between 0 and 1"):
        parse_agreement(HEAD, profile).model_grade(probability)


@pytest.mark.parametrize(("grade", "label"), [("A", "hot"), ("B", "warm"), ("C", "cold"), ("D", "not now")])
def test_label(profile: Profile, grade: str, label: str) -> None:
    assert parse_agreement(HEAD, profile).label(grade) == label


def test_label_of_an_unknown_grade_names_it(profile: Profile) -> None:
    with pytest.raises(ValueError, match="unknown grade 'E'"):
        parse_agreement(HEAD, profile).label("E")


# --- shape and immutability ----------------------------------------------------------------------


def test_agreement_is_immutable(profile: Profile) -> None:
    agreement = parse_agreement(with_rule("{field: country, eq: US}"), profile)
    with pytest.raises(dataclasses.FrozenInstanceError):
        agreement.version = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        agreement.grades["A"] = 0.9  # type: ignore[index]
    with pytest.raises(ValueError):
        agreement.rules[0].text = "changed"  # type: ignore[misc]


def test_fields_lists_every_field_rules_mention_in_order(profile: Profile) -> None:
    text = HEAD + (
        "rules:\n"
        "  - {id: a, text: t, when: {all: [{field: demo, eq: true}, {not: {field: country, eq: US}}]},"
        " then: disqualify}\n"
        "  - {id: b, text: t, when: {field: demo, eq: false}, then: {require: [phone, email]}}\n"
    )
    assert parse_agreement(text, profile).fields == ("demo", "country", "phone", "email")


def test_to_dict_is_json_ready_and_round_trips_the_rules(profile: Profile) -> None:
    when = "{all: [{field: first_seen, lt: 2026-01-01}, {field: country, in: [US, DE]}]}"
    text = with_rule(when, "{cap: C}")
    view = json.loads(json.dumps(parse_agreement(text, profile).to_dict()))
    assert view["declared_version"] == "2026-11-01"
    assert view["grades"] == {"A": 0.5, "B": 0.25, "C": 0.1}
    assert view["labels"]["D"] == "not now"
    assert view["signed_off"]["date"] == "2026-11-01"
    assert view["rules"][0]["when"] == {
        "all": [{"field": "first_seen", "lt": "2026-01-01"}, {"field": "country", "in": ["US", "DE"]}]
    }
    assert view["rules"][0]["then"] == {"cap": "C"}
    assert view["rules"][0]["effect"] == "cap C"


def test_require_defaults_to_cap_c(profile: Profile) -> None:
    text = HEAD + "rules:\n  - {id: r, text: t, then: {require: [phone]}}\n"
    agreement = parse_agreement(text, profile)
    assert agreement.to_dict()["rules"][0]["then"] == {"require": ["phone"], "cap": "C"}
    assert agreement.checks[0].rank == agreement.letters.index("C")
