"""Each remaining column's place in the draft: a feature of some kind, or refused with the reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from features.drafting.columns import Column, parse_dates
from features.drafting.vocabulary import AFTER_OUTCOME_WORDS, display_name, is_question, value_labels, words
from features.leakage import single_feature_auc
from features.profile import FeatureKind, LeakageLimits
from features.values import ValueProblem, coerce_series

LIMITS = LeakageLimits()  # the training job's own leakage limits: the draft refuses what training would
HOLDOUT = 0.2  # the newest share of closed leads the single-feature check is judged on, as in training
MAX_LEVELS = 0.9  # a text column with a distinct value in more than this share of rows is an id or free text
MAX_LABELS = 200  # value labels written per feature at most (a longer list is not read by anyone)


@dataclass
class Placement:
    """Where every column went, with the evidence written next to it."""

    features: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    attributes: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    after_outcome: list[dict[str, str]] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)


def place(frame: pd.DataFrame, columns: dict[str, Column], labels: np.ndarray, time: pd.Series,
          personal: dict[str, str], taken: set[str], created: pd.Series | None) -> Placement:
    """Refuse what the model must not learn from, and make a feature of every other column."""
    placement = Placement()
    closed = ~np.isnan(labels)
    order = np.argsort(time.to_numpy()[closed], kind="stable")
    for name, column in columns.items():
        if name in taken:
            continue
        if name in personal:
            placement.attributes.append(({"name": name, "display": display_name(name), "personal": True},
                                         f"personal: {personal[name]}"))
            continue
        reason = _refusal(frame[name], column, labels, closed, order, created)
        if reason is None:
            placement.features.append(_feature(frame[name], column))
        elif reason.startswith("after:"):
            placement.after_outcome.append({"column": name, "reason": reason.removeprefix("after:")})
        else:
            placement.dropped.append((name, reason))
    return placement


def _refusal(values: pd.Series, column: Column, labels: np.ndarray, closed: np.ndarray, order: np.ndarray,
             created: pd.Series | None) -> str | None:
    """'after:<why>' for a column known only after the outcome, another reason to leave it out, or None."""
    if column.filled == 0:
        return "empty in every row"
    if column.distinct == 1 and column.filled == column.rows:
        return "one value in every row: nothing to learn from"
    for word in words(column.name) if not is_question(column.name) else []:
        if word in AFTER_OUTCOME_WORDS:
            return f"after:the name says so ('{word}'): {AFTER_OUTCOME_WORDS[word]}"
    if column.kind == "text":
        return f"free text ({column.distinct:,} distinct values): not a category"
    if column.kind == "categorical" and column.distinct > MAX_LEVELS * column.filled:
        return f"an id or free text ({column.distinct:,} distinct values in {column.filled:,} rows)"
    filled = values.notna().to_numpy()
    won, lost = filled[closed & (labels == 1)], filled[closed & (labels == 0)]
    rate_won, rate_lost = (float(won.mean()) if len(won) else 0.0), (float(lost.mean()) if len(lost) else 0.0)
    if len(won) and len(lost) and abs(rate_won - rate_lost) >= LIMITS.one_outcome_fill_gap and \
            min(rate_won, rate_lost) < 0.02:
        return (f"after:filled for {rate_won:.0%} of won and {rate_lost:.0%} of lost leads: it is filled in for "
                "one outcome only")
    if column.kind == "date" and created is not None:
        lag = (parse_dates(values, column.date_format) - created).dt.days.median()
        if pd.notna(lag) and lag > 0:
            return f"after:a date set after the lead came in (a median {lag:.0f} days after it)"
    auc = _single_auc(values, column, labels[closed][order], closed, order)
    if auc is not None and auc > LIMITS.max_single_feature_auc:
        return (f"after:alone predicts the newest {HOLDOUT:.0%} of closed leads with AUC {auc:.3f} (limit "
                f"{LIMITS.max_single_feature_auc}): it gives the outcome away")
    return None


def _single_auc(values: pd.Series, column: Column, won: np.ndarray, closed: np.ndarray,
                order: np.ndarray) -> float | None:
    kind = FeatureKind(column.kind)
    if kind is FeatureKind.date:
        return None  # dates are judged by when they are set, above
    try:
        typed = coerce_series(values, kind)
    except ValueProblem:
        return None
    ordered = typed[closed].iloc[order].reset_index(drop=True)
    cut = int(len(ordered) * (1 - HOLDOUT))
    if cut < 10 or len(np.unique(won[cut:])) < 2:
        return None
    return single_feature_auc(ordered[:cut], won[:cut], ordered[cut:], won[cut:], kind)


def _feature(values: pd.Series, column: Column) -> tuple[dict[str, Any], str]:
    spec: dict[str, Any] = {"name": column.name, "kind": column.kind, "display": display_name(column.name)}
    empty = f"{column.empty_share:.0%} empty" if column.filled < column.rows else "never empty"
    if column.kind == "categorical":
        labels = value_labels([str(code) for code in values.dropna().astype(str).unique()[:MAX_LABELS]])
        if labels:
            spec["values"] = dict(sorted(labels.items()))
        return spec, f"{column.distinct:,} values; {empty}"
    if column.kind == "numeric":
        numbers = pd.to_numeric(values, errors="coerce")
        return spec, f"numbers {numbers.min():g} to {numbers.max():g}; {empty}"
    if column.kind == "date":
        return spec, f"dates; {empty}"
    return spec, f"yes/no; {empty}"
