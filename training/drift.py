"""Population stability between training rows and the holdout, per feature.

PSI = sum over bins of (actual share - expected share) * ln(actual share / expected share).
The usual reading: below 0.1 stable, 0.1 to 0.25 a moderate shift worth a look,
above 0.25 a major shift.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_datetime64_any_dtype, is_numeric_dtype

EPSILON = 1e-4
MODERATE_PSI = 0.1
MAJOR_PSI = 0.25
MAX_NEW_CATEGORIES = 10
KINDS = ("categorical", "numeric", "boolean", "date")
_EPOCH = pd.Timestamp(0, tz="UTC")


def _is_numeric(series: pd.Series) -> bool:
    """Numeric but not boolean: booleans are compared per value, not by quantile."""
    return is_numeric_dtype(series) and not is_bool_dtype(series)


def _days(dates: pd.Series) -> pd.Series:
    """Dates as float days since 1970 (UTC; naive dates taken as UTC), NaN for missing."""
    utc = pd.to_datetime(dates, errors="coerce", utc=True)
    return (utc - _EPOCH) / pd.Timedelta(days=1)


def _numeric_counts(expected: pd.Series, actual: pd.Series, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts per quantile bin of `expected` (open-ended at both ends), missing values last."""
    reference = expected.to_numpy(dtype=float, na_value=np.nan)
    observed = reference[~np.isnan(reference)]
    # Duplicate quantiles collapse so a heavy value (e.g. many zeros) is one bin, not several.
    edges = np.unique(np.quantile(observed, np.linspace(0, 1, bins + 1)))[1:-1] if observed.size else np.empty(0)
    return _bin_counts(reference, edges), _bin_counts(actual.to_numpy(dtype=float, na_value=np.nan), edges)


def _bin_counts(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts of `values` between interior `edges`, plus a final count of missing values."""
    missing = np.isnan(values)
    counts = np.bincount(np.searchsorted(edges, values[~missing], side="right"), minlength=len(edges) + 1)
    return np.append(counts, missing.sum())


def _categorical_counts(expected: pd.Series, actual: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Counts per category of `expected`, then missing, then all categories `expected` never saw."""
    reference = expected.dropna().astype(object).value_counts()
    present = actual.dropna().astype(object)
    seen = present.isin(reference.index)
    counts = present[seen].value_counts().reindex(reference.index, fill_value=0)
    expected_counts = np.append(reference.to_numpy(), [expected.isna().sum(), 0])
    actual_counts = np.append(counts.to_numpy(), [actual.isna().sum(), (~seen).sum()])
    return expected_counts, actual_counts


def _psi(expected_counts: np.ndarray, actual_counts: np.ndarray) -> float:
    """PSI from counts over the same bins; empty bins get EPSILON so the log stays finite."""
    expected_share = expected_counts / expected_counts.sum()
    actual_share = actual_counts / actual_counts.sum()
    expected_share = np.where(expected_share == 0, EPSILON, expected_share)
    actual_share = np.where(actual_share == 0, EPSILON, actual_share)
    return float(np.sum((actual_share - expected_share) * np.log(actual_share / expected_share)))


def population_stability_index(expected: pd.Series, actual: pd.Series, bins: int = 10) -> float:
    """PSI of `actual` against `expected` (see the module docstring for how to read it).

    Numeric (and datetime) series use quantile bins of `expected` with missing values
    as their own bin; any other series (categorical, boolean, string) uses one bin per
    category of `expected`, one for missing and one shared by all unseen categories.
    """
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    if expected.empty or actual.empty:
        raise ValueError("population_stability_index needs non-empty expected and actual series")
    if is_datetime64_any_dtype(expected) and is_datetime64_any_dtype(actual):
        expected, actual = _days(expected), _days(actual)
    if _is_numeric(expected) and _is_numeric(actual):
        return _psi(*_numeric_counts(expected, actual, bins))
    return _psi(*_categorical_counts(expected, actual))


def psi_level(psi: float) -> str:
    """"stable" below 0.1, "moderate" up to 0.25, "major" above."""
    if psi > MAJOR_PSI:
        return "major"
    return "moderate" if psi >= MODERATE_PSI else "stable"


def _prepare(series: pd.Series, kind: str) -> pd.Series:
    """The column as `population_stability_index` should compare it for this feature kind."""
    if kind == "numeric":
        return pd.to_numeric(series, errors="coerce").astype("float64")
    if kind == "date":
        return _days(series)
    # Category codes stored as numbers are still categories: one bin per value.
    return series.astype(object)


def _plain(value: Any) -> Any:
    """A JSON-ready Python scalar for a category value."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def _new_categories(train: pd.Series, holdout: pd.Series) -> list[Any]:
    """Holdout values never seen in train, most frequent first, at most MAX_NEW_CATEGORIES."""
    present = holdout.dropna().astype(object)
    fresh = present[~present.isin(train.dropna().astype(object).unique())]
    return [_plain(value) for value in fresh.value_counts().index[:MAX_NEW_CATEGORIES]]


def _json_float(value: float) -> float | None:
    """A plain float, or None where JSON has no number (NaN, infinity)."""
    value = float(value)
    return value if math.isfinite(value) else None


def _positive_rate(y: np.ndarray, rows: int, name: str) -> float | None:
    """Share of won leads in y, which must have one label per row; None when there are none."""
    labels = np.asarray(y, dtype=float)
    if labels.ndim != 1 or len(labels) != rows:
        raise ValueError(f"{name} must be one-dimensional with {rows} labels, got shape {labels.shape}")
    return _json_float(labels.mean()) if rows else None


def _check_features(train: pd.DataFrame, holdout: pd.DataFrame, features: Mapping[str, str]) -> None:
    """Raise ValueError for an unknown kind or a feature missing from either frame."""
    unknown = {name: kind for name, kind in features.items() if kind not in KINDS}
    if unknown:
        raise ValueError(f"unknown feature kinds {unknown}; expected one of {list(KINDS)}")
    for label, frame in (("train", train), ("holdout", holdout)):
        missing = [name for name in features if name not in frame.columns]
        if missing:
            raise ValueError(f"{label} lacks feature columns {missing}")


def _feature_row(name: str, kind: str, train: pd.Series, holdout: pd.Series) -> dict:
    """PSI and its level for one feature."""
    psi = _json_float(population_stability_index(_prepare(train, kind), _prepare(holdout, kind)))
    return {"feature": name, "psi": psi, "level": psi_level(psi) if psi is not None else None}


def drift_report(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    features: Mapping[str, str],
    y_train: np.ndarray,
    y_holdout: np.ndarray,
) -> dict:
    """JSON-ready drift of the holdout against training: PSI per feature, label shift, new categories.

    Features are sorted by PSI, largest first. `new_categories` lists only categorical and
    boolean features that have unseen values. Date features are compared as timestamps, so
    a holdout taken after the training window shows a major shift by construction.
    """
    _check_features(train, holdout, features)
    rows = [_feature_row(name, kind, train[name], holdout[name]) for name, kind in features.items()]
    rows.sort(key=lambda row: (-(row["psi"] if row["psi"] is not None else -math.inf), row["feature"]))
    rate_train = _positive_rate(y_train, len(train), "y_train")
    rate_holdout = _positive_rate(y_holdout, len(holdout), "y_holdout")
    shift = rate_holdout - rate_train if rate_train is not None and rate_holdout is not None else None
    new = {
        name: _new_categories(train[name], holdout[name])
        for name, kind in features.items()
        if kind in ("categorical", "boolean")
    }
    return {
        "features": rows,
        "positive_rate_train": rate_train,
        "positive_rate_holdout": rate_holdout,
        "positive_rate_shift": shift,
        "new_categories": {name: values for name, values in new.items() if values},
    }
