"""Scorer: the contribution-sum identity, one lead against many, grades from the agreement, bad values."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from features.encoder import FieldProblem
from features.profile import Profile
from models.agreement import load_agreement
from models.registry import Registry
from models.scoring import Scorer
from tests.conftest import DEMO_AGREEMENT
from training.job import TrainResult


@pytest.fixture(scope="module")
def scorer(trained: TrainResult, tracking_uri: str, demo_profile: Profile) -> Scorer:
    model = Registry(tracking_uri, demo_profile.registered_model).load(trained.version)
    return Scorer(model, load_agreement(DEMO_AGREEMENT, demo_profile), demo_profile)


@pytest.fixture(scope="module")
def history_leads(demo_data: Path, demo_profile: Profile) -> list[dict[str, Any]]:
    """Two hundred past leads as plain dicts, the way a CRM export would hand them over."""
    frame = pd.read_parquet(demo_data).sample(200, random_state=3)[demo_profile.lead_fields]
    return [{k: (None if v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v) for k, v in row.items()}
            for row in frame.astype(object).to_dict("records")]


def test_contributions_sum_to_the_margin(scorer: Scorer, history_leads: list[dict[str, Any]]) -> None:
    estimator = scorer.estimator
    for lead in history_leads[:20]:
        row = estimator.encoder_.encode_lead(lead)
        contributions = estimator.contributions(row)
        assert contributions.shape == (1, len(estimator.features) + 1)  # features, then the bias
        assert contributions.sum() == pytest.approx(float(estimator.margin(row)[0]), abs=1e-9)


def test_score_many_gives_what_score_one_gives(scorer: Scorer, history_leads: list[dict[str, Any]]) -> None:
    many = scorer.score_many(history_leads)
    ones = [scorer.score_one(lead) for lead in history_leads]
    assert [s.probability for s in many] == pytest.approx([s.probability for s in ones], abs=1e-12)
    assert [s.decision for s in many] == [s.decision for s in ones]
    assert [(s.reasons, s.suggestions, s.missing, s.decision) for s in many] == [
        (s.reasons, s.suggestions, s.missing, s.decision) for s in ones]


def test_without_explanations_the_probabilities_do_not_change(scorer: Scorer,
                                                              history_leads: list[dict[str, Any]]) -> None:
    leads = history_leads[:50]
    plain_many = scorer.score_many(leads, explain=False)
    plain_one = [scorer.score_one(lead, explain=False) for lead in leads]
    explained = scorer.score_many(leads)
    assert [s.probability for s in plain_many] == pytest.approx([s.probability for s in explained], abs=1e-12)
    assert [s.probability for s in plain_one] == pytest.approx([s.probability for s in explained], abs=1e-12)
    assert all(not s.reasons and not s.suggestions for s in plain_many + plain_one)


def test_probabilities_match_the_batch_table(scorer: Scorer, history_leads: list[dict[str, Any]]) -> None:
    table = scorer.grade_table(pd.DataFrame(history_leads))
    scores = scorer.score_many(history_leads, explain=False)
    assert table["probability"].to_numpy() == pytest.approx([s.probability for s in scores], abs=1e-12)
    assert table["grade"].tolist() == [s.decision.grade for s in scores]


def test_score_is_the_probability_in_points(scorer: Scorer, history_leads: list[dict[str, Any]]) -> None:
    for score in scorer.score_many(history_leads):
        assert 0.0 <= score.probability <= 1.0
        assert score.score == round(100 * score.probability)


def test_missing_lists_the_absent_features_in_profile_order(scorer: Scorer, demo_profile: Profile) -> None:
    score = scorer.score_one({"lead_id": "L-1", "country": "DE", "budget": " ", "website_visits": float("nan")})
    expected = [f.name for f in demo_profile.features if f.name != "country"]
    assert score.missing == expected
    assert score.lead_id == "L-1"


def test_a_too_expensive_market_is_disqualified(scorer: Scorer, demo_profile: Profile) -> None:
    lead = {"lead_id": "L-1", **demo_profile.example, "country": "NG"}
    score = scorer.score_one(lead)
    assert score.decision.disqualified and score.decision.deciding_rule == "price-too-high-market"
    assert score.decision.fired[0].id == "price-too-high-market"


@pytest.mark.parametrize(("field", "value"), [("website_visits", "lots"), ("demo_requested", "maybe"),
                                              ("email_opens", float("inf"))])
def test_a_value_that_does_not_fit_its_field_is_a_field_problem(scorer: Scorer, field: str, value: Any) -> None:
    with pytest.raises(FieldProblem) as one:
        scorer.score_one({"lead_id": "L-1", field: value})
    with pytest.raises(FieldProblem) as many:
        scorer.score_many([{"lead_id": "L-0"}, {"lead_id": "L-1", field: value}])
    assert one.value.field == many.value.field == field


def test_margin_is_the_log_odds_the_calibrator_reads(scorer: Scorer, history_leads: list[dict[str, Any]]) -> None:
    estimator = scorer.estimator
    matrix = estimator.encoder_.transform(pd.DataFrame(history_leads))
    expected = estimator.predict_proba(pd.DataFrame(history_leads))
    assert estimator.probability(estimator.margin(matrix)) == pytest.approx(expected, abs=1e-12)
    assert np.all(np.diff(estimator.probability(np.linspace(-5, 5, 11))) >= 0)  # calibration keeps the order
