"""Candidate families and their settings: what a recipe is and how one is fitted on encoded leads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import catboost
import lightgbm as lgb
import numpy as np
from sklearn.metrics import log_loss
from sklearn.model_selection import TimeSeriesSplit

from features.encoder import FeatureEncoder
from features.profile import C_SETTING
from models.parts import CatBoostPart, ConstantPart, LinearPart, Part, TreePart

Family = Literal["prior", "linear", "trees", "hybrid", "catboost"]

# What a family costs to serve, in order: a constant, a dot product, LightGBM trees (TreeSHAP), the linear
# part plus trees, CatBoost (an explained lead is one call into CatBoost for its leaves, then a table: one
# demo lead took 3.0 ms at the median over HTTP against 2.3 ms for LightGBM's trees).
SERVING_COST: dict[str, int] = {"prior": 0, "linear": 1, "trees": 2, "hybrid": 3, "catboost": 4}

# Small, shallow trees: lead histories are noisy and mostly additive, so deep trees overfit; depth also sets
# the cost of every explained score (TreeSHAP time grows with trees x leaves x depth^2).
TREE_PARAMS: dict[str, Any] = {
    "objective": "binary", "learning_rate": 0.1, "num_leaves": 15, "max_depth": 4, "min_data_in_leaf": 50,
    "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 2.0,
    "max_cat_to_onehot": 32, "cat_smooth": 20.0, "min_data_per_group": 50, "verbosity": -1,
}
# Plain boosting (ordered target statistics for categoricals stay) and a rate of 0.15: CatBoost costs
# 20-30 ms a tree on 12,000 leads here, and at 0.08 early stopping ran to 500 trees (15 s a fit) against
# 280 trees at 0.15 (10 s) for the same validation log loss.
CATBOOST_PARAMS: dict[str, Any] = {"depth": 4, "learning_rate": 0.15, "l2_leaf_reg": 3.0, "boosting_type": "Plain"}
# Not a second CatBoost candidate at the library's defaults (depth 6, automatic rate): of the real histories
# the origins preferred it only on Bank Marketing, whose newer leads it then forecast worse (log loss 0.741
# against 0.621), and its fits cost twice these. Nor early stopping on the newest fifth before the refit:
# across seeds it was no better than the validation slice; under strong drift CatBoost's figures move more
# with the seed than with either choice.
# Inverse L2 strengths. The search tries each on the origins, as it tries every other family's settings; a
# linear recipe without one (and the hybrid's linear part) takes the best of them on time-ordered folds of its
# own rows.
LINEAR_C = (0.01, 0.1, 1.0, 10.0)
MAX_ROUNDS = 2000
EARLY_STOPPING = 100
C_SPLITS = 4  # time-ordered folds that choose the linear model's C
C_ROWS = 100_000
SMALL_DATA_ROWS = 100_000


@dataclass(frozen=True)
class Recipe:
    """One candidate: a family, its setting overrides and an optional time decay of the training weights."""

    family: Family
    settings: tuple[tuple[str, Any], ...] = ()
    decay: float | None = None  # half-life as a share of the training rows, newest rows weigh most

    @property
    def name(self) -> str:
        shown = [f"{k}={v}" for k, v in self.settings]
        shown += [] if self.decay is None else [f"half-life {self.decay:g} of the rows"]
        return f"{self.family}({', '.join(shown)})" if shown else self.family

    @property
    def cost(self) -> int:
        return SERVING_COST[self.family]


@dataclass(frozen=True)
class Fitted:
    """Parts fitted for a recipe and what the fit chose (linear C, boosting rounds)."""

    parts: list[Part]
    c: float | None
    rounds: int | None


def decay_weights(rows: int, half_life: float | None) -> np.ndarray | None:
    """Weights halving every `half_life` share of the rows back in time (rows are in time order)."""
    if half_life is None:
        return None
    age = (rows - 1 - np.arange(rows)) / max(rows, 1)
    return np.asarray(0.5 ** (age / half_life))


def fit_recipe(recipe: Recipe, encoder: FeatureEncoder, x: np.ndarray, won: np.ndarray,
               valid: tuple[np.ndarray, np.ndarray] | None = None, rounds: int | None = None,
               c: float | None = None, seed: int = 7, threads: int = 0) -> Fitted:
    """Fit a recipe's parts: early stopping on `valid` when given, else `rounds` trees and the given C."""
    weight = decay_weights(len(won), recipe.decay)
    if recipe.family == "prior":
        rate = float(np.clip(np.average(won, weights=weight), 1e-6, 1 - 1e-6))
        return Fitted([ConstantPart(float(np.log(rate / (1 - rate))))], None, None)
    if recipe.family == "catboost":
        part = _catboost(recipe, encoder, x, won, weight, valid, rounds, seed, threads)
        return Fitted([part], None, part.trees)
    parts: list[Part] = []
    if recipe.family in ("linear", "hybrid"):
        c = c if c is not None else dict(recipe.settings).get(C_SETTING)
        c = c if c is not None else choose_c(encoder, x, won, LINEAR_C)
        parts.append(LinearPart.fit(encoder, x, won, weight, c))
    if recipe.family in ("trees", "hybrid"):
        init = None if not parts else parts[0].margin(x)
        valid_init = None if not parts or valid is None else parts[0].margin(valid[0])
        booster = _boost(recipe, encoder, x, won, weight, valid, rounds, init, valid_init, seed, threads)
        parts.append(TreePart(booster))
    trees = sum(p.trees for p in parts if isinstance(p, TreePart)) or None
    return Fitted(parts, c, trees)


def choose_c(encoder: FeatureEncoder, x: np.ndarray, won: np.ndarray, grid: Sequence[float]) -> float:
    """The C with the lowest mean log loss over time-ordered folds (rows must be in time order)."""
    # Regularisation matters less the more leads there are, and on the newest C_ROWS every C of the grid
    # is already within noise of the others; beyond them the folds would only cost time.
    x, won = x[-C_ROWS:], won[-C_ROWS:]
    losses: dict[float, list[float]] = {float(c): [] for c in grid}
    for fit_rows, test_rows in TimeSeriesSplit(C_SPLITS).split(x):
        if len(np.unique(won[fit_rows])) < 2:
            continue  # an early fold with one outcome says nothing about C
        for c in losses:
            part = LinearPart.fit(encoder, x[fit_rows], won[fit_rows], None, c)
            p = 1.0 / (1.0 + np.exp(-part.margin(x[test_rows])))
            losses[c].append(float(log_loss(won[test_rows], p, labels=[0.0, 1.0])))
    scored = {c: float(np.mean(v)) for c, v in losses.items() if v}
    return min(scored, key=scored.__getitem__) if scored else float(grid[-1])


def threads_for(rows: int, threads: int) -> int:
    # OpenMP threads spin while waiting: on small data with a busy second core, one thread is both faster
    # and steadier (measured 1.4-1.8 s single-threaded against up to 27 s with two).
    return threads or (1 if rows < SMALL_DATA_ROWS else 0)


def booster_names(names: Sequence[str]) -> list[str]:
    """Feature names as LightGBM stores them: it writes a space as '_' (e.g. 'Lead Source' -> 'Lead_Source')."""
    return [name.replace(" ", "_") for name in names]


def _boost(recipe: Recipe, encoder: FeatureEncoder, x: np.ndarray, won: np.ndarray, weight: np.ndarray | None,
           valid: tuple[np.ndarray, np.ndarray] | None, rounds: int | None, init: np.ndarray | None,
           valid_init: np.ndarray | None, seed: int, threads: int) -> lgb.Booster:
    settings = {k: v for k, v in recipe.settings if k != C_SETTING}  # the hybrid's C is its linear part's
    params = {**TREE_PARAMS, **settings, "seed": seed, "num_threads": threads_for(len(won), threads),
              "monotone_constraints": [f.monotone for f in encoder.features]}
    train_set = lgb.Dataset(x, won, weight=weight, init_score=init, feature_name=booster_names(encoder.names),
                            categorical_feature=encoder.categorical_indices)
    if valid is None:
        return lgb.train(params, train_set, num_boost_round=rounds or MAX_ROUNDS)
    valid_set = lgb.Dataset(valid[0], valid[1], init_score=valid_init, reference=train_set)
    return lgb.train(params, train_set, num_boost_round=MAX_ROUNDS, valid_sets=[valid_set],
                     callbacks=[lgb.early_stopping(EARLY_STOPPING, verbose=False)])


def _catboost(recipe: Recipe, encoder: FeatureEncoder, x: np.ndarray, won: np.ndarray, weight: np.ndarray | None,
              valid: tuple[np.ndarray, np.ndarray] | None, rounds: int | None, seed: int,
              threads: int) -> CatBoostPart:
    categorical = encoder.categorical_indices
    # CatBoost constrains numbers only; a categorical feature's direction has no order to keep.
    monotone = {i: f.monotone for i, f in enumerate(encoder.features) if f.monotone and i not in categorical}
    model = catboost.CatBoostClassifier(
        **{**CATBOOST_PARAMS, **dict(recipe.settings)}, iterations=rounds or MAX_ROUNDS, random_seed=seed,
        thread_count=threads_for(len(won), threads) or -1, verbose=0, allow_writing_files=False,
        monotone_constraints=monotone or None)
    part = CatBoostPart(model, categorical)
    train = part.pool(x, won, weight)
    if valid is None:
        model.fit(train)
    else:
        model.fit(train, eval_set=part.pool(valid[0], valid[1]),
                  early_stopping_rounds=EARLY_STOPPING, use_best_model=True)
    return part


@dataclass(frozen=True)
class Candidate:
    """What the selection compares: one recipe, or a blend of recipes whose margins are weighted in log-odds."""

    members: tuple[tuple[Recipe, float], ...]

    @classmethod
    def of(cls, recipe: Recipe) -> Candidate:
        return cls(((recipe, 1.0),))

    @property
    def name(self) -> str:
        if len(self.members) == 1:
            return self.members[0][0].name
        return "blend(" + " + ".join(f"{w:g} x {r.name}" for r, w in self.members) + ")"

    @property
    def family(self) -> str:
        return self.members[0][0].family if len(self.members) == 1 else "blend"

    @property
    def cost(self) -> int:
        return sum(recipe.cost for recipe, _ in self.members) + (len(self.members) - 1)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "family": self.family,
                "members": [{"family": r.family, "settings": dict(r.settings), "decay": r.decay, "weight": w}
                            for r, w in self.members]}
