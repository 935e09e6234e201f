"""Promotion gate: the stated rule, table-driven."""

from __future__ import annotations

import pytest

from training.evaluation import Metrics
from training.gate import AUC_TOLERANCE, Contender, decide


def contender(auc: float, log_loss: float, signal: bool = True) -> Contender:
    return Contender(Metrics(roc_auc=auc, pr_auc=0.5, brier=0.1, ece=0.01, log_loss=log_loss,
                             top_decile_lift=3.0, positive_rate=0.1, rows=1000), signal)


@pytest.mark.parametrize(("candidate", "champion", "promote", "reason"), [
    (contender(0.80, 0.30), None, True, "no champion yet"),
    (contender(0.80, 0.30), contender(0.80, 0.30), True, "not worse"),
    (contender(0.80 - AUC_TOLERANCE / 2, 0.30), contender(0.80, 0.30), True, "not worse"),
    (contender(0.78, 0.30), contender(0.80, 0.30), False, "ROC AUC 0.7800 is below"),
    (contender(0.81, 0.32), contender(0.80, 0.30), False, "log loss 0.3200 is above"),
    (contender(0.90, 0.20, signal=False), contender(0.80, 0.30), False, "no predictive signal"),
    (contender(0.52, 0.60, signal=False), contender(0.51, 0.61, signal=False), True, "not worse"),
])
def test_the_rule(candidate: Contender, champion: Contender | None, promote: bool, reason: str) -> None:
    decision = decide(candidate, champion)
    assert decision.promote is promote
    assert reason in decision.reason
    assert decision.forced is False


def test_force_promotes_and_says_so() -> None:
    decision = decide(contender(0.60, 0.50), contender(0.80, 0.30), force=True)
    assert decision.promote and decision.forced
    assert decision.reason.startswith("forced: ROC AUC")


def test_force_on_a_better_model_is_not_recorded_as_forced() -> None:
    decision = decide(contender(0.85, 0.25), contender(0.80, 0.30), force=True)
    assert decision.promote and not decision.forced
