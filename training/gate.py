"""Promotion gate: a new version becomes champion only when it is not worse on the same holdout."""

from __future__ import annotations

from dataclasses import dataclass

from training.evaluation import Metrics

AUC_TOLERANCE = 0.005
LOG_LOSS_TOLERANCE = 0.005

RULE = (f"promote when there is no champion, or when on the same holdout the candidate's ROC AUC is at most "
        f"{AUC_TOLERANCE} below the champion's and its log loss at most {LOG_LOSS_TOLERANCE} above it; "
        "a candidate without predictive signal never replaces a champion that has it; and a history whose won rate "
        "shifted sharply in its last month never replaces a champion without --force")


@dataclass(frozen=True)
class Contender:
    """A model's figures on the shared holdout."""

    metrics: Metrics
    signal: bool


@dataclass(frozen=True)
class GateDecision:
    """Whether the candidate becomes champion, and why."""

    promote: bool
    reason: str
    forced: bool = False


def decide(candidate: Contender, champion: Contender | None, force: bool = False) -> GateDecision:
    """Apply the promotion rule; `force` promotes regardless and says so."""
    verdict = _compare(candidate, champion)
    if force and not verdict.promote:
        return GateDecision(True, f"forced: {verdict.reason}", forced=True)
    return verdict


def _compare(candidate: Contender, champion: Contender | None) -> GateDecision:
    if champion is None:
        return GateDecision(True, "no champion yet")
    new, old = candidate.metrics, champion.metrics
    if champion.signal and not candidate.signal:
        return GateDecision(False, "the candidate has no predictive signal and the champion has")
    if new.roc_auc < old.roc_auc - AUC_TOLERANCE:
        return GateDecision(False, f"ROC AUC {new.roc_auc:.4f} is below the champion's {old.roc_auc:.4f} "
                                   f"by more than {AUC_TOLERANCE}")
    if new.log_loss > old.log_loss + LOG_LOSS_TOLERANCE:
        return GateDecision(False, f"log loss {new.log_loss:.4f} is above the champion's {old.log_loss:.4f} "
                                   f"by more than {LOG_LOSS_TOLERANCE}")
    return GateDecision(True, f"not worse than the champion (ROC AUC {new.roc_auc:.4f} vs {old.roc_auc:.4f}, "
                              f"log loss {new.log_loss:.4f} vs {old.log_loss:.4f})")
