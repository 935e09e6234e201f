"""Texts in an agreement: valid Unicode, no control characters, bounded lengths; each refusal names the place."""

from __future__ import annotations

import pytest

from features.profile import Profile
from models.agreement import AgreementError, parse_agreement
from models.agreement.texts import text_problem
from tests.models.agreement.sample import HEAD, with_rule


def refusal(text: str, profile: Profile) -> str:
    with pytest.raises(AgreementError) as caught:
        parse_agreement(text, profile)
    message = str(caught.value)
    message.encode("utf-8")  # it reaches users in a JSON body: no lone surrogate may be quoted back
    return message


def with_text(rule_text: str) -> str:
    """A one-rule agreement whose rule text is this YAML double-quoted scalar's content."""
    return with_rule("{field: country, eq: US}").replace("text: A rule.", f'text: "{rule_text}"')


@pytest.mark.parametrize(
    ("escaped", "expected"),
    [
        pytest.param("bad \\ud800 text", "has a lone surrogate (U+D800) at character 5, which is not valid Unicode",
                     id="lone-surrogate"),
        pytest.param("bell \\a here", "has the control character U+0007 at character 6; only newline and tab",
                     id="control"),
        pytest.param("esc \\e[31m", "has the control character U+001B at character 5", id="escape"),
        pytest.param("cr \\r here", "has the control character U+000D at character 4", id="carriage-return"),
        pytest.param("abc \\u202e cba", "has the bidirectional control U+202E at character 5", id="bidi-override"),
        pytest.param("x" * 1001, "is 1001 characters long; at most 1000", id="too-long"),
    ],
)
def test_a_bad_rule_text_is_refused_naming_the_rule(profile: Profile, escaped: str, expected: str) -> None:
    message = refusal(with_text(escaped), profile)
    assert f"rule 'r': text: {expected}" in message


def test_a_rule_text_of_1000_characters_with_newlines_and_tabs_loads(profile: Profile) -> None:
    text = "Line one,\\tthen\\nline two. " + "x" * 975
    agreement = parse_agreement(with_text(text), profile)
    assert len(agreement.rules[0].text) == 1000 and "\n" in agreement.rules[0].text


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param("A: hot,", f"A: {'h' * 61},", "labels.A: is 61 characters long; at most 60", id="label-long"),
        pytest.param("A: hot,", 'A: "h\\ud800t",', "labels.A: has a lone surrogate (U+D800)", id="label-surrogate"),
        pytest.param('"2026-11-01"', f'"{"1" * 65}"', "version: is 65 characters long; at most 64", id="version-long"),
        pytest.param('"2026-11-01"', '"1.0+mine"', "version: '1.0+mine' must start with a letter or digit and hold "
                     "only letters, digits, '.', '_' and '-'", id="version-plus"),
        pytest.param('"2026-11-01"', '"v\\ud800"', "version: 'v\\ud800' must start", id="version-surrogate"),
        pytest.param('"2026-11-01"', '" "', "version: is empty", id="version-blank"),
        pytest.param('"Head of Sales"', f'"{"s" * 101}"', "signed_off.sales: is 101 characters long; at most 100",
                     id="signer-long"),
        pytest.param('"Head of Marketing"', '"Head \\x00"', "signed_off.marketing: has the control character U+0000",
                     id="signer-nul"),
        pytest.param("A: 0.50,", '"\\ud800": 0.50,', "grades: the grades must be A, B, C, got B, C, '\\ud800'",
                     id="grade-key-surrogate"),
    ],
)
def test_a_bad_header_text_is_refused_naming_the_place(profile: Profile, old: str, new: str, expected: str) -> None:
    assert old in HEAD
    assert expected in refusal(HEAD.replace(old, new, 1), profile)


def test_an_over_long_rule_id_is_refused_with_the_limit(profile: Profile) -> None:
    message = refusal(with_rule("{field: country, eq: US}", rule_id="r" * 65), profile)
    assert "id: id is 65 characters long; at most 64" in message


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        pytest.param(f"{{field: country, eq: {'x' * 201}}}",
                     "field 'country': the value of 'eq' is 201 characters long; at most 200", id="value-long"),
        pytest.param('{field: country, in: [US, "U\\ud800"]}',
                     "field 'country': the value of 'in' has a lone surrogate (U+D800)", id="member-surrogate"),
        pytest.param(f"{{field: {'f' * 201}, eq: US}}", "when.field: is 201 characters long; at most 200",
                     id="field-long"),
        pytest.param("{field: visits, gt: .inf}", "field 'visits': the value of 'gt' inf is not a finite number",
                     id="infinite-value"),
        pytest.param(f"{{field: visits, gt: {2**64}}}", "is a whole number past 64 bits", id="huge-integer"),
    ],
)
def test_a_bad_condition_value_is_refused_naming_the_rule(profile: Profile, when: str, expected: str) -> None:
    message = refusal(with_rule(when), profile)
    assert "rule 'r': " in message and expected in message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("plain text, with\ttabs\nand newlines", None),
        ("ünïcödé ✓ 漢字 🙂", None),
        ("\ud800", "has a lone surrogate (U+D800) at character 1, which is not valid Unicode"),
        ("ok\x85", "has the control character U+0085 at character 3; only newline and tab may appear"),
        ("\u2066isolate", "has the bidirectional control U+2066 at character 1, which changes how the text reads"),
        ("x" * 41, "is 41 characters long; at most 40"),
    ],
)
def test_text_problem(text: str, problem: str | None) -> None:
    assert text_problem(text, 40) == problem
