"""Time split: older leads train, a later slice validates, the newest slice is the holdout."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.source import History, HistoryError


@dataclass(frozen=True)
class TimeSplit:
    """Three windows in time order; no lead in an earlier window is newer than one in a later window."""

    train: History
    valid: History
    holdout: History

    def prior_win_rate(self) -> float:
        """Win rate of the leads before the holdout: the forecast any model has to beat."""
        return float(np.concatenate([self.train.won, self.valid.won]).mean())

    def window(self) -> dict[str, str]:
        """First and last lead time of each window, for the model card."""
        return {name: f"{part.time.min()} .. {part.time.max()}"
                for name, part in (("train", self.train), ("valid", self.valid), ("holdout", self.holdout))}


def time_split(history: History, holdout: float = 0.2, valid: float = 0.15) -> TimeSplit:
    """Split closed leads by time; leads sharing a time stay on the same side of a cut."""
    if not (0 < holdout < 1 and 0 < valid < 1 and holdout + valid < 1):
        raise ValueError(f"holdout ({holdout}) and valid ({valid}) must be fractions that sum below 1")
    n = len(history.time)
    holdout_cut = history.time.iloc[min(int(n * (1 - holdout)), n - 1)]
    return _cut(history, _valid_cut(history, holdout_cut, int(n * valid)), holdout_cut)


def time_split_from(history: History, holdout_from: pd.Timestamp | float, valid: float = 0.15) -> TimeSplit:
    """Split with the holdout starting at a given time; validation is the slice just before it."""
    return _cut(history, _valid_cut(history, holdout_from, int(len(history.time) * valid)), holdout_from)


def _valid_cut(history: History, holdout_cut: object, rows: int) -> object:
    # Count back from the holdout so a tie block at the holdout cut cannot swallow the validation slice.
    before = int((history.time < holdout_cut).sum())
    return history.time.iloc[max(before - max(rows, 1), 0)]


def _cut(history: History, valid_cut: object, holdout_cut: object) -> TimeSplit:
    time = history.time
    masks = {"train": (time < valid_cut).to_numpy(),
             "valid": ((time >= valid_cut) & (time < holdout_cut)).to_numpy(),
             "holdout": (time >= holdout_cut).to_numpy()}
    parts = {name: _take(history, mask) for name, mask in masks.items()}
    for name, part in parts.items():
        classes = set(np.unique(part.won).tolist())
        if classes != {0.0, 1.0}:
            raise HistoryError(f"the {name} window ({len(part.won)} leads from {_span(part)}) needs both won and "
                               "lost leads; use a longer history or another holdout")
    return TimeSplit(**parts)


def _take(history: History, mask: np.ndarray) -> History:
    return History(history.frame[mask].reset_index(drop=True), history.won[mask],
                   history.time[mask].reset_index(drop=True))


def _span(part: History) -> str:
    return "nothing" if part.time.empty else f"{part.time.min()} to {part.time.max()}"
