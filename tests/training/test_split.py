"""Time split: windows in time order, ties kept together, both outcomes in every window."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.source import History, HistoryError
from training.split import time_split, time_split_from


def history(times: list[str] | pd.Series, won: list[float] | np.ndarray) -> History:
    time = pd.Series(pd.to_datetime(times))
    frame = pd.DataFrame({"lead_id": [f"L{i}" for i in range(len(time))]})
    return History(frame, np.asarray(won, dtype=float), time)


def test_no_training_lead_is_newer_than_a_holdout_lead() -> None:
    rng = np.random.default_rng(3)
    times = pd.Series(pd.date_range("2025-01-01", periods=400, freq="D")).sample(frac=1, random_state=1)
    ordered = times.sort_values().reset_index(drop=True)
    split = time_split(history(ordered, rng.integers(0, 2, 400)), holdout=0.2, valid=0.15)
    assert split.train.time.max() < split.valid.time.min()
    assert split.valid.time.max() < split.holdout.time.min()
    assert len(split.holdout.won) == 80 and len(split.valid.won) == 60 and len(split.train.won) == 260


def test_leads_sharing_a_time_stay_on_one_side() -> None:
    times = ["2025-01-01"] * 40 + ["2025-02-01"] * 30 + ["2025-03-01"] * 30
    won = np.tile([0.0, 1.0], 50)
    split = time_split(history(times, won), holdout=0.25, valid=0.3)
    assert set(split.holdout.time.dt.month) == {3}
    assert set(split.valid.time.dt.month) == {2}
    assert set(split.train.time.dt.month) == {1}


def test_a_holdout_start_date() -> None:
    times = pd.date_range("2025-01-01", periods=300, freq="D")
    split = time_split_from(history(times, np.tile([0.0, 1.0], 150)), pd.Timestamp("2025-09-01"))
    assert split.holdout.time.min() == pd.Timestamp("2025-09-01")
    assert split.valid.time.max() < pd.Timestamp("2025-09-01")


def test_a_window_with_one_outcome_is_refused() -> None:
    won = np.r_[np.tile([0.0, 1.0], 40), np.zeros(20)]
    with pytest.raises(HistoryError, match="the holdout window .* needs both won and lost leads"):
        time_split(history(pd.date_range("2025-01-01", periods=100, freq="D"), won), holdout=0.2)


@pytest.mark.parametrize(("holdout", "valid"), [(0.0, 0.1), (0.6, 0.5), (1.2, 0.1)])
def test_bad_fractions_are_refused(holdout: float, valid: float) -> None:
    with pytest.raises(ValueError, match="must be fractions"):
        time_split(history(["2025-01-01", "2025-01-02"], [0.0, 1.0]), holdout=holdout, valid=valid)
