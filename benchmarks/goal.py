"""The quality goal on one history: the default path against the best peer, each taken over the repeats.

A model's figures on a drifting history move with its seed and, for trees, with the order of the fields, so
one run of each says little about what a user gets: every model is summarised by its mean over the repeats.
The default path must rank at least as well as the best-ranking peer, forecast within LOG_LOSS_SLACK of the
best-forecasting peer and be calibrated to ECE_LIMIT. Where no model has signal, it must say so and forecast
no worse than the prior.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

LOG_LOSS_SLACK = 0.005
ECE_LIMIT = 0.05


@dataclass(frozen=True)
class Summary:
    """One model's holdout figures over the repeats."""

    name: str
    roc_auc: float
    log_loss: float
    ece: float
    auc_range: tuple[float, float]
    signal: bool  # in most repeats the AUC interval excludes 0.5 and the log loss beats the prior's


def summarise(name: str, aucs: Sequence[float], log_losses: Sequence[float], eces: Sequence[float],
              signals: Sequence[bool]) -> Summary:
    """Means over the repeats, the AUC's range, and signal by majority."""
    return Summary(name, float(np.mean(aucs)), float(np.mean(log_losses)), float(np.mean(eces)),
                   (float(min(aucs)), float(max(aucs))), sum(signals) * 2 > len(signals))


def verdict(ours: Summary, peers: Sequence[Summary], prior_log_loss: float) -> tuple[bool, str]:
    """Whether the default path meets the goal against these peers, and why not when it does not."""
    calibration = [] if ours.ece <= ECE_LIMIT else [f"ECE {ours.ece:.3f} > {ECE_LIMIT}"]
    if not ours.signal:
        ranking = [p for p in peers if p.signal]
        misses = [f"says no signal, yet {p.name} ranks (ROC AUC {p.roc_auc:.3f})" for p in ranking[:1]]
        if ours.log_loss > prior_log_loss:
            misses.append(f"log loss {ours.log_loss:.4f} is worse than the prior's {prior_log_loss:.4f}")
        return _say(misses + calibration, f"no signal stated; log loss {ours.log_loss:.4f} against the prior's "
                                          f"{prior_log_loss:.4f}")
    top_auc = max(peers, key=lambda p: p.roc_auc)
    top_loss = min(peers, key=lambda p: p.log_loss)
    misses = []
    if ours.roc_auc < top_auc.roc_auc:
        misses.append(f"ROC AUC {ours.roc_auc:.3f} < {top_auc.roc_auc:.3f} ({top_auc.name})")
    if ours.log_loss > top_loss.log_loss + LOG_LOSS_SLACK:
        misses.append(f"log loss {ours.log_loss:.4f} > {top_loss.log_loss:.4f} + {LOG_LOSS_SLACK} ({top_loss.name})")
    return _say(misses + calibration, f"ROC AUC {ours.roc_auc:.3f} against {top_auc.roc_auc:.3f} ({top_auc.name}); "
                                      f"log loss {ours.log_loss:.4f} against {top_loss.log_loss:.4f} "
                                      f"({top_loss.name})")


def _say(misses: list[str], met: str) -> tuple[bool, str]:
    return (False, "not met: " + "; ".join(misses)) if misses else (True, "met: " + met)
