"""The gate under a label flip: a history whose last month's outcomes flipped never replaces the champion.

The flip sits in the holdout (the newest leads), so the candidate learns from the same clean leads as the
champion and both are judged on the same corrupted labels: both look worse, equally, and the metrics alone
would call the candidate "not worse" and promote it. A longer flip that reaches the training window makes the
candidate learn the error and can make it look *better* than the champion on those labels. Either way the
holdout cannot judge, so the data check's label shift holds the candidate back as challenger (unless forced).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.load import copy_store
from features.profile import Profile
from features.source import load_history
from models.registry import CHALLENGER, CHAMPION, Registry
from tests.conftest import DEMO_PROFILE
from training.checks import deduplicate
from training.evaluation import evaluate
from training.gate import Contender
from training.job import TrainOptions, TrainResult, promote, run_training, split_history
from training.steps import Steps

pytestmark = pytest.mark.slow
SHIFT = "the won rate of the last month (2026-10: 88.0%) differs sharply from the months before (12.0%)"


def flip_last_month(data: Path, out: Path) -> Path:
    """The history with won and lost swapped for the leads of its last 30 days."""
    frame = pd.read_parquet(data)
    last = frame["created_at"] >= frame["created_at"].max() - pd.Timedelta(days=30)
    closed = frame["outcome"].isin(["won", "lost"])
    flipped = frame.copy()
    flipped.loc[last & closed, "outcome"] = np.where(frame.loc[last & closed, "outcome"] == "won", "lost", "won")
    flipped.to_parquet(out)
    return out


@pytest.fixture()
def store(trained: TrainResult, tracking_uri: str, tmp_path: Path) -> tuple[str, str, str]:
    """A store of its own holding the session's champion and a copy of it as a second version."""
    uri, champion, [candidate] = copy_store(tmp_path / "store", tracking_uri, challengers=1)
    return uri, champion, candidate


def test_a_label_shift_holds_a_candidate_the_metrics_would_promote(store: tuple[str, str, str], demo_data: Path,
                                                                   demo_profile: Profile) -> None:
    uri, champion, candidate = store
    registry = Registry(uri, demo_profile.registered_model)
    closed, _ = deduplicate(load_history(demo_profile, demo_data).closed, demo_profile.id)
    split = split_history(closed, TrainOptions(profile=DEMO_PROFILE))
    model = registry.load(champion).estimator
    tie = Contender(evaluate(split.holdout.won, model.predict_proba(split.holdout.frame)), True)

    promoted, _ = promote(registry, candidate, split, tie, force=False)
    registry.set_alias(CHAMPION, champion)
    held, _ = promote(registry, candidate, split, tie, force=False, hold=SHIFT)
    after_hold = (registry.version_for(CHAMPION), registry.version_for(CHALLENGER))
    forced, _ = promote(registry, candidate, split, tie, force=True, hold=SHIFT)

    assert promoted.promote and promoted.reason.startswith("not worse than the champion")
    assert not held.promote and held.reason.startswith(SHIFT) and "--force" in held.reason
    assert after_hold == (champion, candidate)
    assert registry.version_tags(candidate)["gate_decision"] == "champion"  # the forced run's record, last
    assert forced.promote and forced.forced and forced.reason.startswith(f"forced: {SHIFT}")


def test_a_history_whose_last_month_flipped_does_not_replace_the_champion(
        store: tuple[str, str, str], demo_data: Path, demo_profile: Profile, tmp_path: Path) -> None:
    uri, champion, _ = store  # the session's champion, trained on the clean demo history
    flipped = flip_last_month(demo_data, tmp_path / "flipped.parquet")
    result = run_training(TrainOptions(profile=DEMO_PROFILE, data=flipped, tracking_uri=uri), Steps())
    registry = Registry(uri, demo_profile.registered_model)
    warnings = result.card["data_checks"]["warnings"]
    print(f"\nlabel flip: candidate ROC AUC {result.candidate.metrics.roc_auc:.4f}, log loss "
          f"{result.candidate.metrics.log_loss:.4f}; champion on the same holdout "
          f"{result.champion.metrics.roc_auc:.4f}, {result.champion.metrics.log_loss:.4f}; {result.decision.reason}")
    assert any("won rate of the last month" in warning for warning in warnings)
    assert result.champion is not None
    # the flip hurts both on the shared holdout: compared by the metrics alone they tie
    assert abs(result.candidate.metrics.roc_auc - result.champion.metrics.roc_auc) < 0.005
    assert not result.decision.promote and "cannot judge the models" in result.decision.reason
    assert registry.version_for(CHAMPION) == champion
    assert registry.version_for(CHALLENGER) == result.version
