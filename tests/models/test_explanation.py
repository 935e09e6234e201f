"""Explanations as data: reasons from TreeSHAP for fixed leads, their evidence and order, suggestions, no signal."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from features.profile import Profile
from models.agreement import load_agreement
from models.explanation import MAX_REASONS, MAX_SUGGESTIONS, MIN_GAIN, MIN_STRENGTH, Reason, reasons
from models.registry import LeadModel, Registry
from models.scoring import Scorer
from tests.conftest import DEMO_AGREEMENT
from training.job import TrainResult

# Fixed leads: an ordinary mid-size prospect, varied one field at a time.
PROSPECT: dict[str, Any] = {
    "lead_id": "L-prospect", "lead_source": "referral", "campaign": "partner-summit", "country": "DE",
    "industry": "manufacturing", "company_size": "51-200", "role": "operations", "seniority": "manager",
    "email_domain": "corporate", "existing_customer": False, "website_visits": 3, "pricing_page_views": 0,
    "content_downloads": 1, "webinar_attended": False, "demo_requested": True, "email_opens": 3,
    "days_since_last_activity": 10, "stated_need": True, "timeline": "this_year", "budget": "planned",
    "phone": "+49 30 1234567"}
IDLE = {**PROSPECT, "lead_id": "L-idle", "demo_requested": False, "days_since_last_activity": 120}


@pytest.fixture(scope="module")
def model(trained: TrainResult, tracking_uri: str, demo_profile: Profile) -> LeadModel:
    return Registry(tracking_uri, demo_profile.registered_model).load(trained.version)


@pytest.fixture(scope="module")
def scorer(model: LeadModel, demo_profile: Profile) -> Scorer:
    return Scorer(model, load_agreement(DEMO_AGREEMENT, demo_profile), demo_profile)


def reason_on(reasons: list[Reason], field: str) -> Reason:
    found = [r for r in reasons if r.field == field]
    assert found, f"no reason on {field} among {[r.field for r in reasons]}"
    return found[0]


def test_a_referral_that_asked_for_a_demo_is_raised_by_the_demo(scorer: Scorer, demo_profile: Profile) -> None:
    score = scorer.score_one(PROSPECT)
    demo = reason_on(score.reasons, "demo_requested")
    assert demo.direction == "raises" and demo.value is True
    evidence = scorer.estimator.evidence_
    group = evidence.group(demo_profile.feature("demo_requested"), True)
    assert group is not None and demo.evidence is not None
    assert demo.evidence == {"group": {"kind": "value", "value": True}, "win_rate": round(group.win_rate, 4),
                             "leads": group.leads, "base_rate": round(evidence.base_rate, 4)}
    assert round(100 * group.win_rate) > round(100 * evidence.base_rate)
    assert reason_on(score.reasons, "lead_source").direction == "raises"


def test_a_lead_idle_for_120_days_is_lowered_by_it(scorer: Scorer) -> None:
    score = scorer.score_one(IDLE)
    idle = reason_on(score.reasons, "days_since_last_activity")
    assert idle.direction == "lowers" and idle.value == 120
    assert idle.evidence is None or idle.evidence["group"]["kind"] == "range"
    assert idle.strength == max(r.strength for r in score.reasons if r.direction == "lowers")
    assert score.probability < scorer.score_one({**IDLE, "days_since_last_activity": 2}).probability


@pytest.mark.parametrize("lead", [PROSPECT, IDLE, {**PROSPECT, "lead_source": "cold_outbound", "budget": None}])
def test_reasons_come_strongest_first_within_each_direction(scorer: Scorer, lead: dict[str, Any]) -> None:
    score = scorer.score_one(lead)
    directions = [r.direction for r in score.reasons]
    assert directions == sorted(directions, key=["raises", "lowers"].index)  # raises, then lowers
    for direction in ("raises", "lowers"):
        strengths = [r.strength for r in score.reasons if r.direction == direction]
        assert strengths == sorted(strengths, reverse=True)
        assert len(strengths) <= MAX_REASONS
    assert all(r.strength >= round(MIN_STRENGTH, 3) for r in score.reasons)


def test_reason_direction_and_strength_are_the_contributions(scorer: Scorer) -> None:
    estimator = scorer.estimator
    contributions = estimator.contributions(estimator.encoder_.encode_lead(PROSPECT))[0]
    by_field = dict(zip([f.name for f in estimator.features], contributions, strict=False))
    for reason in scorer.score_one(PROSPECT).reasons:
        assert reason.direction == ("raises" if by_field[reason.field] > 0 else "lowers")
        assert reason.strength == round(abs(by_field[reason.field]), 3)


def test_a_batch_shares_what_its_reasons_show_except_each_rare_category_s_own_value(scorer: Scorer) -> None:
    """Leads of one batch share each (field, encoded value, direction)'s shown value and evidence; leads from
    countries too rare to have a category share the code, yet each reason names the lead's own country."""
    estimator = scorer.estimator
    names = [f.name for f in estimator.features]
    leads = [{**PROSPECT, "country": country} for country in ("Atlantis", "Lemuria", "Atlantis", "DE")]
    rows = estimator.encoder_.encode_leads(leads)
    country = names.index("country")
    assert rows[0, country] == rows[1, country] != rows[3, country]  # one code for the rare ones
    pulls = np.zeros((len(leads), len(names) + 1))
    pulls[:, country], pulls[:, names.index("demo_requested")] = 0.8, -0.3
    memo: dict[Any, Any] = {}
    shared = [reasons(estimator, pulls[i], rows[i], lead, memo) for i, lead in enumerate(leads)]
    alone = [reasons(estimator, pulls[i], rows[i], lead) for i, lead in enumerate(leads)]
    assert shared == alone
    assert [r[0].value for r in shared] == ["Atlantis", "Lemuria", "Atlantis", "DE"]
    assert [r[1].value for r in shared] == [True] * 4 and shared[0][1].evidence is shared[3][1].evidence


def test_suggestions_raise_the_probability_and_hold_when_applied(scorer: Scorer, demo_profile: Profile) -> None:
    lead = {**PROSPECT, "demo_requested": False, "lead_source": "web_form"}
    score = scorer.score_one(lead)
    assert 0 < len(score.suggestions) <= MAX_SUGGESTIONS
    probabilities = [s.probability for s in score.suggestions]
    assert probabilities == sorted(probabilities, reverse=True)
    for suggestion in score.suggestions:
        assert demo_profile.feature(suggestion.field).actionable
        assert suggestion.probability >= score.probability + MIN_GAIN
        applied = scorer.score_one({**lead, suggestion.field: suggestion.value}, explain=False)
        assert applied.probability == pytest.approx(suggestion.probability, abs=1e-4)
    assert len({s.field for s in score.suggestions}) == len(score.suggestions)  # one change per field


def test_a_model_without_signal_gives_no_reasons(model: LeadModel, demo_profile: Profile) -> None:
    flat = dataclasses.replace(model, card={**model.card, "signal": False})
    scorer = Scorer(flat, load_agreement(DEMO_AGREEMENT, demo_profile), demo_profile)
    assert not scorer.signal
    for score in [scorer.score_one(PROSPECT), *scorer.score_many([PROSPECT, IDLE])]:
        assert score.reasons == [] and score.suggestions == []
