"""Typed values of lead fields: the one place where raw input becomes a feature value."""

from __future__ import annotations

import datetime as dt
import math
import numbers
import reprlib
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from features.profile import FeatureKind

# English, and the yes/no of the markets served (Danish and Dutch ja/nej/nee, Polish tak/nie, German nein).
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t", "ja", "tak"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f", "nej", "nee", "nie", "nein"})
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


def read_text(value: Any) -> str | None:
    """A value as comparable text, stripped; None when missing."""
    kind = type(value)  # exact-type fast paths: rules read one value per lead and leaf
    if kind is str:
        return value.strip() or None
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if is_missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code read as 10.0 from a column with gaps is still "10"
    return str(value).strip() or None


def read_number(value: Any) -> float | None:
    """A value as a float (infinity included); None when missing or not a number."""
    kind = type(value)
    if kind is float:
        return None if value != value else value
    if kind is int:
        return _float(value)
    if value is None or isinstance(value, (bool, np.bool_)):
        return None  # yes/no is not a count
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    elif isinstance(value, (numbers.Real, Decimal)):  # SQL NUMERIC columns arrive as Decimal
        number = _float(value)
    else:
        return None
    return None if math.isnan(number) else number


def _float(number: Any) -> float:
    try:
        return float(number)
    except OverflowError:  # an integer past float's range is as far off as float("1e400")
        return math.inf if number > 0 else -math.inf
    except ValueError:  # Decimal("sNaN") refuses to become a float; it is not a number either
        return math.nan


def _is_nan(value: Any) -> bool:
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError, OverflowError):
        return False


def read_boolean(value: Any) -> bool | None:
    """A bool from a bool, a 0/1 number or a yes/no word; None when missing or not yes/no."""
    if value is True or value is False:
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, numbers.Real) and not is_missing(value) and value in (0, 1):
        return bool(value)
    return None


def read_datetime(value: Any) -> dt.datetime | None:
    """A date, timestamp or ISO text as a naive UTC datetime; None when missing or not a date."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    elif isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, dt.datetime):
        if is_missing(value):
            return None
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return dt.datetime.combine(value.date(), value.time())  # plain datetime: equal ones hash equal
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return None


def to_text(value: Any) -> str | None:
    """Category text, stripped; None when missing."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))  # "True": the spelling categories of registered models were fitted with
    return read_text(value)


def to_number(value: Any) -> float:
    """A finite float or NaN; text that is not a number is a problem."""
    if is_missing(value):
        return math.nan
    if isinstance(value, (bool, np.bool_)):
        raise ValueProblem(f"{bounded_repr(value)} is a yes/no value, not a number")
    number = read_number(value)
    if number is None:
        if _is_nan(value):  # "nan", a float32 or Decimal NaN: missing for a feature, never equal in a rule
            return math.nan
        raise ValueProblem(f"{bounded_repr(value)} is not a number")
    if math.isinf(number):
        raise ValueProblem(f"{bounded_repr(value)} is not a finite number")
    return number


def to_boolean(value: Any) -> float:
    """1.0 / 0.0 / NaN from a bool, a 0/1 number or a yes/no word."""
    if is_missing(value):
        return math.nan
    flag = read_boolean(value)
    if flag is None:
        raise ValueProblem(f"{bounded_repr(value)} is not a yes/no value")
    return float(flag)


def to_days(value: Any) -> float:
    """Days since 1970-01-01 for a date, datetime or text pandas reads as a date; NaN when missing."""
    if is_missing(value):
        return math.nan
    try:
        # pandas, as on the training path, so a lead reads as its history did; read_datetime reads the
        # same instant from ISO text and refuses the other spellings, so that a rule never guesses the order
        # of day and month
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueProblem(f"{bounded_repr(value)} is not a date") from None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(None)
    return float((stamp - EPOCH) / pd.Timedelta(days=1))


class _Cut(reprlib.Repr):
    """reprlib's cut repr, also for integers too long to turn into text at all."""

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 4 * self.maxlong:  # Python refuses to write out an integer of over 4,300 digits
            return f"<an integer of {x.bit_length()} bits>"
        return super().repr_int(x, level)


def bounded_repr(value: Any, limit: int = 60) -> str:
    """A repr of at most about `limit` characters, cut while it is built (never built in full first)."""
    cut = _Cut()
    cut.maxstring = cut.maxother = cut.maxlong = limit
    cut.maxlevel, cut.maxlist, cut.maxtuple, cut.maxdict, cut.maxset = 2, 6, 6, 6, 6
    return cut.repr(value)


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
