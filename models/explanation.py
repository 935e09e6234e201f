"""Explanations as data: the fields that pull a score up or down, the evidence behind each, and what would help.

The words a seller reads are rendered from these at the edge, in the seller's language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from features.encoder import OTHER, Column
from features.profile import Feature, FeatureKind
from models.evidence import Evidence, Group
from models.propensity import PropensityEstimator

MIN_STRENGTH = 0.05  # log-odds; smaller contributions are noise to a seller
MAX_REASONS = 3
MAX_SUGGESTIONS = 3
MIN_GAIN = 0.01  # a suggestion must raise P(won) by at least one point
EVIDENCE_KEYS = ("group", "win_rate", "leads", "base_rate")


@dataclass(frozen=True)
class Reason:
    """One field's pull on the score: which way, how hard (log-odds), and the evidence behind it.

    `evidence` is {group, win_rate, leads, base_rate} of the past leads sharing this value, or None when no
    group of enough leads agrees with the pull: a reason never quotes figures that point against it.
    """

    field: str
    value: Any
    direction: str
    strength: float
    evidence: dict[str, Any] | None = None


@dataclass(frozen=True)
class Suggestion:
    """A change to an actionable field and the probability it would give."""

    field: str
    value: Any
    probability: float


def reasons(estimator: PropensityEstimator, contributions: np.ndarray, row: np.ndarray, lead: Mapping[str, Any],
            memo: dict[tuple[int, float | None, bool], tuple[Any, dict[str, Any] | None]] | None = None
            ) -> list[Reason]:
    """Strongest positive then strongest negative influences, from one row of contributions and the lead's
    encoded row.

    `memo` (one dict for a whole batch) keeps each (field, encoded value, direction)'s shown value and
    evidence: a batch of 10,000 demo leads words about 60,000 reasons from a few hundred distinct ones.
    """
    strengths = contributions[:-1].tolist()
    # Rank on the rounded strength the seller sees (a stable sort keeps feature order between equals), then
    # word only the reasons that are shown.
    strong = sorted((i for i, s in enumerate(strengths) if abs(s) >= MIN_STRENGTH),
                    key=lambda i: -round(abs(strengths[i]), 3))
    ups, downs = [i for i in strong if strengths[i] > 0], [i for i in strong if strengths[i] < 0]
    found = []
    for i in ups[:MAX_REASONS] + downs[:MAX_REASONS]:
        number = float(row[i])
        key = (i, None if math.isnan(number) else number, strengths[i] > 0)
        shown = memo.get(key) if memo is not None else None
        if shown is None:
            shown, rare = _shown(estimator, i, number, lead.get(estimator.features[i].name), key[2])
            if memo is not None and not rare:  # a rare category shows the lead's own value: not shared
                memo[key] = shown
        found.append(Reason(estimator.features[i].name, shown[0], "raises" if key[2] else "lowers",
                            round(abs(strengths[i]), 3), shown[1]))
    return found


def _shown(estimator: PropensityEstimator, index: int, number: float, raw: Any,
           raises: bool) -> tuple[tuple[Any, dict[str, Any] | None], bool]:
    """The value a reason shows for an encoded number and the evidence behind it; and whether the number is
    the rare categories' code, for which the reason shows the lead's own value."""
    feature, column, evidence = estimator.features[index], estimator.encoder_.columns_[index], estimator.evidence_
    value = column.decode(number)
    rare = value == OTHER
    value = raw if rare else value
    value = None if is_absent(value) else value
    group = agreeing_group(evidence, feature, value, "raises" if raises else "lowers")
    found = None if group is None else {"group": group.as_dict(), "win_rate": round(group.win_rate, 4),
                                        "leads": group.leads, "base_rate": round(evidence.base_rate, 4)}
    return (value, found), rare


def agreeing_group(evidence: Evidence, feature: Feature, value: Any, direction: str) -> Group | None:
    """The value's group when its win rate, as a seller reads it (whole percent), differs from the base
    rate the way the reason pulls; else None.

    The model's pull is conditional on every other field, the group's rate is not, so the two can
    disagree (a country that wins at the base rate overall but lifts leads like this one); quoting such
    a group would contradict the reason, and no figure is better than a contradicting one.
    """
    group = evidence.group(feature, value)
    if group is None:
        return None
    rate, base = round(group.win_rate * 100), round(evidence.base_rate * 100)
    return group if (rate > base if direction == "raises" else rate < base) else None


def is_absent(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def suggestions(estimator: PropensityEstimator, row: np.ndarray, probability: float) -> list[Suggestion]:
    """For actionable fields, the changes that would raise P(won) most (one batched prediction)."""
    return suggestions_many(estimator, row, [probability])[0]


def suggestions_many(estimator: PropensityEstimator, matrix: np.ndarray,
                     probabilities: Sequence[float]) -> list[list[Suggestion]]:
    """`suggestions` for every row of an encoded matrix, with one prediction for all the variants."""
    actionable = [i for i, feature in enumerate(estimator.features) if feature.actionable]
    alternatives: dict[tuple[int, float | None], list[tuple[int, float]]] = {}  # per field and current value
    candidates = [_candidates(estimator, row, actionable, alternatives) for row in matrix]
    counts = [len(found) for found in candidates]
    variants = np.repeat(matrix, counts, axis=0)
    flat = [candidate for found in candidates for candidate in found]
    if not flat:
        return [[] for _ in candidates]
    variants[np.arange(len(flat)), [index for index, _ in flat]] = [number for _, number in flat]
    new = estimator.probability(estimator.margin(variants)).tolist()
    ends = np.cumsum(counts).tolist()
    return [_best(estimator, found, new[end - len(found):end], probability)
            for found, end, probability in zip(candidates, ends, probabilities, strict=True)]


def _best(estimator: PropensityEstimator, candidates: list[tuple[int, float]], new: list[float],
          probability: float) -> list[Suggestion]:
    best: dict[int, tuple[float, float]] = {}
    for (index, number), p in zip(candidates, new, strict=True):
        if p - probability >= MIN_GAIN and p > best.get(index, (0.0, -1.0))[1]:
            best[index] = (number, p)
    ranked = sorted(best.items(), key=lambda item: -item[1][1])[:MAX_SUGGESTIONS]
    return [_suggestion(estimator, index, number, p) for index, (number, p) in ranked]


def _candidates(estimator: PropensityEstimator, row: np.ndarray, actionable: Sequence[int],
                memo: dict[tuple[int, float | None], list[tuple[int, float]]]) -> list[tuple[int, float]]:
    """The (field, value) changes tried for one row: every actionable field's alternatives to its value
    (`memo` keeps them per field and value across a batch)."""
    found = []
    for index in actionable:
        current = float(row[index])
        key = (index, None if math.isnan(current) else current)
        changes = memo.get(key)
        if changes is None:
            feature, column = estimator.features[index], estimator.encoder_.columns_[index]
            changes = memo[key] = [(index, n) for n in _alternatives(feature, column, estimator.evidence_, current)]
        found += changes
    return found


def _alternatives(feature: Feature, column: Column, evidence: Evidence, current: float) -> list[float]:
    if feature.kind is FeatureKind.boolean:
        return [1.0] if current != 1.0 else []
    if feature.kind is FeatureKind.categorical:
        return [float(code) for code in range(1, len(column.categories)) if code != current]
    edges = evidence.tables.get(feature.name, {}).get("edges", [])
    levels = sorted(set(edges[1:]))
    if math.isnan(current):
        return levels
    return [v for v in levels if (v > current if feature.monotone >= 0 else v < current)]


def _suggestion(estimator: PropensityEstimator, index: int, number: float, probability: float) -> Suggestion:
    feature, column = estimator.features[index], estimator.encoder_.columns_[index]
    return Suggestion(feature.name, column.decode(number), round(probability, 4))
