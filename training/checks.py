"""Data checks on a training history: duplicated ids, time order, sudden label shifts, new categories."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from features.source import History

SHIFT_RATIO = 2.0  # a last-month won rate this many times above or below the months before is a shift
MIN_MONTH_LEADS = 50


@dataclass
class DataChecks:
    """What a run found odd about its history; printed, and kept in the model card."""

    duplicate_ids: int = 0
    duplicate_examples: list[str] = field(default_factory=list)
    in_time_order: bool = True
    monthly_win_rate: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    label_shift: str | None = None  # the sudden shift of the won rate, if any: it holds a candidate back

    def as_dict(self) -> dict[str, Any]:
        return {"duplicate_ids": self.duplicate_ids, "duplicate_examples": self.duplicate_examples,
                "in_time_order": self.in_time_order, "monthly_win_rate": self.monthly_win_rate,
                "warnings": self.warnings}


def deduplicate(closed: History, id_column: str) -> tuple[History, DataChecks]:
    """Keep the newest record of each lead id, and report what was found."""
    checks = DataChecks(in_time_order=closed.in_time_order)
    duplicated = closed.frame[id_column].duplicated(keep="last").to_numpy()
    if duplicated.any():
        checks.duplicate_ids = int(duplicated.sum())
        checks.duplicate_examples = sorted(set(closed.frame.loc[duplicated, id_column].astype(str)))[:5]
        checks.warnings.append(f"{checks.duplicate_ids} rows repeat a lead id already seen (e.g. "
                               f"{checks.duplicate_examples[0]}); the newest record of each lead was kept")
    if not closed.in_time_order:
        checks.warnings.append("the history was not in time order; it was sorted by lead time")
    keep = ~duplicated
    kept = History(closed.frame[keep].reset_index(drop=True), closed.won[keep],
                   closed.time[keep].reset_index(drop=True), closed.in_time_order)
    return kept, checks


def label_shift(closed: History, checks: DataChecks) -> DataChecks:
    """Won rate per month, and a warning when the last month's rate jumps against the months before."""
    if not pd.api.types.is_datetime64_any_dtype(closed.time):
        return checks
    month = closed.time.dt.to_period("M").astype(str).to_numpy()
    table = pd.DataFrame({"month": month, "won": closed.won}).groupby("month")["won"].agg(["size", "mean"])
    checks.monthly_win_rate = [{"month": m, "leads": int(r["size"]), "win_rate": round(float(r["mean"]), 4)}
                               for m, r in table.iterrows()]
    if len(table) >= 3 and table["size"].iloc[-1] >= MIN_MONTH_LEADS:
        last = float(table["mean"].iloc[-1])
        before = float(np.average(table["mean"].iloc[:-1], weights=table["size"].iloc[:-1]))
        if before > 0 and not (1 / SHIFT_RATIO <= (last or 1e-9) / before <= SHIFT_RATIO):
            checks.label_shift = (f"the won rate of the last month ({table.index[-1]}: {last:.1%}) differs sharply "
                                  f"from the months before ({before:.1%}): check for a change in how outcomes "
                                  "are recorded")
            checks.warnings.append(checks.label_shift)
    return checks
