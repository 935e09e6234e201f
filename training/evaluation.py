"""Holdout evaluation: ranking, calibration and lift metrics for a won/lost propensity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

LOG_LOSS_CLIP = 1e-6
LOWEST_BAND = "D"
# Resampled rows held in memory per bootstrap chunk (~16 MB of indices at int64).
_BOOTSTRAP_CELLS = 2_000_000


def _as_1d(values: np.ndarray, name: str) -> np.ndarray:
    """Return `values` as a one-dimensional float array or raise ValueError."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    return array


def _pair(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Validate labels and scores of equal, non-zero length; y must be 0/1."""
    y, p = _as_1d(y, "y"), _as_1d(p, "p")
    if len(y) != len(p):
        raise ValueError(f"y and p differ in length ({len(y)} vs {len(p)})")
    if len(y) == 0:
        raise ValueError("y and p are empty")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("y must contain only 0 and 1")
    return y, p


def _check_scores(p: np.ndarray) -> None:
    """Raise ValueError when a score is NaN or infinite."""
    if not np.isfinite(p).all():
        raise ValueError("p contains NaN or infinite values")


def _check_probabilities(p: np.ndarray) -> None:
    """Raise ValueError when p is not a finite probability in [0, 1]."""
    _check_scores(p)
    if (p < 0).any() or (p > 1).any():
        raise ValueError(f"p has values outside [0, 1] (min {p.min():.6g}, max {p.max():.6g})")


def _check_both_classes(y: np.ndarray) -> None:
    """Raise ValueError when y holds only won or only lost leads."""
    if y.min() == y.max():
        raise ValueError(f"y has a single class (every label is {int(y[0])}); both won and lost are needed")


def _bin_index(p: np.ndarray, bins: int, strategy: str) -> np.ndarray:
    """Calibration bin of each prediction (see `calibration_curve` for the edges)."""
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    if strategy == "quantile":
        # Duplicate quantiles collapse; with side="right" below, tied predictions never straddle an edge.
        edges = np.unique(np.quantile(p, np.linspace(0.0, 1.0, bins + 1)))
    elif strategy == "uniform":
        edges = np.linspace(0.0, 1.0, bins + 1)
    else:
        raise ValueError(f"strategy must be 'quantile' or 'uniform', got {strategy!r}")
    return np.searchsorted(edges[1:-1], p, side="right")


def calibration_curve(
    y: np.ndarray, p: np.ndarray, bins: int = 10, strategy: Literal["quantile", "uniform"] = "quantile"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean predicted probability, observed win rate and row count of each non-empty bin.

    "quantile" bins have edges at quantiles of p (about equal rows per bin; tied
    predictions are never split, so there may be fewer bins than asked for);
    "uniform" bins split [0, 1] into equal widths. Each bin is closed on the left.
    """
    y, p = _pair(y, p)
    _check_probabilities(p)
    index = _bin_index(p, bins, strategy)
    counts = np.bincount(index)
    keep = counts > 0
    mean_p = np.bincount(index, weights=p)[keep] / counts[keep]
    mean_y = np.bincount(index, weights=y)[keep] / counts[keep]
    return mean_p, mean_y, counts[keep]


def expected_calibration_error(
    y: np.ndarray, p: np.ndarray, bins: int = 10, strategy: Literal["quantile", "uniform"] = "quantile"
) -> float:
    """Row-weighted mean |mean(p) - mean(y)| over calibration bins.

    Quantile (equal-frequency) bins are the default because lead-score predictions
    crowd into a narrow range: equal-width bins would leave most bins empty and one
    bin holding most rows, hiding miscalibration inside it.
    """
    mean_p, mean_y, counts = calibration_curve(y, p, bins, strategy)
    return float(np.sum(counts * np.abs(mean_p - mean_y)) / counts.sum())


def top_decile_lift(y: np.ndarray, p: np.ndarray) -> float:
    """Win rate among the top 10 % of leads by p (at least one lead) over the overall win rate."""
    y, p = _pair(y, p)
    _check_scores(p)
    rate = y.mean()
    if rate == 0:
        raise ValueError("y has no won leads, so lift is undefined")
    top = -(-len(y) // 10)  # integer ceil: 0.1 * n in floats overshoots for some n
    # A stable sort keeps tied leads in input order, so the cut is reproducible.
    order = np.argsort(-p, kind="stable")[:top]
    return float(y[order].mean() / rate)


def cumulative_gains(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Share of leads contacted (by p, highest first) and share of won leads captured, from (0, 0)."""
    y, p = _pair(y, p)
    _check_scores(p)
    if y.sum() == 0:
        raise ValueError("y has no won leads, so gains are undefined")
    captured = np.cumsum(y[np.argsort(-p, kind="stable")])
    contacted = np.arange(len(y) + 1) / len(y)
    return contacted, np.concatenate(([0.0], captured / captured[-1]))


def _band_order(thresholds: Mapping[str, float]) -> list[tuple[str, float]]:
    """Bands from the highest lower bound down; bounds must be finite and distinct."""
    bands = [(str(name), float(bound)) for name, bound in thresholds.items()]
    names = [name for name, _ in bands]
    if LOWEST_BAND in names:
        raise ValueError(f"band {LOWEST_BAND!r} is reserved for leads below the lowest threshold")
    bounds = [bound for _, bound in bands]
    if not np.isfinite(bounds).all():
        raise ValueError(f"thresholds must be finite, got {dict(bands)}")
    if len(set(bounds)) != len(bounds):
        raise ValueError(f"thresholds must be distinct, got {dict(bands)}")
    return sorted(bands, key=lambda band: -band[1])


def _band_row(name: str, y: np.ndarray, p: np.ndarray) -> dict:
    """Leads, won leads, win rate and mean prediction of one band (None when empty)."""
    leads = len(y)
    return {
        "band": name,
        "leads": leads,
        "won": int(y.sum()),
        "win_rate": float(y.mean()) if leads else None,
        "mean_predicted": float(p.mean()) if leads else None,
    }


def grade_win_rates(y: np.ndarray, p: np.ndarray, thresholds: Mapping[str, float]) -> list[dict]:
    """Win rate per grade; thresholds are inclusive lower bounds of p, "D" below the lowest.

    Bands come out from the highest threshold down, then "D" (A, B, C, D for the usual names).
    """
    y, p = _pair(y, p)
    _check_probabilities(p)
    bands = _band_order(thresholds)
    ascending = np.array([bound for _, bound in reversed(bands)])
    # Band i has exactly i thresholds above p; "D" has all of them above.
    index = len(bands) - np.searchsorted(ascending, p, side="right")
    names = [name for name, _ in bands] + [LOWEST_BAND]
    return [_band_row(name, y[index == i], p[index == i]) for i, name in enumerate(names)]


@dataclass(frozen=True)
class Metrics:
    """Holdout metrics of one model, as plain floats and an int row count."""

    roc_auc: float
    pr_auc: float
    brier: float
    ece: float
    log_loss: float
    top_decile_lift: float
    positive_rate: float
    rows: int

    def as_dict(self) -> dict[str, float | int]:
        """The metrics as a JSON-ready dict."""
        return asdict(self)


def _score_groups(p: np.ndarray) -> tuple[np.ndarray, int]:
    """Rank of each score among the distinct scores (ascending), and how many are distinct."""
    distinct, codes = np.unique(p, return_inverse=True)
    return codes, len(distinct)


def _class_counts(codes: np.ndarray, labels: np.ndarray, groups: int, rows: np.ndarray) -> np.ndarray:
    """Counts of (negatives, positives) per distinct score for each row of sample indices `rows`.

    Returns an array of shape (2, samples, groups); a row index drawn twice counts twice.
    """
    samples = rows.shape[0]
    key = (np.arange(samples)[:, None] * groups + codes[rows]) * 2 + labels[rows]
    counts = np.bincount(key.ravel(), minlength=samples * groups * 2)
    return counts.reshape(samples, groups, 2).transpose(2, 0, 1)


def _auc_from_counts(negatives: np.ndarray, positives: np.ndarray) -> np.ndarray:
    """Mann-Whitney AUC per sample from class counts per distinct score; NaN for a single class."""
    below = np.cumsum(negatives, axis=1) - negatives
    # A negative tied with a positive counts half, exactly as average ranks do.
    wins = (positives * (below + 0.5 * negatives)).sum(axis=1)
    pairs = positives.sum(axis=1) * negatives.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return wins / pairs


def _roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC by the Mann-Whitney formula, ties counted half."""
    codes, groups = _score_groups(p)
    negatives, positives = _class_counts(codes, y.astype(np.int64), groups, np.arange(len(y))[None, :])
    return float(_auc_from_counts(negatives, positives)[0])


def _average_precision(y: np.ndarray, p: np.ndarray) -> float:
    """Average precision: sum over distinct thresholds of (recall step) x precision, as in scikit-learn."""
    codes, groups = _score_groups(p)
    negatives, positives = _class_counts(codes, y.astype(np.int64), groups, np.arange(len(y))[None, :])
    true_pos = np.cumsum(positives[0, ::-1])
    false_pos = np.cumsum(negatives[0, ::-1])
    precision = true_pos / (true_pos + false_pos)
    recall = true_pos / true_pos[-1]
    return float(np.sum(np.diff(recall, prepend=0.0) * precision))


def _log_loss(y: np.ndarray, p: np.ndarray) -> float:
    """Mean binary cross-entropy with p clipped so a confident miss costs a bounded amount."""
    clipped = np.clip(p, LOG_LOSS_CLIP, 1.0 - LOG_LOSS_CLIP)
    return float(-np.mean(y * np.log(clipped) + (1.0 - y) * np.log1p(-clipped)))


def evaluate(y: np.ndarray, p: np.ndarray) -> Metrics:
    """All holdout metrics for labels y (0/1) and calibrated probabilities p."""
    y, p = _pair(y, p)
    _check_probabilities(p)
    _check_both_classes(y)
    return Metrics(
        roc_auc=_roc_auc(y, p),
        pr_auc=_average_precision(y, p),
        brier=float(np.mean((p - y) ** 2)),
        ece=expected_calibration_error(y, p),
        log_loss=_log_loss(y, p),
        top_decile_lift=top_decile_lift(y, p),
        positive_rate=float(y.mean()),
        rows=len(y),
    )


def _bootstrap_aucs(y: np.ndarray, p: np.ndarray, n: int, seed: int) -> np.ndarray:
    """ROC AUC of `n` resamples with replacement; NaN where a resample has a single class."""
    codes, groups = _score_groups(p)
    labels = y.astype(np.int64)
    rng = np.random.default_rng(seed)
    chunk = max(1, _BOOTSTRAP_CELLS // len(y))
    aucs = []
    for start in range(0, n, chunk):
        rows = rng.integers(0, len(y), size=(min(chunk, n - start), len(y)))
        aucs.append(_auc_from_counts(*_class_counts(codes, labels, groups, rows)))
    return np.concatenate(aucs)


def bootstrap_auc_interval(
    y: np.ndarray, p: np.ndarray, n: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of ROC AUC; resamples holding a single class are skipped."""
    y, p = _pair(y, p)
    _check_scores(p)
    _check_both_classes(y)
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1, got {level}")
    aucs = _bootstrap_aucs(y, p, n, seed)
    aucs = aucs[np.isfinite(aucs)]
    if aucs.size == 0:
        raise ValueError("every bootstrap resample held a single class")
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(aucs, [tail, 1.0 - tail])
    return float(low), float(high)


def has_signal(interval: tuple[float, float], log_loss: float, base_log_loss: float) -> bool:
    """True when an AUC interval excludes 0.5 (either side) and the model's log loss beats the base rate's.

    A ranking that edges past 0.5 by chance while its probabilities forecast worse than the win rate
    before the holdout is no signal to grade leads on.
    """
    low, high = interval
    if not (np.isfinite(low) and np.isfinite(high)):
        return False
    return not low <= 0.5 <= high and log_loss < base_log_loss


def base_rate_log_loss(y: np.ndarray, rate: float) -> float:
    """Log loss of forecasting every lead at `rate` (the win rate before the holdout)."""
    y = np.asarray(y, dtype="float64")
    return _log_loss(y, np.full(len(y), float(rate)))
