"""Honesty about signal on real data: Maven's closed deals carry none, and the card and the gate say so."""

from __future__ import annotations

from pathlib import Path

from features.leakage import after_outcome_refusals, screen_features
from features.profile import load_profile
from features.source import load_history
from tests.conftest import needs_shared_data
from training.card import NO_SIGNAL, verdict
from training.checks import deduplicate
from training.evaluation import evaluate
from training.gate import Contender, decide
from training.job import TrainOptions, baseline_predictions, evaluate_models, fit_estimator, split_history

ROOT = Path(__file__).resolve().parents[2]
MAVEN = ROOT / "profiles" / "maven-crm.yaml"
pytestmark = needs_shared_data


def test_maven_has_no_predictive_signal_and_cannot_replace_a_champion_with_signal() -> None:
    profile = load_profile(MAVEN)
    options = TrainOptions(profile=MAVEN)
    closed, _ = deduplicate(load_history(profile).closed, profile.id)
    split = split_history(closed, options)
    refused = after_outcome_refusals(profile) + screen_features(
        profile, split.train.frame, split.train.won, split.holdout.frame, split.holdout.won)
    estimator = fit_estimator(profile, refused, split, options)
    evaluation, _ = evaluate_models(estimator, split, baseline_predictions(estimator, split), {"A": 0.5})
    assert not evaluation.signal
    assert evaluation.model.log_loss >= evaluation.base_log_loss or evaluation.auc_interval[0] <= 0.5
    assert verdict(evaluation).startswith(NO_SIGNAL)
    with_signal = Contender(evaluate(split.holdout.won, split.holdout.won * 0.8 + 0.1), signal=True)
    decision = decide(Contender(evaluation.model, evaluation.signal), with_signal)
    assert not decision.promote and "no predictive signal" in decision.reason
