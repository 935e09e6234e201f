"""Agreement what-if: a proposed agreement against the current one, on closed leads with known outcomes.

The evidence sales and marketing bring to the table before signing a change: how the grades would shift,
which won deals the proposal would have disqualified or graded lower, and what each proposed rule catches
and costs in won deals. Both agreements grade the same probabilities, so every difference comes from the
agreements alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from models.agreement import Agreement, Rule
from models.grading import grade_frame

LISTED = 20  # won deals named per finding; the count is always complete


@dataclass(frozen=True, slots=True)
class GradeShift:
    """One grade under both agreements: how many leads, their share, and their win rate."""

    grade: str
    before: int
    after: int
    won_before: int
    won_after: int
    share_before: float
    share_after: float

    @property
    def win_rate_before(self) -> float | None:
        """Win rate of the grade today; None when empty."""
        return self.won_before / self.before if self.before else None

    @property
    def win_rate_after(self) -> float | None:
        """Win rate of the grade under the proposal; None when empty."""
        return self.won_after / self.after if self.after else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {"grade": self.grade, "before": self.before, "after": self.after,
                "share_before": self.share_before, "share_after": self.share_after,
                "won_before": self.won_before, "won_after": self.won_after,
                "win_rate_before": self.win_rate_before, "win_rate_after": self.win_rate_after}


@dataclass(frozen=True, slots=True)
class WonDeal:
    """A won lead whose grade the proposal changes; `rule` decided its new grade (None: the thresholds)."""

    lead_id: str
    before: str
    after: str
    rule: str | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {"lead_id": self.lead_id, "before": self.before, "after": self.after, "rule": self.rule}


@dataclass(frozen=True, slots=True)
class WonDeals:
    """How many won deals a finding holds, and the first few by lead order."""

    count: int
    listed: tuple[WonDeal, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {"count": self.count, "lead_ids": [deal.lead_id for deal in self.listed],
                "deals": [deal.to_dict() for deal in self.listed]}


@dataclass(frozen=True, slots=True)
class RuleImpact:
    """A proposed rule on history: leads it catches, won deals among them, and where it decided the grade."""

    id: str
    effect: str
    text: str
    status: str  # new, changed or unchanged against the current agreement
    caught: int
    won: int
    decided: int
    decided_won: int

    @property
    def win_rate(self) -> float | None:
        """Win rate of the leads the rule catches; None when it catches none."""
        return self.won / self.caught if self.caught else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {"id": self.id, "effect": self.effect, "text": self.text, "status": self.status,
                "caught": self.caught, "won": self.won, "win_rate": self.win_rate,
                "decided": self.decided, "decided_won": self.decided_won}


@dataclass(frozen=True)
class Impact:
    """The proposed agreement against the current one on the same closed leads."""

    current_version: str
    proposed_version: str
    leads: int
    won: int
    grades: tuple[GradeShift, ...]
    newly_disqualified: WonDeals  # won, disqualified by the proposal, not today
    downgraded: WonDeals  # won, not disqualified, but a lower grade than today
    upgraded: WonDeals  # won, a higher grade than today
    rules: tuple[RuleImpact, ...]
    removed_rules: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view of every figure."""
        return {
            "current_version": self.current_version,
            "proposed_version": self.proposed_version,
            "leads": self.leads,
            "won": self.won,
            "grades": [shift.to_dict() for shift in self.grades],
            "newly_disqualified_won": self.newly_disqualified.to_dict(),
            "downgraded_won": self.downgraded.to_dict(),
            "upgraded_won": self.upgraded.to_dict(),
            "rules": [rule.to_dict() for rule in self.rules],
            "removed_rules": list(self.removed_rules),
        }


def compare_agreements(
    current: Agreement,
    proposed: Agreement,
    leads: pd.DataFrame,
    probabilities: np.ndarray,
    won: np.ndarray,
    *,
    id_column: str = "lead_id",
) -> Impact:
    """Grade closed leads under both agreements and compare; `won` is 1 for won and 0 for lost."""
    won = closed_outcomes(won, len(leads))
    if id_column not in leads.columns:
        raise ValueError(f"leads: the id column {id_column!r} is missing")
    before = grade_frame(current, probabilities, leads)
    after = grade_frame(proposed, probabilities, leads)
    ids = leads[id_column].astype(str).to_numpy()
    before_rank, after_rank = _letter_ranks(before["grade"]), _letter_ranks(after["grade"])
    newly = won & after["disqualified"].to_numpy() & ~before["disqualified"].to_numpy()
    lower = won & ~after["disqualified"].to_numpy() & (after_rank > before_rank)
    return Impact(
        current_version=current.version,
        proposed_version=proposed.version,
        leads=len(leads),
        won=int(won.sum()),
        grades=grade_shifts(before["grade"], after["grade"], won, (*current.letters, *proposed.letters)),
        newly_disqualified=won_deals(newly, ids, before, after),
        downgraded=won_deals(lower, ids, before, after),
        upgraded=won_deals(won & (after_rank < before_rank), ids, before, after),
        rules=rule_impacts(current, proposed, leads, won, after["deciding_rule"]),
        removed_rules=removed_rules(current, proposed),
    )


def removed_rules(current: Agreement, proposed: Agreement) -> tuple[str, ...]:
    """Ids of today's rules the proposal drops."""
    kept = {rule.id for rule in proposed.rules}
    return tuple(rule.id for rule in current.rules if rule.id not in kept)


def closed_outcomes(won: np.ndarray, rows: int) -> np.ndarray:
    """The outcomes as booleans; an open lead (NaN) or a length mismatch is refused."""
    values = np.asarray(won, dtype=float).reshape(-1)
    if len(values) != rows:
        raise ValueError(f"{len(values)} outcomes for {rows} leads")
    if np.isnan(values).any():
        open_leads = int(np.isnan(values).sum())
        raise ValueError(f"{open_leads} leads are still open: the what-if needs closed leads")
    won_flags: np.ndarray = values == 1.0
    return won_flags


def _letter_ranks(grades: pd.Series) -> np.ndarray:
    # Grade letters run A, B, C...: comparing letters works even when the two agreements differ in grades.
    return np.array([ord(grade) for grade in grades], dtype=int)


def grade_shifts(before: pd.Series, after: pd.Series, won: np.ndarray,
                 letters: Sequence[str]) -> tuple[GradeShift, ...]:
    """Per grade of either agreement: counts, shares and won deals today and under the proposal."""
    old, new, total = before.to_numpy(), after.to_numpy(), max(len(before), 1)
    shifts = []
    for letter in sorted(set(letters)):
        was, will = old == letter, new == letter
        shifts.append(GradeShift(letter, int(was.sum()), int(will.sum()), int((was & won).sum()),
                                 int((will & won).sum()), float(was.sum() / total),
                                 float(will.sum() / total)))
    return tuple(shifts)


def won_deals(mask: np.ndarray, ids: np.ndarray, before: pd.DataFrame, after: pd.DataFrame) -> WonDeals:
    """The count of a finding and its first LISTED deals."""
    rows = np.flatnonzero(mask)
    first = rows[:LISTED]
    listed = tuple(WonDeal(str(lead), was, will, rule) for lead, was, will, rule in zip(
        ids[first], before["grade"].iloc[first].tolist(), after["grade"].iloc[first].tolist(),
        after["deciding_rule"].iloc[first].tolist(), strict=True))
    return WonDeals(len(rows), listed)


def rule_impacts(current: Agreement, proposed: Agreement, leads: pd.DataFrame, won: np.ndarray,
                 deciding: pd.Series) -> tuple[RuleImpact, ...]:
    """Per proposed rule: leads caught, won among them, and leads (and won) whose grade it decided."""
    today = {rule.id: rule for rule in current.rules}
    decided_by = deciding.to_numpy(dtype=object)
    impacts = []
    for rule, check in zip(proposed.rules, proposed.checks, strict=True):
        caught, decided = check.hits(leads), decided_by == rule.id
        impacts.append(RuleImpact(rule.id, rule.effect, check.text, rule_status(rule, today),
                                  int(caught.sum()), int((caught & won).sum()),
                                  int(decided.sum()), int((decided & won).sum())))
    return tuple(impacts)


def rule_status(rule: Rule, current: dict[str, Rule]) -> str:
    """new, changed or unchanged: compared by id, then by what the rule says and does."""
    if rule.id not in current:
        return "new"
    return "unchanged" if current[rule.id] == rule else "changed"
