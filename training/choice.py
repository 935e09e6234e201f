"""The model choice of a training run: the profile's override where it has one, else the out-of-time search."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from features.profile import C_SETTING, Feature, Training
from models.calibration import CALIBRATION_METHODS, CalibrationMethod
from models.families import Recipe
from models.selection import Selection, linear_recipes, search_space, select
from training.split import TimeSplit


def recipes_for(training: Training) -> list[Recipe]:
    """The whole search space, or the recipes of the family the profile names (one unless C is left open)."""
    if training.model is None:
        return search_space()
    if training.model == "linear" and C_SETTING not in training.params:
        return linear_recipes([training.decay])  # the family is fixed, its C is still chosen out of time
    return [Recipe(training.model, tuple(sorted(training.params.items())), training.decay)]


def choose_model(training: Training, features: Sequence[Feature], split: TimeSplit,
                 budget: float | None = None, seed: int = 7) -> Selection:
    """Compare the candidates on rolling origins of the pre-holdout window (train + valid, never the holdout)."""
    frame = pd.concat([split.train.frame, split.valid.frame], ignore_index=True)
    won = np.concatenate([split.train.won, split.valid.won])
    calibrations: tuple[CalibrationMethod, ...] = (
        CALIBRATION_METHODS if training.calibration is None else (training.calibration,))
    # Inside each origin, the newest share of its rows early-stops and calibrates, as the validation slice does
    # for the final fit.
    valid_share = len(split.valid.won) / len(won)
    # Without an override select takes the search space for the window's size, and says what it left out.
    recipes = None if training.model is None else recipes_for(training)
    return select(frame, won, features, valid_share, recipes, calibrations, budget, seed)

