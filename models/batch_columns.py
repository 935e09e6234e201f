"""Scored leads as structured columns, one type per column so Spark can carry them, and back to scores.

A reason's value travels as text (its field's kind reads it back) and its evidence as JSON text, because
both take several shapes. "No deciding rule" travels as "": MLflow's Spark conversion writes a missing
top-level text as the word 'None'. Rule ids are never empty, so "" cannot be mistaken for one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from features.profile import Feature, FeatureKind
from models.agreement import DISQUALIFIED, Agreement
from models.explanation import MAX_REASONS, Reason
from models.grading import Decision, FiredRule
from models.pyfunc_signature import COLUMNS
from models.scoring import Score

REASON_FIELDS = ("field", "value", "direction", "strength", "evidence")
NO_RULE = ""


def columns_of(scores: Sequence[Score], agreement: Agreement, language: str = "en", most: int = MAX_REASONS,
               contributions: bool = False) -> pd.DataFrame:
    """One row of COLUMNS per score: at most `most` reasons each way, labels in `language`, and each row's
    contributions (per model field, the bias last) when asked for."""
    decisions = [score.decision for score in scores]
    return pd.DataFrame({
        "probability": np.array([score.probability for score in scores], dtype="float64"),
        "score": np.array([score.score for score in scores], dtype="int64"),
        "model_grade": [d.model_grade for d in decisions],
        "grade": [d.grade for d in decisions],
        "label": [DISQUALIFIED if d.disqualified else agreement.label_in(d.grade, language) for d in decisions],
        "disqualified": np.array([d.disqualified for d in decisions], dtype=bool),
        "deciding_rule": [d.deciding_rule or NO_RULE for d in decisions],
        "rules": [[rule.id for rule in d.fired] for d in decisions],
        "reasons": [[reason_row(reason) for reason in strongest(score.reasons, most)] for score in scores],
        "missing": [list(score.missing) for score in scores],
        "contributions": [_contributions(score, contributions) for score in scores],
    }, columns=list(COLUMNS))


def strongest(reasons: Sequence[Reason], most: int) -> Iterator[Reason]:
    """The first `most` reasons of each direction, in their order (the scorer lists the strongest first)."""
    seen = {"raises": 0, "lowers": 0}
    for reason in reasons:
        seen[reason.direction] += 1
        if seen[reason.direction] <= most:
            yield reason


def reason_row(reason: Reason) -> dict[str, Any]:
    """A reason as a struct of fixed types."""
    evidence = None if reason.evidence is None else json.dumps(reason.evidence, default=_plain)
    return {"field": reason.field, "value": value_text(reason.value), "direction": reason.direction,
            "strength": float(reason.strength), "evidence": evidence}


def value_text(value: Any) -> str | None:
    """A reason's value as text: booleans as true/false, numbers as Python writes them (read back exactly)."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating):
        return repr(float(value))
    return str(value)


def value_of(text: str | None, feature: Feature | None) -> Any:
    """The value `value_text` wrote, read as its field's kind."""
    if text is None or feature is None or feature.kind is FeatureKind.categorical:
        return text
    if feature.kind is FeatureKind.boolean:
        return text == "true"
    return float(text)


def scores_of(frame: pd.DataFrame, leads: Sequence[Mapping[str, Any]], agreement: Agreement,
              features: Sequence[Feature]) -> list[Score]:
    """The scores a frame of COLUMNS stands for, row for row with the leads it scored (no suggestions)."""
    if len(frame) != len(leads):
        raise ValueError(f"{len(frame)} scored rows for {len(leads)} leads")
    kinds = {feature.name: feature for feature in features}
    checks = {check.id: check for check in agreement.checks}
    rows = frame[list(COLUMNS)].itertuples(index=False)
    return [_score(row, lead, checks, kinds) for row, lead in zip(rows, leads, strict=True)]


def _score(row: Any, lead: Mapping[str, Any], checks: Mapping[str, Any], kinds: Mapping[str, Feature]) -> Score:
    fired = tuple(FiredRule(rule, checks[rule].summary, checks[rule].text,
                            (checks[rule].hit(lead) or ()) if checks[rule].require else ())
                  for rule in row.rules)
    decision = Decision(row.model_grade, row.grade, row.label, bool(row.disqualified), fired,
                        row.deciding_rule or None)
    reasons = [_reason(item, kinds) for item in row.reasons]
    contributions = None if _absent(row.contributions) else np.asarray(row.contributions, dtype="float64")
    return Score(str(lead.get("lead_id", "")), float(row.probability), decision, reasons, [], list(row.missing),
                 contributions)


def _reason(item: Mapping[str, Any], kinds: Mapping[str, Feature]) -> Reason:
    evidence = item["evidence"]
    return Reason(item["field"], value_of(item["value"], kinds.get(item["field"])), item["direction"],
                  float(item["strength"]), None if evidence is None else json.loads(evidence))


def _contributions(score: Score, wanted: bool) -> list[float] | None:
    return score.contributions.tolist() if wanted and score.contributions is not None else None


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _plain(value: Any) -> Any:
    """NumPy scalars in evidence as the Python values JSON writes."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"evidence value {value!r} of type {type(value).__name__} has no JSON form")
