"""Value readers: the lenient ones rules compare with, and the strict ones features are built with."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from features.values import (
    ValueProblem,
    bounded_repr,
    read_boolean,
    read_datetime,
    read_number,
    read_text,
    to_boolean,
    to_days,
    to_number,
    to_text,
)

MISSING = [None, math.nan, pd.NA, pd.NaT, "", "   "]


@pytest.mark.parametrize("value", MISSING)
@pytest.mark.parametrize("read", [read_text, read_number, read_boolean, read_datetime])
def test_a_missing_value_reads_as_none(read: Any, value: Any) -> None:
    assert read(value) is None


@pytest.mark.parametrize("value", MISSING)
@pytest.mark.parametrize("strict", [to_number, to_boolean, to_days])
def test_a_missing_value_is_nan_for_features(strict: Any, value: Any) -> None:
    assert math.isnan(strict(value))


@pytest.mark.parametrize(
    ("value", "text"),
    [(" US ", "US"), (10, "10"), (10.0, "10"), (np.int64(10), "10"), (np.float64(10.0), "10"), (2.5, "2.5"),
     (True, "true"), (np.bool_(False), "false"), (Decimal("4.50"), "4.50")],
)
def test_read_text(value: Any, text: str) -> None:
    assert read_text(value) == text


def test_to_text_is_read_text_but_keeps_pythons_spelling_of_booleans() -> None:
    assert (to_text(True), to_text(np.bool_(False))) == ("True", "False")  # fitted categories use it
    assert [to_text(v) for v in (" US ", 10.0, np.int64(3), None)] == ["US", "10", "3", None]


@pytest.mark.parametrize(
    ("value", "number"),
    [(4, 4.0), ("4", 4.0), (" 4.5 ", 4.5), (Decimal("4.5"), 4.5), (np.int64(4), 4.0), ("1e400", math.inf),
     (10**400, math.inf), (-(10**400), -math.inf)],
)
def test_read_number(value: Any, number: float) -> None:
    assert read_number(value) == number


@pytest.mark.parametrize("value", [True, np.bool_(True), "many", "nan", dt.date(2026, 1, 1), [1]])
def test_read_number_of_a_non_number_is_none(value: Any) -> None:
    assert read_number(value) is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [(True, "True is a yes/no value, not a number"), (np.bool_(False), "is a yes/no value, not a number"),
     ("many", "'many' is not a number"), (math.inf, "inf is not a finite number"),
     ("-inf", "'-inf' is not a finite number"), (10**400, "is not a finite number")],
)
def test_to_number_refuses_what_read_number_cannot_read_or_is_infinite(value: Any, problem: str) -> None:
    with pytest.raises(ValueProblem, match=problem):
        to_number(value)


@pytest.mark.parametrize("value", ["nan", " NaN ", np.float32("nan"), Decimal("NaN")])
def test_a_nan_of_any_kind_is_missing_for_a_feature_and_no_number_for_a_rule(value: Any) -> None:
    assert math.isnan(to_number(value))
    assert read_number(value) is None


def test_a_signalling_nan_is_no_number() -> None:
    assert read_number(Decimal("sNaN")) is None  # float() refuses it outright
    with pytest.raises(ValueProblem, match="is not a number"):
        to_number(Decimal("sNaN"))


def test_to_number_is_read_number_for_finite_numbers() -> None:
    values = [3, -2.5, "4", " 4.5 ", Decimal("1.25"), np.int64(7), np.float32(0.5)]
    assert [to_number(v) for v in values] == [read_number(v) for v in values]


@pytest.mark.parametrize(
    ("value", "flag"),
    [(True, True), (np.bool_(False), False), ("yes", True), (" N ", False), (1, True), (0.0, False)],
)
def test_read_and_to_boolean(value: Any, flag: bool) -> None:
    assert read_boolean(value) is flag
    assert to_boolean(value) == float(flag)


@pytest.mark.parametrize("value", ["maybe", 2, 0.5])
def test_a_non_yes_no_value(value: Any) -> None:
    assert read_boolean(value) is None
    with pytest.raises(ValueProblem, match="is not a yes/no value"):
        to_boolean(value)


@pytest.mark.parametrize(
    ("value", "moment"),
    [("2026-01-02", dt.datetime(2026, 1, 2)), (dt.date(2026, 1, 2), dt.datetime(2026, 1, 2)),
     ("2026-01-02T12:00:00+02:00", dt.datetime(2026, 1, 2, 10)),
     (pd.Timestamp("2026-01-02 10:00"), dt.datetime(2026, 1, 2, 10)),
     (np.datetime64("2026-01-02T10:00"), dt.datetime(2026, 1, 2, 10))],
)
def test_read_datetime_and_to_days_read_the_same_instant(value: Any, moment: dt.datetime) -> None:
    assert read_datetime(value) == moment
    assert to_days(value) == (pd.Timestamp(moment) - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)


def test_only_features_read_dates_in_other_spellings() -> None:
    assert read_datetime("01/02/2026") is None  # a rule never guesses the order of day and month
    assert to_days("01/02/2026") == to_days("2026-01-02")  # as pandas reads history on the training path
    with pytest.raises(ValueProblem, match="'soon' is not a date"):
        to_days("soon")


def test_bounded_repr_is_cut_while_it_is_built() -> None:
    assert len(bounded_repr("x" * 1_000_000)) <= 64
    assert len(bounded_repr(list(range(1_000_000)))) <= 64
    assert bounded_repr(int("9" * 4000) * 10**1000).startswith("<an integer of ")
    assert bounded_repr("US") == "'US'"
