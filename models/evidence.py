"""Evidence: how often past leads like this one were won, per field value, for seller sentences."""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features.profile import Feature, FeatureKind

MIN_GROUP = 30  # below this a group's win rate is too noisy to quote to a seller


@dataclass(frozen=True)
class Group:
    """A set of past leads sharing a value, having none, or falling in a range, with how many were won."""

    kind: str  # "value", "missing" or "range"
    leads: int
    won: int
    value: Any = None
    low: float | None = None
    high: float | None = None

    @property
    def win_rate(self) -> float:
        return self.won / self.leads if self.leads else math.nan

    def as_dict(self) -> dict[str, Any]:
        """The group as data: what it is, not how it is said (that is the edge's, in the reader's language)."""
        if self.kind == "range":
            return {"kind": self.kind, "low": self.low, "high": self.high}
        return {"kind": self.kind, "value": self.value} if self.kind == "value" else {"kind": self.kind}


class Evidence:
    """Win rates per value or value range of each feature, from the training window."""

    def __init__(self, base_rate: float, tables: Mapping[str, Mapping[str, Any]]) -> None:
        self.base_rate = base_rate
        self.tables = dict(tables)

    @classmethod
    def from_history(cls, typed: pd.DataFrame, won: np.ndarray, features: Sequence[Feature]) -> Evidence:
        """Count leads and wins per group of every feature."""
        tables = {f.name: _table(typed[f.name], won, f.kind) for f in features}
        return cls(float(np.mean(won)), tables)

    def group(self, feature: Feature, value: Any) -> Group | None:
        """The group this value falls in, or None when too few leads back it."""
        table = self.tables.get(feature.name)
        if table is None:
            return None
        found = _lookup(table, feature, value)
        return found if found is not None and found.leads >= MIN_GROUP else None

    def to_dict(self) -> dict[str, Any]:
        return {"base_rate": self.base_rate, "tables": self.tables}

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> Evidence:
        return cls(float(state["base_rate"]), state["tables"])


def _table(values: pd.Series, won: np.ndarray, kind: FeatureKind) -> dict[str, Any]:
    missing = values.isna().to_numpy()
    table: dict[str, Any] = {"missing": [int(missing.sum()), int(won[missing].sum())]}
    present, present_won = values[~missing], won[~missing]
    if kind in (FeatureKind.numeric, FeatureKind.date):
        edges = np.unique(np.quantile(present, np.linspace(0, 1, 6))) if len(present) else np.array([])
        bins = np.clip(np.searchsorted(edges, present, side="right") - 1, 0, max(len(edges) - 2, 0))
        counts = [[int((bins == b).sum()), int(present_won[bins == b].sum())] for b in range(max(len(edges) - 1, 1))]
        table.update(edges=edges.tolist(), bins=counts)
    else:
        keys = present.map(lambda v: str(bool(v)).lower() if kind is FeatureKind.boolean else str(v))
        grouped = pd.DataFrame({"k": keys.to_numpy(), "w": present_won}).groupby("k")["w"].agg(["size", "sum"])
        table["values"] = {str(k): [int(r["size"]), int(r["sum"])] for k, r in grouped.iterrows()}
    return table


def _lookup(table: Mapping[str, Any], feature: Feature, value: Any) -> Group | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        n, w = table["missing"]
        return Group("missing", n, w)
    if "values" in table:
        key = str(bool(value)).lower() if feature.kind is FeatureKind.boolean else str(value)
        if key not in table["values"]:
            return None
        n, w = table["values"][key]
        return Group("value", n, w, value=value)
    return _range_group(table, float(value))


def _range_group(table: Mapping[str, Any], value: float) -> Group | None:
    edges = table["edges"]
    if len(edges) < 2:
        return None
    b = min(max(bisect.bisect_right(edges, value) - 1, 0), len(edges) - 2)  # np.searchsorted, without an array
    n, w = table["bins"][b]
    return Group("range", n, w, low=float(edges[b]), high=float(edges[b + 1]))
