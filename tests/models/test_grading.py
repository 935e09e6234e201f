"""Grading: effects, precedence between rules, require, and batch grading agreeing with one-by-one."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from features.profile import Profile, load_profile
from models.agreement import Agreement, load_agreement, parse_agreement
from models.grading import Decision, grade_frame, grade_lead

ROOT = Path(__file__).resolve().parents[2]

HEAD = """\
version: "2026-11-01"
signed_off: {sales: "Head of Sales", marketing: "Head of Marketing", date: 2026-11-01}
grades: {A: 0.50, B: 0.25, C: 0.10}
labels: {A: hot, B: warm, C: cold, D: not now}
rules:
"""

# one probability per model grade
P = {"A": 0.7, "B": 0.3, "C": 0.15, "D": 0.05}


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
                {"name": "visits", "kind": "numeric"},
                {"name": "demo", "kind": "boolean"},
                {"name": "first_seen", "kind": "date"},
            ],
            "attributes": [{"name": "phone"}, {"name": "email"}],
        }
    )


def rule(rule_id: str, then: str) -> str:
    """A rule that fires when the lead's country is the rule's id or 'all'."""
    when = f"{{field: country, in: [{rule_id}, all]}}"
    return f"{{id: {rule_id}, text: Agreed rule {rule_id}., when: {when}, then: {then}}}"


RULES = {
    "dq": rule("dq", "disqualify"),
    "dq2": rule("dq2", "disqualify"),
    "cap-b": rule("cap-b", "{cap: B}"),
    "cap-c": rule("cap-c", "{cap: C}"),
    "cap-c2": rule("cap-c2", "{cap: C}"),
    "floor-a": rule("floor-a", "{floor: A}"),
    "floor-b": rule("floor-b", "{floor: B}"),
    "floor-b2": rule("floor-b2", "{floor: B}"),
}


def agreement_with(profile: Profile, *rule_ids: str) -> Agreement:
    return parse_agreement(HEAD + "".join(f"  - {RULES[r]}\n" for r in rule_ids), profile)


def grade_fired(profile: Profile, rule_ids: tuple[str, ...], model_grade: str) -> Decision:
    """Grade a lead on which every given rule fires (the rules are written in the given order)."""
    return grade_lead(agreement_with(profile, *rule_ids), P[model_grade], {"country": "all"})


# --- each effect alone --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "model_grade", "grade", "label", "deciding"),
    [
        ("dq", "A", "D", "disqualified", "dq"),
        ("dq", "D", "D", "disqualified", "dq"),
        ("cap-c", "A", "C", "cold", "cap-c"),
        ("cap-c", "C", "C", "cold", None),  # fired, but the grade was already there
        ("cap-c", "D", "D", "not now", None),  # a cap never raises
        ("floor-b", "D", "B", "warm", "floor-b"),
        ("floor-b", "B", "B", "warm", None),
        ("floor-b", "A", "A", "hot", None),  # a floor never lowers
    ],
)
def test_each_effect(
    profile: Profile, rule_id: str, model_grade: str, grade: str, label: str, deciding: str | None
) -> None:
    decision = grade_fired(profile, (rule_id,), model_grade)
    assert (decision.model_grade, decision.grade, decision.label) == (model_grade, grade, label)
    assert decision.disqualified is (rule_id == "dq")
    assert decision.deciding_rule == deciding
    assert [f.id for f in decision.fired] == [rule_id]


@pytest.mark.parametrize(
    ("rule_id", "effect"), [("dq", "disqualify"), ("cap-c", "cap C"), ("floor-b", "floor B")]
)
def test_fired_rule_carries_effect_and_text(profile: Profile, rule_id: str, effect: str) -> None:
    fired = grade_fired(profile, (rule_id,), "B").fired[0]
    assert (fired.effect, fired.missing) == (effect, ())
    assert fired.text.endswith(".")


def test_no_rule_fires(profile: Profile) -> None:
    decision = grade_lead(agreement_with(profile, *RULES), P["B"], {"country": "elsewhere"})
    assert decision == Decision("B", "B", "warm", False, (), None)


# --- precedence between rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "model_grade", "grade", "deciding", "order"),
    [
        # a hard cap beats a floor, whichever is written first
        (("floor-a", "cap-c"), "D", "C", "cap-c", ["cap-c", "floor-a"]),
        (("cap-c", "floor-a"), "D", "C", "cap-c", ["cap-c", "floor-a"]),
        (("floor-a", "cap-c"), "A", "C", "cap-c", ["cap-c", "floor-a"]),
        # the floor decides when the cap does not bind
        (("floor-b", "cap-b"), "D", "B", "floor-b", ["floor-b", "cap-b"]),
        # disqualify beats caps and floors
        (("cap-c", "dq"), "A", "D", "dq", ["dq", "cap-c"]),
        (("floor-a", "dq", "cap-b"), "B", "D", "dq", ["dq", "floor-a", "cap-b"]),
        # two caps: the lowest wins; two floors: the highest wins
        (("cap-b", "cap-c"), "A", "C", "cap-c", ["cap-c", "cap-b"]),
        (("cap-c", "cap-b"), "A", "C", "cap-c", ["cap-c", "cap-b"]),
        (("floor-b", "floor-a"), "D", "A", "floor-a", ["floor-a", "floor-b"]),
        (("floor-a", "floor-b"), "D", "A", "floor-a", ["floor-a", "floor-b"]),
        # ties go to the rule written first
        (("cap-c2", "cap-c"), "A", "C", "cap-c2", ["cap-c2", "cap-c"]),
        (("floor-b2", "floor-b"), "D", "B", "floor-b2", ["floor-b2", "floor-b"]),
        (("dq2", "dq"), "A", "D", "dq2", ["dq2", "dq"]),
        # nothing binds: no deciding rule, file order kept
        (("floor-b", "cap-b"), "B", "B", None, ["floor-b", "cap-b"]),
    ],
)
def test_precedence(
    profile: Profile,
    rules: tuple[str, ...],
    model_grade: str,
    grade: str,
    deciding: str | None,
    order: list[str],
) -> None:
    decision = grade_fired(profile, rules, model_grade)
    assert (decision.model_grade, decision.grade, decision.deciding_rule) == (model_grade, grade, deciding)
    assert [f.id for f in decision.fired] == order
    assert decision.disqualified is (deciding in ("dq", "dq2"))


# --- require ------------------------------------------------------------------------------------

REQUIRE = HEAD + "  - {id: contact, text: We need a way to reach them., then: {require: [phone, email]}}\n"


@pytest.mark.parametrize(
    ("lead", "missing"),
    [
        ({"phone": "+1 555", "email": "a@b.c"}, None),
        ({"phone": None, "email": "a@b.c"}, ("phone",)),
        ({"phone": "+1 555", "email": "  "}, ("email",)),
        ({"phone": math.nan}, ("phone", "email")),
        ({}, ("phone", "email")),
    ],
)
def test_require_lists_the_missing_fields_and_caps(
    profile: Profile, lead: dict[str, Any], missing: tuple[str, ...] | None
) -> None:
    decision = grade_lead(parse_agreement(REQUIRE, profile), P["A"], lead)
    if missing is None:
        assert (decision.grade, decision.fired) == ("A", ())
        return
    assert decision.grade == "C"  # the default cap of a require rule
    assert decision.deciding_rule == "contact"
    assert decision.fired[0].missing == missing
    assert decision.fired[0].effect == "require"


def test_require_with_its_own_cap_and_condition(profile: Profile) -> None:
    text = HEAD + (
        "  - id: us-phone\n"
        "    text: US leads need a phone.\n"
        "    when: {field: country, eq: US}\n"
        "    then: {require: [phone], cap: B}\n"
    )
    agreement = parse_agreement(text, profile)
    assert grade_lead(agreement, P["A"], {"country": "US"}).grade == "B"
    assert grade_lead(agreement, P["A"], {"country": "DE"}).grade == "A"
    assert grade_lead(agreement, P["A"], {"country": "US", "phone": "+1"}).fired == ()


# --- the demo agreement on recognisable leads ---------------------------------------------------


@pytest.fixture(scope="module")
def demo_profile() -> Profile:
    return load_profile(ROOT / "profiles" / "demo.yaml")


@pytest.fixture(scope="module")
def demo(demo_profile: Profile) -> Agreement:
    return load_agreement(ROOT / "agreements" / "demo.yaml", demo_profile)


GOOD_LEAD = {
    "country": "US",
    "role": "it",
    "seniority": "director",
    "email_domain": "corporate",
    "stated_need": True,
    "timeline": "this_quarter",
    "demo_requested": True,
    "company_size": "201-1000",
    "phone": "+1 555 0100",
}


@pytest.mark.parametrize(
    ("changes", "probability", "grade", "deciding"),
    [
        ({}, 0.6, "A", None),
        ({}, 0.05, "B", "icp-demo"),
        ({"country": "IN"}, 0.9, "D", "price-too-high-market"),
        ({"role": "student"}, 0.9, "D", "student"),
        ({"seniority": "student", "role": None}, 0.9, "D", "student"),
        ({"email_domain": "competitor"}, 0.9, "D", "competitor"),
        (
            {"stated_need": None, "timeline": "no_timeline", "demo_requested": False},
            0.9,
            "C",
            "curious-not-buying",
        ),
        ({"stated_need": False, "timeline": None, "demo_requested": None}, 0.9, "C", "curious-not-buying"),
        ({"phone": None}, 0.9, "C", "contact-data"),
        ({"phone": None}, 0.05, "C", "contact-data"),  # the floor raises to B, the cap brings it back to C
        ({"company_size": "11-50"}, 0.05, "D", None),
    ],
)
def test_demo_agreement_on_typical_leads(
    demo: Agreement, changes: dict[str, Any], probability: float, grade: str, deciding: str | None
) -> None:
    decision = grade_lead(demo, probability, {**GOOD_LEAD, **changes})
    assert (decision.grade, decision.deciding_rule) == (grade, deciding)


# --- batch grading agrees with one-by-one -------------------------------------------------------


def random_demo_leads(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    """Leads drawn to hit every demo rule, with gaps (None, NaN, blank, absent) everywhere."""
    choices: dict[str, list[Any]] = {
        "country": ["US", "DE", "IN", "NG", "PK", "BR", " US ", None, math.nan, ""],
        "role": ["it", "finance", "student", None],
        "seniority": ["vp", "manager", "student", None],
        "email_domain": ["corporate", "free_mail", "competitor", None],
        "stated_need": [True, False, None],
        "timeline": ["now", "this_year", "no_timeline", None, math.nan],
        "demo_requested": [True, False, None],
        "company_size": ["1-10", "201-1000", "1000+", None],
        "phone": ["+1 555 0100", None, "", "  "],
        "website_visits": [0, 3, 12, None],
    }
    leads = []
    for _ in range(n):
        lead = {field: values[rng.integers(len(values))] for field, values in choices.items()}
        leads.append({k: v for k, v in lead.items() if rng.random() > 0.05})  # sometimes absent
    return leads


def assert_frame_matches_leads(agreement: Agreement, probabilities: np.ndarray, frame: pd.DataFrame) -> None:
    graded = grade_frame(agreement, probabilities, frame)
    assert list(graded.columns) == ["model_grade", "grade", "label", "disqualified", "rules", "deciding_rule"]
    assert graded.index.equals(frame.index)
    for (index, row), probability, lead in zip(graded.iterrows(), probabilities, frame.to_dict("records"), strict=True):
        decision = grade_lead(agreement, float(probability), lead)
        expected = [decision.model_grade, decision.grade, decision.label, decision.disqualified]
        assert [row.model_grade, row.grade, row.label, bool(row.disqualified)] == expected, index
        assert row.rules == [fired.id for fired in decision.fired], index
        assert row.deciding_rule == decision.deciding_rule, index


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grade_frame_agrees_with_grade_lead_on_random_leads(demo: Agreement, seed: int) -> None:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(random_demo_leads(rng, 300), index=pd.RangeIndex(1000, 1300))
    probabilities = rng.choice([0.0, 0.05, 0.1, 0.2, 0.25, 0.4, 0.5, 0.9, 1.0], size=len(frame))
    assert_frame_matches_leads(demo, probabilities, frame)


def test_grade_frame_agrees_on_typed_columns(profile: Profile) -> None:
    text = HEAD + (
        "  - {id: many-visits, text: Busy visitor., when: {field: visits, ge: 5}, then: {floor: B}}\n"
        "  - {id: old, text: Old lead., when: {field: first_seen, lt: 2025-06-01}, then: {cap: C}}\n"
        "  - {id: no-demo, text: No demo., when: {not: {field: demo, eq: true}}, then: {cap: B}}\n"
        "  - {id: us, text: US only., when: {field: country, ne: US}, then: disqualify}\n"
        "  - {id: reach, text: Reachable., then: {require: [phone, email]}}\n"
    )
    agreement = parse_agreement(text, profile)
    rng = np.random.default_rng(7)
    n = 300
    frame = pd.DataFrame(
        {
            "visits": pd.Series(rng.choice([0, 2, 5, 9, -1], n), dtype="Int64").where(rng.random(n) > 0.2),
            "first_seen": pd.to_datetime(rng.choice(["2025-01-01", "2025-12-01", None], n)),
            "demo": pd.Series(rng.choice([True, False, None], n), dtype=object),
            "country": pd.Categorical(rng.choice(["US", "DE", None], n)),
            "phone": pd.Series(rng.choice(["+1", "", None], n), dtype="str"),
            "email": rng.random(n),  # numbers in a text field are read as text
        }
    )
    assert_frame_matches_leads(agreement, rng.random(n), frame)


def test_grade_frame_on_no_rules_and_no_leads(profile: Profile) -> None:
    agreement = parse_agreement(HEAD + "  []\n", profile)
    graded = grade_frame(agreement, np.array([0.6, 0.01]), pd.DataFrame(index=[5, 6]))
    assert graded["grade"].tolist() == ["A", "D"]
    assert graded["rules"].tolist() == [[], []]
    assert grade_frame(agreement, np.array([]), pd.DataFrame()).empty


@pytest.mark.parametrize(
    ("probabilities", "message"),
    [(np.array([0.5]), "1 probabilities for 2 leads"), (np.array([0.5, 1.5]), "probability 1.5 at row 1")],
)
def test_grade_frame_refuses_bad_probabilities(
    demo: Agreement, probabilities: np.ndarray, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        grade_frame(demo, probabilities, pd.DataFrame({"country": ["US", "DE"]}))


@pytest.mark.parametrize("probability", [-0.1, 1.1, math.nan])
def test_grade_lead_refuses_a_non_probability(demo: Agreement, probability: float) -> None:
    with pytest.raises(ValueError, match="not between 0 and 1"):
        grade_lead(demo, probability, GOOD_LEAD)


def test_decision_is_immutable(demo: Agreement) -> None:
    decision = grade_lead(demo, 0.3, GOOD_LEAD)
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.grade = "A"  # type: ignore[misc]
