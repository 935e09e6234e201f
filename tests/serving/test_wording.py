"""The seller's sentences, rendered at the edge: reasons, evidence, suggestions and the heading, per language."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest

from features.profile import Feature, FeatureKind, Profile
from models.agreement import load_agreement
from models.explanation import Reason, Suggestion
from models.registry import LeadModel, Registry
from models.scoring import Scorer
from serving.language.wording import Wording
from tests.conftest import DEMO_AGREEMENT
from tests.models.test_explanation import IDLE, PROSPECT
from training.job import TrainResult

NO_SIGNAL = ("The model finds no predictive signal in this history; the grade comes from the agreed rules and the "
             "base rate.")


@pytest.fixture(scope="module")
def model(trained: TrainResult, tracking_uri: str, demo_profile: Profile) -> LeadModel:
    return Registry(tracking_uri, demo_profile.registered_model).load(trained.version)


@pytest.fixture(scope="module")
def scorer(model: LeadModel, demo_profile: Profile) -> Scorer:
    return Scorer(model, load_agreement(DEMO_AGREEMENT, demo_profile), demo_profile)


def english(scorer: Scorer) -> Wording:
    return Wording("en", scorer.profile, scorer.agreement)


def test_a_reason_reads_its_pull_then_its_evidence(scorer: Scorer) -> None:
    demo = next(r for r in scorer.score_one(PROSPECT).reasons if r.field == "demo_requested")
    said = english(scorer).reason(demo)
    evidence = demo.evidence or {}
    leads, rate, base = f"{evidence['leads']:,}", round(100 * evidence["win_rate"]), round(100 * evidence["base_rate"])
    assert said["sentence"] == (f"Demo requested: yes raises the chance of winning. Of {leads} past leads with demo "
                                f"requested yes, {rate}% were won, against {base}% overall.")
    assert said["display"] == "Demo requested" and said["evidence"]["leads"] == evidence["leads"]


def test_one_wording_says_each_reason_as_a_fresh_one_would(scorer: Scorer) -> None:
    """A Wording words a batch's alike reasons once: what it says of each is what a new Wording says."""
    leads = (PROSPECT, IDLE, {**PROSPECT, "website_visits": 30})
    reasons = [r for lead in leads for r in scorer.score_one(lead).reasons]
    first = reasons[0]
    variants = [dataclasses.replace(first, strength=9.0), dataclasses.replace(first, evidence=None),
                dataclasses.replace(first, direction="lowers"),
                dataclasses.replace(first, field="website_visits", value=1),
                dataclasses.replace(first, field="website_visits", value=True)]
    shared = english(scorer)
    said = [shared.reason(r) for r in [*reasons, *variants, *reasons]]
    assert said == [english(scorer).reason(r) for r in [*reasons, *variants, *reasons]]
    assert said[len(reasons)]["strength"] == 9.0 and said[len(reasons) + 1]["evidence"] is None
    assert said[len(reasons) + 3]["sentence"] != said[len(reasons) + 4]["sentence"]  # 1 and True read apart


def test_the_heading_is_the_grade_then_the_rules(scorer: Scorer) -> None:
    score = scorer.score_one(IDLE)
    heading = english(scorer).heading(score.decision, signal=True)
    assert heading == [f"Grade {score.decision.grade} ({score.decision.label}).",
                       *(rule.text for rule in score.decision.fired)]


def test_a_model_without_signal_says_so_in_every_language(model: LeadModel, demo_profile: Profile) -> None:
    flat = dataclasses.replace(model, card={**model.card, "signal": False})
    scorer = Scorer(flat, load_agreement(DEMO_AGREEMENT, demo_profile), demo_profile)
    decision = scorer.score_one(PROSPECT).decision
    notes = {code: Wording(code, demo_profile, scorer.agreement).heading(decision, signal=False)[-1]
             for code in ("en", "da", "nl", "pl")}
    assert notes["en"] == NO_SIGNAL
    assert len(set(notes.values())) == 4  # each language has its own sentence


def test_a_suggestion_reads_the_change_and_its_chance(scorer: Scorer) -> None:
    said = english(scorer).suggestion(Suggestion("demo_requested", True, 0.314))
    assert said["sentence"] == "If demo requested were yes, the chance of winning would be about 31%."
    assert Wording("da", scorer.profile, scorer.agreement).suggestion(
        Suggestion("demo_requested", True, 0.314))["sentence"].endswith("31\u00a0%.")


@pytest.mark.parametrize(("kind", "value", "said"), [
    (FeatureKind.boolean, True, "yes"), (FeatureKind.boolean, False, "no"), (FeatureKind.numeric, 12.0, "12"),
    (FeatureKind.numeric, 2.5, "2.5"), (FeatureKind.numeric, 1234.5, "1,234.5"),
    (FeatureKind.numeric, None, "none recorded"), (FeatureKind.numeric, math.nan, "none recorded"),
    (FeatureKind.categorical, "referral", "Referral"), (FeatureKind.categorical, "cold_outbound", "Cold outbound"),
    (FeatureKind.categorical, "IT", "IT")])
def test_values_are_said_as_a_seller_would(scorer: Scorer, kind: FeatureKind, value: Any, said: str) -> None:
    assert english(scorer).value(Feature(name="f", kind=kind), value) == said


def test_numbers_follow_the_locale(scorer: Scorer) -> None:
    feature = Feature(name="f", kind=FeatureKind.numeric)
    assert Wording("da", scorer.profile, scorer.agreement).value(feature, 1234.5) == "1.234,5"
    assert Wording("pl", scorer.profile, scorer.agreement).value(feature, 1234.5) == "1\u00a0234,5"


@pytest.mark.parametrize(("leads", "form"), [(1, " lead "), (2, " leady "), (5, " leadów "), (22, " leady "),
                                             (25, " leadów "), (112, " leadów ")])
def test_polish_counts_take_their_three_plural_forms(scorer: Scorer, leads: int, form: str) -> None:
    reason = Reason("campaign", None, "raises", 0.3,
                    {"group": {"kind": "missing"}, "win_rate": 0.2, "leads": leads, "base_rate": 0.1})
    assert form in Wording("pl", scorer.profile, scorer.agreement).reason(reason)["sentence"]


def test_an_unknown_language_is_english(scorer: Scorer) -> None:
    reason = Reason("campaign", None, "raises", 0.3, None)
    assert Wording("xx", scorer.profile, scorer.agreement).reason(reason) == english(scorer).reason(reason)
    assert Wording("xx", scorer.profile, scorer.agreement).code == "en"
