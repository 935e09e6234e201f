"""Typed values of lead fields: the one place where raw input becomes a feature value."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from features.profile import FeatureKind

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f"})
EPOCH = pd.Timestamp("1970-01-01")


class ValueProblem(ValueError):
    """A raw value that does not fit its field's kind."""


def is_missing(value: Any) -> bool:
    """True for None, NaN, pandas NA/NaT and blank strings."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    return False


def to_boolean(value: Any) -> float:
    """1.0 / 0.0 / NaN from a bool, a 0/1 number or a yes/no word."""
    if is_missing(value):
        return math.nan
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and value in (0, 1):
        return float(value)
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return 1.0
    if word in FALSE_WORDS:
        return 0.0
    raise ValueProblem(f"{value!r} is not a yes/no value")


def to_number(value: Any) -> float:
    """A finite float or NaN; text that is not a number is a problem."""
    if is_missing(value):
        return math.nan
    if isinstance(value, (bool, np.bool_)):
        raise ValueProblem(f"{value!r} is a yes/no value, not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueProblem(f"{value!r} is not a number") from None
    if math.isinf(number):
        raise ValueProblem(f"{value!r} is not a finite number")
    return number


def to_days(value: Any) -> float:
    """Days since 1970-01-01 for a date, datetime or ISO text; NaN when missing."""
    if is_missing(value):
        return math.nan
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueProblem(f"{value!r} is not a date") from None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(None)
    return (stamp - EPOCH) / pd.Timedelta(days=1)


def to_text(value: Any) -> str | None:
    """Category text, stripped; None when missing."""
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def coerce_series(series: pd.Series, kind: FeatureKind) -> pd.Series:
    """Vectorised coercion of a column to its kind; raises ValueProblem with a bad example."""
    if kind is FeatureKind.numeric:
        return _numbers(series)
    if kind is FeatureKind.boolean:
        return _booleans(series)
    if kind is FeatureKind.date:
        return _dates(series)
    return _texts(series)


def _numbers(series: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(series):
        raise ValueProblem("holds yes/no values, not numbers")
    if series.dtype == object:  # to_numeric would read True as 1; to_number refuses it, so must the batch path
        flags = series.map(lambda v: isinstance(v, (bool, np.bool_))).astype(bool)
        if flags.any():
            raise ValueProblem(f"{series[flags].iloc[0]!r} is a yes/no value, not a number")
    numbers = pd.to_numeric(series, errors="coerce").astype("float64")
    bad = numbers.isna() & ~series.map(is_missing).astype(bool)
    if bad.any():
        raise ValueProblem(f"{series[bad].iloc[0]!r} is not a number ({int(bad.sum())} such rows)")
    if np.isinf(numbers).any():
        raise ValueProblem("holds an infinite value")
    return numbers


def _booleans(series: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(series) and not series.hasnans:
        return series.astype("float64")
    words = series.astype("object").map(lambda v: None if is_missing(v) else str(v).strip().lower())
    words = words.replace({"1.0": "1", "0.0": "0"})
    mapped = words.map(lambda w: 1.0 if w in TRUE_WORDS else 0.0 if w in FALSE_WORDS else math.nan)
    bad = mapped.isna() & words.notna()
    if bad.any():
        raise ValueProblem(f"{series[bad].iloc[0]!r} is not a yes/no value ({int(bad.sum())} such rows)")
    return mapped.astype("float64")


def _dates(series: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(series, errors="coerce")
    bad = stamps.isna() & ~series.map(is_missing).astype(bool)
    if bad.any():
        raise ValueProblem(f"{series[bad].iloc[0]!r} is not a date ({int(bad.sum())} such rows)")
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert(None)
    return (stamps - EPOCH) / pd.Timedelta(days=1)


def _texts(series: pd.Series) -> pd.Series:
    return series.astype("object").map(to_text)
