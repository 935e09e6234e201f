"""The agreement file: conditions, validation messages, thresholds, versioning, the demo file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from features.profile import Profile, load_profile
from models.agreement import Agreement, AgreementError, load_agreement, parse_agreement

ROOT = Path(__file__).resolve().parents[2]

HEAD = """\
version: "2026-11-01"
signed_off: {sales: "Head of Sales", marketing: "Head of Marketing", date: 2026-11-01}
grades: {A: 0.50, B: 0.25, C: 0.10}
labels: {A: hot, B: warm, C: cold, D: not now}
follow_up_hours: {A: 4, B: 24, C: 72}
"""


@pytest.fixture(scope="module")
def profile() -> Profile:
    """A small profile with one field of every kind, plus two attributes."""
    return Profile.model_validate(
        {
            "name": "shop",
            "source": {"path": "leads.csv"},
            "id": "lead_id",
            "outcome": {"column": "outcome", "won": ["won"], "lost": ["lost"]},
            "time": {"column": "created_at"},
            "features": [
                {"name": "country", "kind": "categorical"},
                {"name": "size", "kind": "categorical"},
                {"name": "visits", "kind": "numeric"},
                {"name": "demo", "kind": "boolean"},
                {"name": "first_seen", "kind": "date"},
            ],
            "attributes": [{"name": "phone"}, {"name": "email"}],
        }
    )


def with_rule(when: str, then: str = "disqualify", rule_id: str = "r") -> str:
    """An agreement text with a single rule."""
    return HEAD + f"rules:\n  - id: {rule_id}\n    text: A rule.\n    when: {when}\n    then: {then}\n"


def fires(profile: Profile, when: str, lead: dict[str, Any]) -> bool:
    """Whether a one-rule agreement fires on a lead; the frame path must say the same."""
    check = parse_agreement(with_rule(when), profile).checks[0]
    on_lead = check.hit(lead) is not None
    on_frame = bool(check.hits(pd.DataFrame([lead], index=[0]))[0])
    assert on_lead == on_frame, f"lead and frame evaluation disagree on {lead!r}"
    return on_lead


# --- operators on present and missing values ----------------------------------------------------

ABSENT = object()  # the lead has no such key at all
MISSING_VALUES = [None, math.nan, pd.NA, pd.NaT, "", "   ", ABSENT]
MISSING_IDS = ["none", "nan", "na", "nat", "empty", "blank", "absent"]


@pytest.mark.parametrize(
    ("when", "value", "expected"),
    [
        ("{field: country, eq: US}", "US", True),
        ("{field: country, eq: US}", " US ", True),
        ("{field: country, eq: US}", "DE", False),
        ("{field: country, ne: US}", "DE", True),
        ("{field: country, ne: US}", "US", False),
        ("{field: country, in: [US, DE]}", "DE", True),
        ("{field: country, in: [US, DE]}", "FR", False),
        ("{field: country, not_in: [US, DE]}", "FR", True),
        ("{field: country, not_in: [US, DE]}", "US", False),
        ("{field: size, eq: 10}", "10", True),
        ("{field: size, eq: 10}", 10.0, True),
        ("{field: phone, eq: '+1 555'}", "+1 555", True),
        ("{field: visits, lt: 5}", 4, True),
        ("{field: visits, lt: 5}", 5, False),
        ("{field: visits, le: 5}", 5, True),
        ("{field: visits, le: 5}", 5.5, False),
        ("{field: visits, gt: 5}", 6, True),
        ("{field: visits, gt: 5}", 5, False),
        ("{field: visits, ge: 5}", 5.0, True),
        ("{field: visits, ge: 5}", 4.9, False),
        ("{field: visits, eq: 5}", 5, True),
        ("{field: visits, ne: 5}", 4, True),
        ("{field: visits, in: [1, 2]}", 2.0, True),
        ("{field: visits, not_in: [1, 2]}", 3, True),
        ("{field: visits, lt: 5}", "4", True),
        ("{field: visits, lt: 5}", Decimal("4.5"), True),
        ("{field: visits, lt: 5}", np.int64(4), True),
        ("{field: visits, lt: 5}", "many", False),
        ("{field: visits, ne: 5}", "many", False),
        ("{field: demo, eq: true}", True, True),
        ("{field: demo, eq: true}", False, False),
        ("{field: demo, eq: true}", "yes", True),
        ("{field: demo, eq: true}", 1, True),
        ("{field: demo, eq: false}", False, True),
        ("{field: demo, ne: true}", False, True),
        ("{field: demo, in: [true]}", True, True),
        ("{field: demo, not_in: [true]}", False, True),
        ("{field: demo, eq: true}", "maybe", False),
        ("{field: first_seen, lt: 2026-01-01}", "2025-12-31", True),
        ("{field: first_seen, lt: 2026-01-01}", dt.date(2026, 1, 1), False),
        ("{field: first_seen, ge: 2026-01-01}", pd.Timestamp("2026-03-01"), True),
        ("{field: first_seen, eq: 2026-01-01}", dt.datetime(2026, 1, 1), True),
        ("{field: first_seen, gt: '2026-01-01T12:00:00'}", "2026-01-01T13:00:00+00:00", True),
        ("{field: country, missing: true}", "US", False),
        ("{field: visits, missing: true}", 0, False),
        ("{field: demo, missing: true}", False, False),
        ("{field: country, present: true}", "US", True),
        ("{field: demo, present: true}", False, True),
    ],
)
def test_operator_on_a_present_value(profile: Profile, when: str, value: Any, expected: bool) -> None:
    field = re.search(r"field: (\w+)", when)[1]  # type: ignore[index]
    assert fires(profile, when, {field: value}) is expected


@pytest.mark.parametrize(
    "when",
    [
        "{field: country, eq: US}",
        "{field: country, ne: US}",
        "{field: country, in: [US]}",
        "{field: country, not_in: [US]}",
        "{field: visits, eq: 5}",
        "{field: visits, ne: 5}",
        "{field: visits, lt: 5}",
        "{field: visits, le: 5}",
        "{field: visits, gt: 5}",
        "{field: visits, ge: 5}",
        "{field: demo, eq: true}",
        "{field: demo, eq: false}",
        "{field: demo, ne: true}",
        "{field: first_seen, lt: 2026-01-01}",
        "{field: country, present: true}",
        "{field: phone, ne: '+1 555'}",
    ],
)
@pytest.mark.parametrize("value", MISSING_VALUES, ids=MISSING_IDS)
def test_every_comparison_on_a_missing_value_is_false(profile: Profile, when: str, value: Any) -> None:
    field = re.search(r"field: (\w+)", when)[1]  # type: ignore[index]
    lead = {} if value is ABSENT else {field: value}
    assert fires(profile, when, lead) is False


@pytest.mark.parametrize("field", ["country", "visits", "demo", "first_seen", "phone"])
@pytest.mark.parametrize("value", MISSING_VALUES, ids=MISSING_IDS)
def test_only_missing_is_true_on_a_missing_value(profile: Profile, field: str, value: Any) -> None:
    lead = {} if value is ABSENT else {field: value}
    assert fires(profile, f"{{field: {field}, missing: true}}", lead) is True


US_AND_DEMO = "[{field: country, eq: US}, {field: demo, eq: true}]"
NESTED = (
    "{all: [{any: [{not: {field: country, eq: US}}, {field: visits, gt: 10}]}, {field: demo, eq: true}]}"
)


@pytest.mark.parametrize(
    ("when", "lead", "expected"),
    [
        (f"{{all: {US_AND_DEMO}}}", {"country": "US", "demo": True}, True),
        (f"{{all: {US_AND_DEMO}}}", {"country": "US", "demo": False}, False),
        (f"{{any: {US_AND_DEMO}}}", {"country": "DE", "demo": True}, True),
        (f"{{any: {US_AND_DEMO}}}", {"country": "DE", "demo": False}, False),
        ("{not: {field: country, eq: US}}", {"country": "DE"}, True),
        ("{not: {field: country, eq: US}}", {"country": "US"}, False),
        # `not` of a comparison on a missing value is True: the comparison itself is False
        ("{not: {field: country, eq: US}}", {}, True),
        (NESTED, {"country": "DE", "visits": 0, "demo": True}, True),
        (NESTED, {"country": "US", "visits": 0, "demo": True}, False),
        (NESTED, {"country": "US", "visits": 20, "demo": True}, True),
        (NESTED, {"country": "DE", "visits": 20, "demo": False}, False),
        (NESTED, {"visits": None, "demo": True}, True),
        ("{not: {all: [{any: [{field: country, in: [US]}, {field: visits, ge: 3}]}]}}", {"visits": 3}, False),
        ("{not: {all: [{any: [{field: country, in: [US]}, {field: visits, ge: 3}]}]}}", {"visits": 2}, True),
    ],
)
def test_nested_conditions(profile: Profile, when: str, lead: dict[str, Any], expected: bool) -> None:
    assert fires(profile, when, lead) is expected


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


# --- validation: each problem names the rule, the field and what is wrong ----------------------

BAD_RULES = [
    pytest.param(
        "{field: contry, eq: US}",
        "disqualify",
        ["rule 'r'", "field 'contry' is not a lead field of profile 'shop'", "did you mean 'country'"],
        id="unknown-field",
    ),
    pytest.param(
        "{all: [{field: demo, eq: true}, {any: [{not: {field: contry, eq: US}}]}]}",
        "disqualify",
        ["rule 'r'", "field 'contry' is not a lead field"],
        id="unknown-field-nested",
    ),
    pytest.param(
        "{field: country, like: US}",
        "disqualify",
        ["rule 'r'", "field 'country'", "unknown operator 'like'"],
        id="unknown-operator",
    ),
    pytest.param(
        "{field: country, eq: US, in: [DE]}",
        "disqualify",
        ["rule 'r'", "field 'country'", "two operators 'eq' and 'in'"],
        id="two-operators",
    ),
    pytest.param(
        "{any: [{field: demo, eq: true, ne: false}]}",
        "disqualify",
        ["rule 'r'", "when.any[0]", "field 'demo'", "two operators 'eq' and 'ne'"],
        id="two-operators-nested",
    ),
    pytest.param(
        "{field: country}", "disqualify", ["rule 'r'", "field 'country'", "no operator"], id="no-operator"
    ),
    pytest.param(
        "{field: country, lt: US}",
        "disqualify",
        ["rule 'r'", "field 'country' is categorical", "operator 'lt' does not apply"],
        id="lt-on-categorical",
    ),
    pytest.param(
        "{field: demo, gt: false}",
        "disqualify",
        ["rule 'r'", "field 'demo' is boolean", "operator 'gt' does not apply"],
        id="gt-on-boolean",
    ),
    pytest.param(
        "{field: phone, ge: '5'}",
        "disqualify",
        ["rule 'r'", "field 'phone' is text", "operator 'ge' does not apply"],
        id="ge-on-attribute",
    ),
    pytest.param(
        "{field: visits, gt: many}",
        "disqualify",
        ["rule 'r'", "field 'visits' is numeric", "'many' is not a number"],
        id="text-for-numeric",
    ),
    pytest.param(
        "{field: demo, eq: maybe}",
        "disqualify",
        ["rule 'r'", "field 'demo' is boolean", "'maybe' is not true or false"],
        id="text-for-boolean",
    ),
    pytest.param(
        "{field: first_seen, lt: soon}",
        "disqualify",
        ["rule 'r'", "field 'first_seen' is date", "'soon' is not a date"],
        id="text-for-date",
    ),
    pytest.param(
        "{field: country, in: [SE, NO]}",
        "disqualify",
        ["rule 'r'", "field 'country' is categorical", "False is a yes/no value", "quote it"],
        id="unquoted-no",
    ),
    pytest.param(
        "{field: country, in: US}",
        "disqualify",
        ["rule 'r'", "field 'country'", "'in' needs a non-empty list"],
        id="in-without-list",
    ),
    pytest.param(
        "{field: country, missing: false}",
        "disqualify",
        ["rule 'r'", "field 'country'", "'missing' takes only true"],
        id="missing-false",
    ),
    pytest.param(
        "{field: country, eq: null}", "disqualify", ["rule 'r'", "field 'country'", "use missing: true"],
        id="eq-null",
    ),
    pytest.param(
        "{all: []}", "disqualify", ["rule 'r'", "when.all", "at least one condition"], id="empty-all"
    ),
    pytest.param(
        "{fields: country, eq: US}", "disqualify", ["rule 'r'", "when", "a condition is", "'fields'"],
        id="not-a-condition",
    ),
    pytest.param(
        "{field: country, eq: US}", "{cap: E}", ["rule 'r'", "cap 'E' is not a grade", "A, B, C, D"],
        id="cap-unknown-grade",
    ),
    pytest.param(
        "{field: country, eq: US}",
        "{floor: a}",
        ["rule 'r'", "floor 'a' is not a grade"],
        id="floor-unknown-grade",
    ),
    pytest.param(
        "{field: country, eq: US}", "{require: [phone], cap: X}", ["rule 'r'", "cap 'X' is not a grade"],
        id="require-cap-unknown-grade",
    ),
    pytest.param(
        "{field: country, eq: US}",
        "{require: [phon]}",
        ["rule 'r'", "require: field 'phon' is not a lead field of profile 'shop'"],
        id="require-unknown-field",
    ),
    pytest.param(
        "{field: country, eq: US}", "disqualified", ["rule 'r'", "then: an effect is", "got 'disqualified'"],
        id="unknown-effect",
    ),
    pytest.param(
        "{field: country, eq: US}",
        "{cap: C, floor: A}",
        ["rule 'r'", "floor", "Extra inputs are not permitted"],
        id="two-effects",
    ),
]


@pytest.mark.parametrize(("when", "then", "expected"), BAD_RULES)
def test_a_bad_rule_is_refused_naming_rule_field_and_problem(
    profile: Profile, when: str, then: str, expected: list[str]
) -> None:
    with pytest.raises(AgreementError) as caught:
        parse_agreement(with_rule(when, then), profile, source="agreements/test.yaml")
    message = str(caught.value)
    assert message.startswith("agreement agreements/test.yaml: ")
    assert "\n" not in message
    for part in expected:
        assert part in message


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        pytest.param(
            "  - {id: r, when: {field: country, eq: US}, then: disqualify}\n",
            ["rule 'r'", "has no text"],
            id="no-text",
        ),
        pytest.param(
            "  - {id: r, text: '  ', when: {field: country, eq: US}, then: disqualify}\n",
            ["rule 'r'", "has no text"],
            id="blank-text",
        ),
        pytest.param(
            "  - {id: r, text: t, then: {cap: C}}\n",
            ["rule 'r'", "has no 'when'", "only a require rule"],
            id="no-when",
        ),
        pytest.param(
            "  - {id: r, text: t, when: {field: country, eq: US}, then: disqualify}\n"
            "  - {id: r, text: u, when: {field: country, eq: DE}, then: disqualify}\n",
            ["rule 'r'", "used by more than one rule (rules 1, 2)"],
            id="duplicate-id",
        ),
        pytest.param(
            "  - {id: Price Rule, text: t, when: {field: country, eq: US}, then: disqualify}\n",
            ["rule 'Price Rule'", "lower-case letters"],
            id="bad-id",
        ),
        pytest.param(
            "  - {text: t, when: {field: country, eq: US}, then: disqualify}\n",
            ["rule #1", "id: Field required"],
            id="no-id",
        ),
        pytest.param(
            "  - {id: r, text: t, when: {field: country, eq: US}, then: disqualify, because: x}\n",
            ["rule 'r'", "because", "Extra inputs are not permitted"],
            id="unknown-key",
        ),
    ],
)
def test_a_bad_rule_entry_is_refused(profile: Profile, rules: str, expected: list[str]) -> None:
    with pytest.raises(AgreementError) as caught:
        parse_agreement(HEAD + "rules:\n" + rules, profile)
    for part in expected:
        assert part in str(caught.value)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param("B: 0.25", "B: 0.60", ["grades: B (0.6) must be below A (0.5)"], id="order"),
        pytest.param("C: 0.10", "C: 0.25", ["grades: C (0.25) must be below B (0.25)"], id="equal-bounds"),
        pytest.param("A: 0.50", "A: 1.0", ["grades: A = 1.0 is not a probability strictly between 0 and 1"]),
        pytest.param("C: 0.10", "C: 0", ["grades: C = 0.0 is not a probability strictly between 0 and 1"]),
        pytest.param("C: 0.10", "C: -0.1", ["grades: C = -0.1"], id="negative"),
        pytest.param("B: 0.25", "E: 0.25", ["grades: the grades must be A, B, C, got A, C, E"], id="letters"),
        pytest.param("A: 0.50", "A: high", ["grades.A", "valid number"], id="not-a-number"),
        pytest.param("D: not now}", "D: not now, E: x}", ["labels: 'E' is not a grade"], id="label-unknown"),
        pytest.param(", D: not now}", "}", ["labels: grade 'D' has no label"], id="label-missing"),
        pytest.param("A: hot,", "A: '',", ["labels: grade 'A' has an empty label"], id="label-empty"),
        pytest.param("{A: 4,", "{F: 4,", ["follow_up_hours: 'F' is not a grade"], id="follow-up-unknown"),
        pytest.param("{A: 4,", "{A: 0,", ["follow_up_hours.A", "greater than 0"], id="follow-up-zero"),
        pytest.param('version: "2026-11-01"\n', "", ["version: Field required"], id="no-version"),
        pytest.param('sales: "Head of Sales", ', "", ["signed_off.sales: Field required"], id="no-signature"),
        pytest.param("version:", "versions:", ["versions: Extra inputs are not permitted"], id="unknown-key"),
    ],
)
def test_a_bad_header_is_refused(profile: Profile, old: str, new: str, expected: list[str]) -> None:
    assert old in HEAD
    with pytest.raises(AgreementError) as caught:
        parse_agreement(HEAD.replace(old, new, 1), profile)
    for part in expected:
        assert part in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(HEAD + "rules: [\n", "not valid YAML", id="invalid-yaml"),
        pytest.param("- a\n- b\n", "expected a mapping at the top level, got list", id="list"),
        pytest.param("just text\n", "expected a mapping at the top level, got str", id="scalar"),
        pytest.param("", "got an empty file", id="empty"),
        pytest.param(HEAD + "grades: {A: 0.6}\n", "key 'grades' is given twice", id="duplicate-key"),
    ],
)
def test_a_file_that_is_not_an_agreement_is_refused(profile: Profile, text: str, expected: str) -> None:
    with pytest.raises(AgreementError, match=re.escape(expected)):
        parse_agreement(text, profile)


def test_a_python_tag_is_refused_and_never_executed(profile: Profile, tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    path = tmp_path / "evil.yaml"
    path.write_text(HEAD + f'rules: !!python/object/apply:os.mkdir ["{marker}"]\n', encoding="utf-8")
    with pytest.raises(AgreementError, match="refused: could not determine a constructor"):
        load_agreement(path, profile)
    assert not marker.exists()


def test_a_python_object_tag_is_refused(profile: Profile) -> None:
    with pytest.raises(AgreementError, match="python/object:collections.OrderedDict"):
        parse_agreement(HEAD + "rules: !!python/object:collections.OrderedDict {}\n", profile)


def test_a_missing_file_is_named(profile: Profile, tmp_path: Path) -> None:
    with pytest.raises(AgreementError, match=r"agreement .*nowhere\.yaml: file not found"):
        load_agreement(tmp_path / "nowhere.yaml", profile)


def test_agreement_error_is_a_value_error() -> None:
    assert issubclass(AgreementError, ValueError)


# --- version, shape and immutability ------------------------------------------------------------


def test_version_is_declared_version_plus_content_hash(profile: Profile, tmp_path: Path) -> None:
    path = tmp_path / "agreement.yaml"
    path.write_text(HEAD, encoding="utf-8")
    agreement = load_agreement(path, profile)
    assert agreement.declared_version == "2026-11-01"
    assert agreement.version == "2026-11-01+" + hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    assert parse_agreement(HEAD, profile).version == agreement.version


@pytest.mark.parametrize(
    ("old", "new"),
    [("C: 0.10", "C: 0.11"), ("not now", "later"), ("Head of Sales", "CRO"), ("\n", "\n\n")],
)
def test_version_changes_when_content_changes(profile: Profile, old: str, new: str) -> None:
    changed = parse_agreement(HEAD.replace(old, new, 1), profile)
    assert changed.declared_version == "2026-11-01"
    assert changed.version != parse_agreement(HEAD, profile).version


def test_an_unquoted_date_version_reads_as_text(profile: Profile) -> None:
    agreement = parse_agreement(HEAD.replace('"2026-11-01"', "2026-11-01", 1), profile)
    assert re.fullmatch(r"2026-11-01\+[0-9a-f]{8}", agreement.version)


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


def test_frame_evaluation_reads_typed_columns(profile: Profile) -> None:
    check = parse_agreement(with_rule("{field: visits, ge: 3}"), profile).checks[0]
    frame = pd.DataFrame({"visits": pd.array([1, 3, None], dtype="Int64")})
    assert check.hits(frame).tolist() == [False, True, False]
    assert [check.hit(row) is not None for row in frame.to_dict("records")] == [False, True, False]
    categorical = parse_agreement(with_rule("{field: country, in: [US]}"), profile).checks[0]
    countries = pd.DataFrame({"country": pd.Categorical(["US", None, "DE"])})
    assert categorical.hits(countries).tolist() == [True, False, False]
    assert np.asarray(categorical.hits(countries.iloc[:0])).shape == (0,)


# --- the demo agreement -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Agreement:
    return load_agreement(ROOT / "agreements" / "demo.yaml", load_profile(ROOT / "profiles" / "demo.yaml"))


def test_demo_agreement_loads_against_the_demo_profile(demo: Agreement) -> None:
    assert dict(demo.grades) == {"A": 0.5, "B": 0.25, "C": 0.1}
    assert dict(demo.labels) == {"A": "hot", "B": "warm", "C": "cold", "D": "not now"}
    assert dict(demo.follow_up_hours) == {"A": 4, "B": 24, "C": 72}
    assert demo.signed_off.sales.strip() and demo.signed_off.marketing.strip()
    assert re.fullmatch(r"2026-11-01\+[0-9a-f]{8}", demo.version)


@pytest.mark.parametrize(
    ("rule_id", "effect"),
    [
        ("price-too-high-market", "disqualify"),
        ("student", "disqualify"),
        ("competitor", "disqualify"),
        ("curious-not-buying", "cap C"),
        ("icp-demo", "floor B"),
        ("contact-data", "require"),
    ],
)
def test_demo_agreement_has_the_practitioners_rules(demo: Agreement, rule_id: str, effect: str) -> None:
    rule = next(rule for rule in demo.rules if rule.id == rule_id)
    assert rule.effect == effect
    assert len(rule.text.split()) >= 8  # a sentence a seller can read, not a code
