"""The model choice of a run reads only the pre-holdout window and honours a profile's override."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from features.demo import write_demo
from features.profile import Training, load_profile
from features.source import load_history
from models.families import LINEAR_C, Recipe
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
    assert recipes_for(Training(model="linear", params={"C": 0.5})) == [Recipe("linear", (("C", 0.5),))]


def test_a_linear_override_without_c_leaves_c_to_the_origins() -> None:
    recipes = recipes_for(Training(model="linear", decay=0.25))
    assert [dict(r.settings)["C"] for r in recipes] == list(LINEAR_C)
    assert {(r.family, r.decay) for r in recipes} == {("linear", 0.25)}
    searched = {dict(r.settings)["C"] for r in recipes_for(Training()) if r.family == "linear"}
    assert searched == set(LINEAR_C)


@pytest.mark.parametrize(("training", "message"), [
    ({"model": "trees", "params": {"C": 1.0}}, "params.C: the inverse L2 strength of a linear model"),
    ({"model": "linear", "params": {"C": 0}}, "params.C: 0 is not a positive number"),
    ({"model": "hybrid", "params": {"C": "strong"}}, "params.C: 'strong' is not a positive number"),
    ({"model": "linear", "params": {"num_leaves": 7}}, r"\['num_leaves'\] are not settings of the linear model"),
])
def test_a_c_the_linear_model_cannot_take_is_refused(training: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Training(**training)
