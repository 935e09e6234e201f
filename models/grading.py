"""Grading: the agreed thresholds and hard rules applied to a calibrated P(won).

Precedence: start from the model grade; raise it to the highest floor among fired floor rules; lower
it to the lowest cap among fired cap and require rules (a hard cap beats a floor); a fired disqualify
beats everything (bottom grade, `disqualified` true, label "disqualified"). The deciding rule is the
first fired disqualify rule, else the cap that lowered the grade, else the floor that raised it; ties
go to the rule written first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from models.agreement import DISQUALIFIED, Agreement, RuleCheck


@dataclass(frozen=True, slots=True)
class FiredRule:
    """An agreed rule that applied to a lead; `missing` lists the absent fields of a require rule."""

    id: str
    effect: str
    text: str
    missing: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    """The agreed grade of one lead and the rules behind it, the deciding rule first."""

    model_grade: str
    grade: str
    label: str
    disqualified: bool
    fired: tuple[FiredRule, ...]
    deciding_rule: str | None


class Settlement(NamedTuple):
    """The grade the fired rules settle on, and the rule that decided it."""

    rank: int
    disqualified: bool
    deciding: RuleCheck | None


def settle(model_rank: int, fired: Sequence[RuleCheck], bottom: int) -> Settlement:
    """Apply floors, then caps, then disqualify to a model grade (ranks: 0 is the best grade)."""
    floor: RuleCheck | None = None
    cap: RuleCheck | None = None
    for check in fired:  # strict comparisons: ties go to the rule written first
        if check.effect == "disqualify":
            return Settlement(bottom, True, check)
        if check.effect == "floor":
            floor = check if floor is None or check.rank < floor.rank else floor
        elif cap is None or check.rank > cap.rank:  # cap or require
            cap = check
    rank, deciding = model_rank, None
    if floor is not None and floor.rank < rank:
        rank, deciding = floor.rank, floor
    if cap is not None and cap.rank > rank:
        rank, deciding = cap.rank, cap
    return Settlement(rank, False, deciding)


def grade_lead(agreement: Agreement, probability: float, lead: Mapping[str, Any]) -> Decision:
    """Grade one lead: model grade from the thresholds, then the agreed rules."""
    model_rank = agreement.model_rank(probability)
    hits = [(check, missing) for check in agreement.checks if (missing := check.hit(lead)) is not None]
    letters = agreement.letters
    if not hits:
        grade = letters[model_rank]
        return Decision(grade, grade, agreement.labels[grade], False, (), None)
    outcome = settle(model_rank, [check for check, _ in hits], len(letters) - 1)
    grade = letters[outcome.rank]
    return Decision(
        letters[model_rank],
        grade,
        DISQUALIFIED if outcome.disqualified else agreement.labels[grade],
        outcome.disqualified,
        tuple([FiredRule(c.id, c.summary, c.text, m) for c, m in _deciding_first(hits, outcome.deciding)]),
        outcome.deciding.id if outcome.deciding is not None else None,
    )


def _deciding_first(
    hits: list[tuple[RuleCheck, tuple[str, ...]]], deciding: RuleCheck | None
) -> list[tuple[RuleCheck, tuple[str, ...]]]:
    if deciding is None:
        return hits
    return [hit for hit in hits if hit[0] is deciding] + [hit for hit in hits if hit[0] is not deciding]


def grade_frame(agreement: Agreement, probabilities: np.ndarray, leads: pd.DataFrame) -> pd.DataFrame:
    """Grade many leads at once; row for row the same as grade_lead (what-if on history, batch)."""
    probabilities = np.asarray(probabilities, dtype=float).reshape(-1)
    if len(probabilities) != len(leads):
        raise ValueError(f"{len(probabilities)} probabilities for {len(leads)} leads")
    model_ranks = _model_ranks(agreement, probabilities)
    fired = np.zeros((len(leads), len(agreement.checks)), dtype=bool)
    for column, check in enumerate(agreement.checks):
        fired[:, column] = check.hits(leads)
    # few distinct (model grade, fired rules) patterns occur, so settle each pattern once
    keys = np.column_stack([model_ranks, fired]).astype(np.int8)
    patterns, inverse = _patterns(keys)
    settled = [_settle_pattern(agreement, row) for row in patterns]
    deciding = [settled[i]["deciding_rule"] for i in inverse]
    return pd.DataFrame(
        {
            "model_grade": [agreement.letters[model_rank] for model_rank in model_ranks],
            "grade": [settled[i]["grade"] for i in inverse],
            "label": [settled[i]["label"] for i in inverse],
            "disqualified": np.array([settled[i]["disqualified"] for i in inverse], dtype=bool),
            "rules": [list(settled[i]["rules"]) for i in inverse],
            # object dtype keeps "no deciding rule" as None, as grade_lead says it, not NaN
            "deciding_rule": pd.Series(deciding, dtype=object, index=leads.index),
        },
        index=leads.index,
    )


def _patterns(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a small-integer matrix and each row's index among them. The rows are packed
    into one byte string each first: sorting those is several times faster than np.unique(axis=0)."""
    packed = np.ascontiguousarray(keys).view(np.dtype((np.void, keys.shape[1] * keys.itemsize))).reshape(-1)
    _, first, inverse = np.unique(packed, return_index=True, return_inverse=True)
    return keys[first], inverse.reshape(-1)


def _model_ranks(agreement: Agreement, probabilities: np.ndarray) -> np.ndarray:
    """Vectorised Agreement.model_rank: the number of bounds above each probability."""
    bad = ~((probabilities >= 0.0) & (probabilities <= 1.0))
    if bad.any():
        first = int(np.argmax(bad))
        raise ValueError(f"probability {float(probabilities[first])!r} at row {first} is not between 0 and 1")
    bounds = np.asarray(agreement.bounds, dtype=float)
    ranks: np.ndarray = (probabilities[:, None] < bounds[None, :]).sum(axis=1)
    return ranks


def _settle_pattern(agreement: Agreement, pattern: np.ndarray) -> dict[str, Any]:
    """The decision for one model grade and set of fired rules."""
    fired = [check for check, hit in zip(agreement.checks, pattern[1:], strict=True) if hit]
    outcome = settle(int(pattern[0]), fired, len(agreement.letters) - 1)
    grade = agreement.letters[outcome.rank]
    ordered = _deciding_first([(check, ()) for check in fired], outcome.deciding)
    return {
        "grade": grade,
        "label": DISQUALIFIED if outcome.disqualified else agreement.labels[grade],
        "disqualified": outcome.disqualified,
        "rules": tuple(check.id for check, _ in ordered),
        "deciding_rule": outcome.deciding.id if outcome.deciding is not None else None,
    }
