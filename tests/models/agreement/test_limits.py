"""The bounds on rules, conditions, nesting and follow-up hours: each refusal names the rule and the limit."""

from __future__ import annotations

import json

import pytest

from features.profile import Profile
from models.agreement import AgreementError, parse_agreement
from models.agreement.limits import MAX_CONDITIONS, MAX_DEPTH, MAX_RULES
from tests.models.agreement.sample import HEAD

LEAF = "{field: country, eq: US}"


def rules(*entries: str) -> str:
    """An agreement text holding these rule entries (flow mappings)."""
    return HEAD + "rules:\n" + "".join(f"  - {entry}\n" for entry in entries)


def rule(rule_id: str, when: str) -> str:
    return f"{{id: {rule_id}, text: A rule., when: {when}, then: disqualify}}"


def nested(combinator: str, levels: int) -> str:
    """A condition `levels` deep: `levels - 1` combinators around one leaf."""
    condition = LEAF
    for _ in range(levels - 1):
        condition = f"{{not: {condition}}}" if combinator == "not" else f"{{{combinator}: [{condition}]}}"
    return condition


def refusal(text: str, profile: Profile) -> str:
    with pytest.raises(AgreementError) as caught:
        parse_agreement(text, profile)
    message = str(caught.value)
    message.encode("utf-8")  # it reaches users in a JSON body
    return message


# --- nesting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("combinator", "levels"), [("not", 250), ("all", 300), ("any", 33), ("not", 33)])
def test_conditions_nested_too_deep_are_refused_naming_the_rule(profile: Profile, combinator: str,
                                                                 levels: int) -> None:
    message = refusal(rules(rule("ok", LEAF), rule("deep", nested(combinator, levels))), profile)
    assert "rule 'deep': when: conditions nested more than 32 levels deep; at most 32 levels" in message
    assert "'ok'" not in message


def test_deep_nesting_in_block_style_is_refused_too(profile: Profile) -> None:
    when = "".join(f"\n{'  ' * (3 + level)}not:" for level in range(250)) + f" {LEAF}\n"
    text = HEAD + "rules:\n  - id: deep\n    text: A rule.\n    then: disqualify\n    when:" + when
    assert "rule 'deep': when: conditions nested more than 32 levels deep" in refusal(text, profile)


@pytest.mark.parametrize("combinator", ["not", "all", "any"])
def test_conditions_32_levels_deep_load_and_serialise(profile: Profile, combinator: str) -> None:
    agreement = parse_agreement(rules(rule("deep", nested(combinator, MAX_DEPTH))), profile)
    view = json.loads(json.dumps(agreement.to_dict()))
    assert view["rules"][0]["id"] == "deep"
    fires = combinator != "not" or (MAX_DEPTH - 1) % 2 == 0  # an odd number of nots around the leaf
    assert (agreement.checks[0].hit({"country": "US"}) is not None) is fires


# --- counts -------------------------------------------------------------------------------------


def test_201_rules_are_refused(profile: Profile) -> None:
    text = rules(*(rule(f"r{number}", LEAF) for number in range(MAX_RULES + 1)))
    assert "rules: 201 rules; an agreement holds at most 200 rules" in refusal(text, profile)


def test_200_rules_load(profile: Profile) -> None:
    assert len(parse_agreement(rules(*(rule(f"r{n}", LEAF) for n in range(MAX_RULES))), profile).rules) == 200


def any_of(leaves: int) -> str:
    return "{any: [" + ", ".join([LEAF] * leaves) + "]}"


def test_1001_conditions_are_refused_naming_the_rule_that_passes_the_limit(profile: Profile) -> None:
    text = rules(*(rule(f"r{number}", any_of(90)) for number in range(1, 12)))  # 11 x (1 any + 90 leaves)
    message = refusal(text, profile)
    assert "rule 'r11': when: the file passes 1000 conditions here" in message
    assert "at most 1000 in the whole file" in message


def test_1000_conditions_load(profile: Profile) -> None:
    text = rules(*(rule(f"r{number}", any_of(99)) for number in range(MAX_CONDITIONS // 100)))
    assert len(parse_agreement(text, profile).checks) == 10


def test_items_of_all_that_are_not_conditions_count_too(profile: Profile) -> None:
    text = rules(rule("wide", "{all: [" + ", ".join(["1"] * 2000) + "]}"))
    assert "rule 'wide': when: the file passes 1000 conditions here" in refusal(text, profile)


# --- follow-up hours ----------------------------------------------------------------------------


@pytest.mark.parametrize("hours", [".inf", "-.inf", ".nan", "1e12", "1.0e+12", "-1", "0", "8761"])
def test_follow_up_hours_out_of_bounds_are_refused(profile: Profile, hours: str) -> None:
    message = refusal(HEAD.replace("{A: 4,", f"{{A: {hours},"), profile)
    assert "follow_up_hours.A: " in message
    assert "a follow-up must be greater than 0 and at most 8760 hours (a year)" in message


def test_follow_up_hours_of_a_year_load(profile: Profile) -> None:
    agreement = parse_agreement(HEAD.replace("{A: 4,", "{A: 8760,"), profile)
    assert agreement.follow_up_hours["A"] == 8760


def test_a_rule_without_a_condition_counts_none(profile: Profile) -> None:
    requires = [f"{{id: q{n}, text: A rule., then: {{require: [phone]}}}}" for n in range(100)]
    text = rules(*(rule(f"r{number}", any_of(99)) for number in range(10)), *requires)
    assert len(parse_agreement(text, profile).checks) == 110
