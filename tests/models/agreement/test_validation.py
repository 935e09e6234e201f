"""Validation: each problem names the rule, the field and what is wrong."""

from __future__ import annotations

import pytest

from features.profile import Profile
from models.agreement import AgreementError, parse_agreement
from tests.models.agreement.sample import HEAD, with_rule

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


def test_a_file_wrong_everywhere_is_refused_with_its_first_20_problems(profile: Profile) -> None:
    entries = "".join(f"  - {{id: r{n}, text: t, when: {{field: nowhere{n}, eq: x}}, then: disqualify}}\n"
                      for n in range(30))
    with pytest.raises(AgreementError) as caught:
        parse_agreement(HEAD + "rules:\n" + entries, profile)
    message = str(caught.value)
    assert "rule 'r19'" in message and "rule 'r20'" not in message
    assert message.endswith("; and 10 more problems")
