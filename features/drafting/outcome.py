"""Which column says won or lost, and how: a vocabulary of stages, a filled won date, or a joined table."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from features.drafting.columns import Column, parse_dates
from features.drafting.reading import DraftError
from features.drafting.vocabulary import OUTCOME_NAME_WORDS, WON_WORDS, folded, outcome_group, words
from features.profile import Outcome
from features.source import lost_with_age, outcome_labels
from features.values import FALSE_WORDS, TRUE_WORDS

MAX_STAGES = 40  # an outcome column names a few stages; more distinct values make it a field, not an outcome
MATCHED = "matched:"  # `--outcome matched:deals`: won when the lead has a row in the joined table deals
WIN_AGE_QUANTILE = 0.95  # a lead not won is open until older than the age by which this share of wins came


@dataclass(frozen=True)
class OutcomeDraft:
    """The outcome section, the evidence for it, the other candidates, and each row's label."""

    spec: dict[str, Any]
    evidence: str
    labels: np.ndarray
    others: list[str] = field(default_factory=list)
    matched_join: str | None = None  # the stem of the join whose rows mean won


def draft_outcome(frame: pd.DataFrame, columns: dict[str, Column], named: str | None, joins: list[dict[str, Any]],
                  created: pd.Series | None) -> OutcomeDraft:
    """The outcome the user named (`named`), or the most plausible one with the others listed."""
    if named is not None and named.startswith(MATCHED):
        return _matched(frame, named.removeprefix(MATCHED), joins)
    if named is not None:
        if named not in frame.columns:
            raise DraftError(f"--outcome {named!r} is not a column (columns: {', '.join(map(str, frame.columns))})")
        found = _encoding(frame[named], columns[named], created, forced=True)
        if found is None:
            raise DraftError(f"column '{named}' (--outcome): {_counts(frame[named])} hold no won and lost values "
                             "the draft recognises: name them in the profile's outcome.won and outcome.lost")
        return found
    return _proposed(frame, columns, created)


def _proposed(frame: pd.DataFrame, columns: dict[str, Column], created: pd.Series | None) -> OutcomeDraft:
    found = [(name, d) for name in columns if (d := _encoding(frame[name], columns[name], created)) is not None
             and (is_outcome_name(name) or not _only_yes_no(d.spec))]
    if not found:
        # Columns named like an outcome, or holding some outcome word ('customer', 'UNQUALIFIED'), come first.
        near = sorted((n for n, c in columns.items() if 1 < c.distinct <= MAX_STAGES),
                      key=lambda n: (not is_outcome_name(n), not _some_outcome_word(columns[n], frame)))
        few = [f"'{n}' ({_counts(frame[n])})" for n in near][:8]
        raise DraftError("no column looks like the outcome (won / lost): name it with --outcome. Columns with few "
                         f"values: {'; '.join(few) or 'none'}")
    # Won, lost and open said in words beat a won date, whose lost leads are only inferred from their age.
    found.sort(key=lambda item: (-bool(set(words(item[0])) & OUTCOME_NAME_WORDS), "won_when" in item[1].spec,
                                 -_coverage(item[1])))
    best, rest = found[0][1], found[1:]
    others = [f"'{n}' ({_counts(frame[n])})" for n, _ in rest]
    also = f"; other candidates: {'; '.join(others)}" if others else ""
    return OutcomeDraft(best.spec, f"proposed: {best.evidence}{also}", best.labels, others)


def _some_outcome_word(column: Column, frame: pd.DataFrame) -> bool:
    values: pd.Series = frame[column.name]
    return any(outcome_group(v) in ("won", "lost") and folded(v) not in TRUE_WORDS | FALSE_WORDS
               for v in values.dropna().unique()[:MAX_STAGES])


def _only_yes_no(spec: dict[str, Any]) -> bool:
    """A column of plain yes/no values ("Do Not Email") is a flag, an outcome only when its name says so."""
    return all(folded(v) in TRUE_WORDS | FALSE_WORDS for v in [*spec.get("won", []), *spec.get("lost", [])])


def _coverage(found: OutcomeDraft) -> float:
    return float((~np.isnan(found.labels)).mean())


def _encoding(values: pd.Series, column: Column, created: pd.Series | None,
              forced: bool = False) -> OutcomeDraft | None:
    """The column's outcome encoding: stage words, or (when named) won when filled; None if neither fits."""
    stages = _stages(values, column)
    if stages is not None:
        return stages
    won_date = column.kind == "date" and bool(set(words(column.name)) & (WON_WORDS | {"converted", "closed"}))
    if (forced or won_date) and 0 < column.filled < column.rows:
        return _filled(values, column, created)
    return None


def _stages(values: pd.Series, column: Column) -> OutcomeDraft | None:
    if not 2 <= column.distinct <= MAX_STAGES or column.kind in ("date", "text"):
        return None
    groups: dict[str, list[Any]] = {"won": [], "lost": [], "open": []}
    unknown: list[Any] = []
    for value in values.dropna().unique():
        group = outcome_group(value)
        (groups[group] if group else unknown).append(_plain(value))
    if not groups["won"] or not groups["lost"]:
        return None
    groups["open"] += unknown
    spec: dict[str, Any] = {"column": column.name, **{k: sorted(v, key=str) for k, v in groups.items() if v}}
    counts = values.map(lambda v: None if pd.isna(v) else _plain(v)).value_counts()
    shown = "; ".join(f"{g}: " + ", ".join(f"{v} ({counts.get(v, 0):,})" for v in spec[g])
                      for g in ("won", "lost", "open") if g in spec)
    note = f" ({', '.join(map(str, unknown))} not recognised: taken as open)" if unknown else ""
    labels = outcome_labels(values, Outcome(**spec))
    return OutcomeDraft(spec, f"{shown}{note}", labels)


def _filled(values: pd.Series, column: Column, created: pd.Series | None) -> OutcomeDraft:
    spec: dict[str, Any] = {"column": column.name, "won_when": "filled"}
    evidence = f"won when filled ({column.filled:,} of {column.rows:,} leads), lost otherwise"
    if column.kind == "date" and created is not None:
        age = (parse_dates(values, column.date_format) - created).dt.days.dropna()
        age = age[age >= 0]
        if len(age):
            days = max(1, math.ceil(float(age.quantile(WIN_AGE_QUANTILE))))
            spec["lost_after_days"] = days
            evidence = (f"won when filled ({column.filled:,} of {column.rows:,} leads); {WIN_AGE_QUANTILE:.0%} of "
                        f"wins came within {days} days, so a lead not won is open until {days} days old, then lost")
    labels = outcome_labels(values, Outcome(**spec))
    if created is not None:  # as the history loads: a lead not won is lost once older than lost_after_days
        labels = lost_with_age(labels, created.reset_index(drop=True), spec.get("lost_after_days"))
    return OutcomeDraft(spec, evidence, labels)


def _matched(frame: pd.DataFrame, stem: str, joins: list[dict[str, Any]]) -> OutcomeDraft:
    join = next((j for j in joins if j["stem"] == stem), None)
    if join is None:
        raise DraftError(f"--outcome {MATCHED}{stem}: no --join file is called {stem} "
                         f"(joins: {', '.join(j['stem'] for j in joins) or 'none'})")
    column = f"in_{stem}"
    join["entry"]["matched"] = column
    key = join["entry"]["on"]
    labels = np.where(frame[key].isin(set(join["keys"])), 1.0, 0.0)
    won = int(labels.sum())
    evidence = (f"won when the lead has a row in {stem} ({won:,} of {len(labels):,} leads, "
                f"{join['matched_share']:.0%} matched on {key}), lost otherwise")
    return OutcomeDraft({"column": column, "won": [True], "lost": [False]}, evidence, labels, matched_join=stem)


def _plain(value: Any) -> Any:
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value.strip() if isinstance(value, str) else value


def _counts(values: pd.Series, top: int = 6) -> str:
    counts = values.map(lambda v: None if pd.isna(v) else _plain(v)).value_counts().head(top)
    return ", ".join(f"{value} {count:,}" for value, count in counts.items()) or "no values"


def is_outcome_name(name: str) -> bool:
    """Whether a column's name says it is an outcome (for refusing the candidates not chosen)."""
    return bool(set(words(name)) & OUTCOME_NAME_WORDS) or folded(name) in WON_WORDS
