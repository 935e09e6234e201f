"""Model card: what a model was trained on, what it refused, how it did, and what that means."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from features.leakage import Refusal
from features.profile import Profile
from models.propensity import PropensityEstimator
from training.evaluation import Metrics
from training.split import TimeSplit

NO_SIGNAL = "no predictive signal; grades come from the agreed rules and the base rate"


@dataclass(frozen=True)
class Evaluation:
    """Holdout figures of the model and the baseline."""

    model: Metrics
    baseline: Metrics
    auc_interval: tuple[float, float]
    signal: bool
    base_log_loss: float  # forecasting every holdout lead at the win rate before the holdout
    grade_bands: list[dict[str, Any]]
    drift: dict[str, Any]


def verdict(evaluation: Evaluation) -> str:
    """One sentence a reader of the card can act on."""
    low, high = evaluation.auc_interval
    if not evaluation.signal:
        if low <= 0.5 <= high or not (math.isfinite(low) and math.isfinite(high)):
            why = f"the holdout ROC AUC interval ({low:.3f}-{high:.3f}) contains 0.5"
        else:
            why = (f"holdout log loss {evaluation.model.log_loss:.4f} is no better than {evaluation.base_log_loss:.4f} "
                   "for the win rate before the holdout")
        return f"{NO_SIGNAL} ({why})"
    gap = evaluation.model.roc_auc - evaluation.baseline.roc_auc
    side = "above" if gap >= 0 else "below"
    return (f"predictive: holdout ROC AUC {evaluation.model.roc_auc:.3f} (95% interval {low:.3f}-{high:.3f}), "
            f"{abs(gap):.3f} {side} the logistic baseline")


def build_card(profile: Profile, split: TimeSplit, estimator: PropensityEstimator, refused: list[Refusal],
               evaluation: Evaluation, timings: dict[str, float], open_leads: int) -> dict[str, Any]:
    """The JSON card logged with every run and shipped inside the model."""
    importance = estimator.importance()
    return {
        "profile": profile.name,
        "registered_model": profile.registered_model,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": _data(split, open_leads),
        "features_used": [{"name": f.name, "display": f.label, "kind": f.kind.value,
                           "importance": round(importance.get(f.name, 0.0), 4)} for f in estimator.features],
        "features_refused": [r.as_dict() for r in refused],
        "metrics": {"model": evaluation.model.as_dict(), "baseline": evaluation.baseline.as_dict()},
        "auc_interval": list(evaluation.auc_interval),
        "signal": evaluation.signal,
        "base_rate_log_loss": round(evaluation.base_log_loss, 6),
        "verdict": verdict(evaluation),
        "grade_bands": evaluation.grade_bands,
        "drift": evaluation.drift,
        "model": {"trees": estimator.trees, "calibration": estimator.calibration,
                  "candidate": estimator.candidate.as_dict(), "seed": estimator.seed},
        "timings_seconds": timings,
    }


def _data(split: TimeSplit, open_leads: int) -> dict[str, Any]:
    parts = {"train": split.train, "valid": split.valid, "holdout": split.holdout}
    return {
        "window": split.window(),
        "rows": {name: int(len(part.won)) for name, part in parts.items()},
        "positive_rate": {name: round(float(part.won.mean()), 4) for name, part in parts.items()},
        "open_leads_not_trained_on": open_leads,
    }
