"""Data checks on bad history: duplicated ids, shuffled time, a sudden label flip, new categories."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.demo import write_demo
from features.source import load_history
from tests.conftest import DEMO_PROFILE, quick_profile
from training.checks import deduplicate, label_shift
from training.job import TrainOptions, run_training
from training.steps import Steps


@pytest.fixture()
def frame(tmp_path: Path) -> pd.DataFrame:
    return pd.read_parquet(write_demo(tmp_path / "leads.parquet", rows=6000, seed=21))


def history_of(frame: pd.DataFrame, tmp_path: Path):  # type: ignore[no-untyped-def]
    from features.profile import load_profile

    path = tmp_path / "history.parquet"
    frame.to_parquet(path)
    return load_history(load_profile(DEMO_PROFILE), path), path


def test_duplicated_ids_keep_the_newest_record(frame: pd.DataFrame, tmp_path: Path) -> None:
    doubled = pd.concat([frame, frame.head(40).assign(created_at=frame["created_at"].max())])
    history, _ = history_of(doubled, tmp_path)
    kept, checks = deduplicate(history.closed, "lead_id")
    assert checks.duplicate_ids == int(doubled.head(40)["outcome"].ne("open").sum())
    assert kept.frame["lead_id"].is_unique
    assert "repeat a lead id" in checks.warnings[0]


def test_shuffled_time_is_sorted_and_reported(frame: pd.DataFrame, tmp_path: Path) -> None:
    history, _ = history_of(frame.sample(frac=1, random_state=2), tmp_path)
    assert history.time.is_monotonic_increasing
    _, checks = deduplicate(history.closed, "lead_id")
    assert not checks.in_time_order and "not in time order" in " ".join(checks.warnings)


def test_a_label_flip_in_the_last_month_is_reported(frame: pd.DataFrame, tmp_path: Path) -> None:
    last_month = frame["created_at"] >= frame["created_at"].max() - pd.Timedelta(days=30)
    closed = frame["outcome"].isin(["won", "lost"])
    flipped = frame.copy()
    flipped.loc[last_month & closed, "outcome"] = np.where(frame.loc[last_month & closed, "outcome"] == "won",
                                                           "lost", "won")
    history, _ = history_of(flipped, tmp_path)
    kept, checks = deduplicate(history.closed, "lead_id")
    checks = label_shift(kept, checks)
    assert any("differs sharply" in w for w in checks.warnings)
    assert checks.monthly_win_rate[-1]["win_rate"] > 0.5


def test_a_clean_history_has_no_warnings(frame: pd.DataFrame, tmp_path: Path) -> None:
    history, _ = history_of(frame, tmp_path)
    kept, checks = deduplicate(history.closed, "lead_id")
    assert label_shift(kept, checks).warnings == []


def test_the_card_carries_the_checks_and_new_categories(frame: pd.DataFrame, tmp_path: Path) -> None:
    late = frame["created_at"] >= frame["created_at"].quantile(0.9)
    changed = frame.assign(lead_source=frame["lead_source"].where(~late | (frame.index % 3 != 0), "tiktok"))
    _, path = history_of(pd.concat([changed, changed.head(30)]), tmp_path)
    result = run_training(TrainOptions(profile=quick_profile(tmp_path), data=path,
                                       tracking_uri=f"sqlite:///{tmp_path}/m.db"), Steps())
    checks = result.card["data_checks"]
    assert checks["duplicate_ids"] > 0
    assert any("never seen in training for lead_source" in w and "tiktok" in w for w in checks["warnings"])
