"""Dates derived from a month-name column in file order, for histories without a date."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.profile import MonthSequence

MONTHS = {name: i + 1 for i, name in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}


class CalendarError(ValueError):
    """A month column that cannot be read as a month sequence."""


def month_sequence_dates(raw: pd.DataFrame, spec: MonthSequence) -> pd.Series:
    """First day of each row's month; a step back to an earlier month starts a new year."""
    names = raw[spec.month_column].astype("object").map(lambda v: str(v).strip().lower()[:3])
    months = names.map(MONTHS)
    if months.isna().any():
        bad = raw[spec.month_column][months.isna()].iloc[0]
        raise CalendarError(f"column '{spec.month_column}': {bad!r} is not a month name")
    numbers = months.to_numpy(dtype=int)
    wraps = np.concatenate([[0], np.cumsum(np.diff(numbers) < 0)])
    years = spec.start_year + wraps
    dates = pd.to_datetime(pd.DataFrame({"year": years, "month": numbers, "day": 1}))
    return spread_in_month(dates) if spec.spread_in_month else dates


def spread_in_month(dates: pd.Series) -> pd.Series:
    """Each month's rows spread evenly over its days in file order (row i of n at day 1 + i/n of the month)."""
    months = dates.groupby(dates.to_numpy(), sort=False)
    position = months.cumcount() / months.transform("size")
    # Whole seconds keep the times readable; a month would need millions of rows for two to collide.
    spread: pd.Series = (dates + pd.to_timedelta(position * dates.dt.days_in_month, unit="D")).dt.floor("s")
    return spread
