"""What one raw column looks like: how full it is, what its values parse as, and the kind that fits it."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from features.drafting.vocabulary import MISSING_WORDS, folded
from features.values import FALSE_WORDS, TRUE_WORDS

DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d",
                "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y %H:%M", "%d.%m.%Y %H:%M",
                "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p")
DATE_SHARE = 0.95  # a column is a date when this share of its filled values parse in one format
SAMPLE = 2_000  # values tried per format before the chosen one is applied to the whole column
FREE_TEXT_LENGTH = 30  # mean characters above which a mostly-distinct text column is prose, not a category


@dataclass(frozen=True)
class Column:
    """The facts a draft decides a column's role and kind from, and cites as evidence."""

    name: str
    rows: int
    filled: int
    distinct: int
    kind: str  # boolean, numeric, date, categorical, text
    date_format: str | None = None
    date_share: float = 0.0
    integer_sequence: bool = False  # unique whole numbers that follow the file's order

    @property
    def empty_share(self) -> float:
        return 1 - self.filled / self.rows if self.rows else 1.0

    @property
    def unique(self) -> bool:
        return self.filled == self.rows and self.distinct == self.rows


def missing_markers(frame: pd.DataFrame) -> list[str]:
    """The placeholder spellings ('Select', 'unknown') that the export writes for no answer."""
    found: set[str] = set()
    for name in frame.columns:
        values = frame[name]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            found |= {v for v in values.dropna().unique() if isinstance(v, str) and folded(v) in MISSING_WORDS}
    return sorted(found)


def describe(frame: pd.DataFrame) -> dict[str, Column]:
    """Facts for every column, in the file's order."""
    return {str(name): _column(str(name), frame[name]) for name in frame.columns}


def _column(name: str, values: pd.Series) -> Column:
    present = values.dropna()
    base = Column(name, len(values), len(present), int(present.nunique()), kind="text")
    if present.empty:
        return base
    if _is_boolean(present):
        return replace(base, kind="boolean")
    if pd.api.types.is_numeric_dtype(values):
        return replace(base, kind="numeric", integer_sequence=_sequence(values))
    if pd.api.types.is_datetime64_any_dtype(values):
        return replace(base, kind="date", date_share=1.0)
    date_format, share = date_format_of(present.astype(str))
    if share >= DATE_SHARE:
        return replace(base, kind="date", date_format=date_format, date_share=share)
    mean_length = float(present.astype(str).str.len().mean())
    prose = base.distinct > 0.5 * len(present) and mean_length > FREE_TEXT_LENGTH
    return replace(base, kind="text" if prose else "categorical")


def _is_boolean(present: pd.Series) -> bool:
    words = {folded(v) for v in present.unique()[:3]}
    return 1 <= len(words) <= 2 and present.nunique() <= 2 and words <= (TRUE_WORDS | FALSE_WORDS)


def _sequence(values: pd.Series) -> bool:
    """Unique whole numbers in (or against) file order: a running lead number stands for creation order."""
    if values.isna().any() or not values.is_unique or len(values) < 3:
        return False
    numbers = values.to_numpy(dtype="float64")
    if not np.all(np.mod(numbers, 1) == 0):
        return False
    rank = pd.Series(numbers).rank().to_numpy()
    order = np.arange(len(numbers))
    return bool(abs(np.corrcoef(rank, order)[0, 1]) > 0.95)


def date_format_of(texts: pd.Series) -> tuple[str | None, float]:
    """The format that parses the most of these values and the share it parses (None: ISO with zone)."""
    sample = texts.sample(min(len(texts), SAMPLE), random_state=0) if len(texts) > SAMPLE else texts
    if not sample.str.contains(r"\d", regex=True).all():
        return None, 0.0
    best: tuple[str | None, float] = (None, 0.0)
    for candidate in DATE_FORMATS:
        share = float(pd.to_datetime(sample, format=candidate, errors="coerce").notna().mean())
        if share > best[1]:
            best = (candidate, share)
    if best[1] < DATE_SHARE:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            share = float(pd.to_datetime(sample, format="ISO8601", errors="coerce", utc=True).notna().mean())
        if share > best[1]:
            best = ("ISO8601", share)
    if best[0] is None:
        return None, 0.0
    full = float(pd.to_datetime(texts, format=best[0], errors="coerce", utc=best[0] == "ISO8601").notna().mean())
    return best[0], full


def parse_dates(values: pd.Series, date_format: str | None) -> pd.Series:
    """The column's dates (naive UTC); what does not parse is NaT."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return pd.to_datetime(values)
    parsed = pd.to_datetime(values.astype("string"), format=date_format, errors="coerce",
                            utc=date_format == "ISO8601")
    return parsed.dt.tz_convert(None) if parsed.dt.tz is not None else parsed
