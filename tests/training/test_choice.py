"""The model choice of a run reads only the pre-holdout window and honours a profile's override."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from features.demo import write_demo
from features.profile import Training, load_profile
from features.source import load_history
from models.families import Recipe
from tests.conftest import DEMO_PROFILE
from training.choice import choose_model, recipes_for
from training.split import time_split


def test_shuffling_the_holdout_labels_leaves_the_choice_identical(tmp_path: Path) -> None:
    profile = load_profile(DEMO_PROFILE)
    closed = load_history(profile, write_demo(tmp_path / "leads.parquet", rows=3000, seed=2)).closed
    split = time_split(closed)
    features = [f for f in profile.features if f.name not in {"closed_at", "deal_value"}]
    shuffled = replace(split, holdout=replace(split.holdout, won=np.random.default_rng(1).permutation(
        1.0 - split.holdout.won)))
    assert not np.array_equal(shuffled.holdout.won, split.holdout.won)
    recipes = Training()
    first, second = choose_model(recipes, features, split), choose_model(recipes, features, shuffled)
    assert (first.candidate, first.calibration) == (second.candidate, second.calibration)
    strip = [{k: v for k, v in row.items() if k != "search_seconds"} for row in first.table]
    assert strip == [{k: v for k, v in row.items() if k != "search_seconds"} for row in second.table]


def test_an_override_fixes_what_it_names_and_nothing_else() -> None:
    assert recipes_for(Training(model="trees", params={"num_leaves": 7}, decay=0.3)) == [
        Recipe("trees", (("num_leaves", 7),), 0.3)]
    assert {r.family for r in recipes_for(Training(calibration="isotonic"))} >= {"linear", "catboost"}
    assert Training(calibration="isotonic").overrides == {"calibration": "isotonic"}
