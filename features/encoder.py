"""Feature encoder: typed lead fields to the numeric matrix the model reads, one lead or many."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from features.profile import Feature, FeatureKind
from features.values import ValueProblem, coerce_series, to_boolean, to_days, to_number, to_text

OTHER = "(other)"
OTHER_CODE = 0
# Plain JSON values, for which a whole column can be encoded at once with the same result as one by one.
_TEXTS = frozenset({str, type(None)})
_NUMBERS = frozenset({float, int, type(None)})
_BOOLEANS = frozenset({bool, type(None)})


class FieldProblem(ValueError):
    """A lead field whose value does not fit its kind."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"field '{field_name}': {problem}")
        self.field = field_name
        self.problem = problem


@dataclass(frozen=True)
class Column:
    """How one feature becomes one numeric column; categories are fixed when fitted."""

    name: str
    kind: FeatureKind
    categories: tuple[str, ...] = ()
    codes: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def encode_value(self, value: Any) -> float:
        """One raw value to its number (the per-lead path)."""
        try:
            if self.kind is FeatureKind.categorical:
                text = to_text(value)
                return math.nan if text is None else float(self.codes.get(text, OTHER_CODE))
            if self.kind is FeatureKind.boolean:
                return to_boolean(value)
            if self.kind is FeatureKind.date:
                return to_days(value)
            return to_number(value)
        except ValueProblem as exc:
            raise FieldProblem(self.name, str(exc)) from None

    def encode_values(self, values: Sequence[Any]) -> np.ndarray:
        """Many raw values to numbers, each exactly what encode_value gives (plain JSON values in one go)."""
        kinds = set(map(type, values))
        if self.kind is FeatureKind.categorical and kinds <= _TEXTS:
            codes = self.codes  # to_text on text: stripped, blank is missing
            return np.array([math.nan if v is None or not (text := v.strip()) else codes.get(text, OTHER_CODE)
                             for v in values], dtype="float64")
        if (self.kind is FeatureKind.numeric and kinds <= _NUMBERS) or (
                self.kind is FeatureKind.boolean and kinds <= _BOOLEANS):
            numbers = np.array(values, dtype="float64")  # None becomes NaN
            if not np.isinf(numbers).any():  # infinity is refused, with encode_value's message
                return numbers
        return np.array([self.encode_value(value) for value in values], dtype="float64")

    def encode_series(self, typed: pd.Series) -> np.ndarray:
        """A coerced column to numbers (the batch path; same mapping as encode_value)."""
        if self.kind is FeatureKind.categorical:
            codes = typed.map(self.codes).astype("float64")
            return np.where(typed.isna(), np.nan, codes.fillna(OTHER_CODE)).astype("float64")
        return typed.to_numpy(dtype="float64", na_value=np.nan)

    def decode(self, number: float) -> Any:
        """The value a number stands for, for explanations."""
        if math.isnan(number):
            return None
        if self.kind is FeatureKind.categorical:
            return self.categories[int(number)]
        if self.kind is FeatureKind.boolean:
            return bool(number)
        return number


class FeatureEncoder:
    """Fixes categories on training data, then encodes leads identically at training and serving."""

    def __init__(self, features: Sequence[Feature], min_count: int = 20, max_categories: int = 60) -> None:
        self.features = list(features)
        self.min_count = min_count
        self.max_categories = max_categories

    def fit(self, typed: pd.DataFrame) -> FeatureEncoder:
        """Learn each categorical feature's categories (rare ones fold into '(other)')."""
        self.columns_ = [self._fit_column(f, typed[f.name]) for f in self.features]
        self.index_ = {c.name: i for i, c in enumerate(self.columns_)}
        return self

    def _fit_column(self, feature: Feature, typed: pd.Series) -> Column:
        if feature.kind is not FeatureKind.categorical:
            return Column(feature.name, feature.kind)
        counts = typed.value_counts()
        kept = counts[counts >= self.min_count].index[: self.max_categories]
        categories = (OTHER, *sorted(str(v) for v in kept))
        return Column(feature.name, feature.kind, categories, {c: i for i, c in enumerate(categories)})

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns_]

    @property
    def categorical_indices(self) -> list[int]:
        return [i for i, c in enumerate(self.columns_) if c.kind is FeatureKind.categorical]

    def coerce(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Typed copy of the feature columns; absent columns become missing."""
        typed = {}
        for column in self.columns_:
            raw = frame[column.name] if column.name in frame else pd.Series(None, index=frame.index)
            try:
                typed[column.name] = coerce_series(raw, column.kind)
            except ValueProblem as exc:
                raise FieldProblem(column.name, str(exc)) from None
        return pd.DataFrame(typed, index=frame.index)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Many leads (raw or typed columns) to a float matrix."""
        typed = self.coerce(frame)
        matrix = np.empty((len(typed), len(self.columns_)), dtype="float64")
        for i, column in enumerate(self.columns_):
            matrix[:, i] = column.encode_series(typed[column.name])
        return matrix

    def encode_lead(self, lead: Mapping[str, Any]) -> np.ndarray:
        """One lead (a mapping of raw values) to a 1-row float matrix, without pandas."""
        row = np.empty((1, len(self.columns_)), dtype="float64")
        for i, column in enumerate(self.columns_):
            row[0, i] = column.encode_value(lead.get(column.name))
        return row

    def encode_leads(self, leads: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Many leads (mappings of raw values) to a float matrix, row for row what encode_lead gives."""
        matrix = np.empty((len(leads), len(self.columns_)), dtype="float64")
        for i, column in enumerate(self.columns_):
            matrix[:, i] = column.encode_values([lead.get(column.name) for lead in leads])
        return matrix

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state."""
        return {
            "min_count": self.min_count,
            "max_categories": self.max_categories,
            "features": [f.model_dump(mode="json") for f in self.features],
            "categories": {c.name: list(c.categories) for c in self.columns_ if c.categories},
        }

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> FeatureEncoder:
        """Rebuild a fitted encoder from `to_dict` output."""
        features = [Feature.model_validate(f) for f in state["features"]]
        encoder = cls(features, state["min_count"], state["max_categories"])
        categories = state["categories"]
        encoder.columns_ = [
            Column(f.name, f.kind, tuple(categories.get(f.name, ())),
                   {c: i for i, c in enumerate(categories.get(f.name, ()))})
            for f in features
        ]
        encoder.index_ = {c.name: i for i, c in enumerate(encoder.columns_)}
        return encoder
