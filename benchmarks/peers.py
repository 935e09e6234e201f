"""Peers a user would pick instead of the product, fitted on exactly the rows and features it learns from.

- logistic regression with C chosen by time-ordered CV (the job's baseline);
- LightGBM with defaults, and LightGBM tuned by random search with time-ordered CV;
- CatBoost with defaults and early stopping on the newest fifth of the training rows;
- FLAML AutoML with a 60 s budget (`make benchmark-quality` installs the `bench` extra it needs);
- scikit-learn HistGradientBoosting with defaults.

Each repeat of the benchmark gives the peers another random seed and, after the first, the fields in another
order: the order of a CRM export's columns is arbitrary, yet CatBoost and LightGBM break ties between equal
splits by column position, and on a drifting history that alone moves their holdout figures (Bank Marketing:
CatBoost's holdout ROC AUC 0.610-0.752 over five orders of the same fields and seed). A user gets one of
these draws, so the benchmark compares the mean over them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import catboost
import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import log_loss
from sklearn.model_selection import TimeSeriesSplit

from features.encoder import FeatureEncoder
from features.profile import Feature
from training.baseline import fit_baseline, predict_baseline
from training.split import TimeSplit

Peer = Callable[[], tuple[np.ndarray, str]]
SEARCH_DRAWS = 20  # random-search configurations for tuned LightGBM
SEARCH_FOLDS = 3
FLAML_SECONDS = 60


def peers(features: Sequence[Feature], split: TimeSplit, repeat: int = 0) -> dict[str, Peer]:
    """Peers fitted on train + validation (the oldest 80 %), the rows the production path refits on.

    `repeat` is each peer's random seed; past 0 the fields are also taken in an order drawn with it.
    """
    if repeat:
        features = [features[i] for i in np.random.default_rng(repeat).permutation(len(features))]
    frame = pd.concat([split.train.frame, split.valid.frame], ignore_index=True)
    won = np.concatenate([split.train.won, split.valid.won])
    holdout = split.holdout.frame
    found: dict[str, Peer] = {
        "logistic regression (CV C)": lambda: _logistic(features, frame, won, holdout),
        "LightGBM (defaults)": lambda: _lightgbm(features, frame, won, holdout, repeat),
        "LightGBM (random search, time-ordered CV)": lambda: _tuned_lightgbm(features, frame, won, holdout, repeat),
        "CatBoost (early stopping on the newest fifth)": lambda: _catboost(features, frame, won, holdout, repeat),
        "HistGradientBoosting (defaults)": lambda: _histgb(features, frame, won, holdout, repeat),
    }
    if _has_automl():
        found[f"FLAML AutoML ({FLAML_SECONDS} s)"] = lambda: _flaml(features, frame, won, holdout, repeat)
    return found


def _has_automl() -> bool:
    try:
        from flaml import AutoML  # noqa: F401
    except ImportError:  # flaml without its automl extra
        return False
    return True


def _logistic(features: Sequence[Feature], frame: pd.DataFrame, won: np.ndarray,
              holdout: pd.DataFrame) -> tuple[np.ndarray, str]:
    pipeline = fit_baseline(features, frame, won)
    return predict_baseline(pipeline, features, holdout), f"C={float(pipeline[-1].C_[0]):g}"


def _histgb(features: Sequence[Feature], frame: pd.DataFrame, won: np.ndarray, holdout: pd.DataFrame,
            seed: int) -> tuple[np.ndarray, str]:
    encoder = FeatureEncoder(features).fit(frame)
    mask = [i in encoder.categorical_indices for i in range(len(encoder.names))]
    model = HistGradientBoostingClassifier(categorical_features=mask, random_state=seed)
    model.fit(encoder.transform(frame), won)
    return model.predict_proba(encoder.transform(holdout))[:, 1], f"{model.n_iter_} iterations"


def _lgb_fit(encoder: FeatureEncoder, x: np.ndarray, won: np.ndarray, params: dict[str, Any], seed: int,
             rounds: int = 100) -> lgb.Booster:
    data = lgb.Dataset(x, won, categorical_feature=encoder.categorical_indices)
    return lgb.train({"objective": "binary", "verbosity": -1, "seed": seed, **params}, data, num_boost_round=rounds)


def _lightgbm(features: Sequence[Feature], frame: pd.DataFrame, won: np.ndarray, holdout: pd.DataFrame,
              seed: int) -> tuple[np.ndarray, str]:
    encoder = FeatureEncoder(features).fit(frame)
    booster = _lgb_fit(encoder, encoder.transform(frame), won, {}, seed)
    return np.asarray(booster.predict(encoder.transform(holdout))), f"{booster.num_trees()} trees"


def _draw(rng: np.random.Generator) -> tuple[dict[str, Any], int]:
    params = {"num_leaves": int(rng.choice([4, 8, 15, 31, 63])), "learning_rate": float(rng.choice([0.02, 0.05, 0.1])),
              "min_data_in_leaf": int(rng.choice([20, 50, 100, 200])), "lambda_l2": float(rng.choice([0, 1, 10])),
              "feature_fraction": float(rng.choice([0.6, 0.8, 1.0])), "cat_smooth": float(rng.choice([10, 20, 50]))}
    return params, int(rng.choice([100, 200, 400, 800]))


def _tuned_lightgbm(features: Sequence[Feature], frame: pd.DataFrame, won: np.ndarray, holdout: pd.DataFrame,
                    seed: int) -> tuple[np.ndarray, str]:
    encoder = FeatureEncoder(features).fit(frame)
    x = encoder.transform(frame)
    best: tuple[dict[str, Any], int] = ({}, 100)
    rng, best_loss = np.random.default_rng(seed), np.inf
    for _ in range(SEARCH_DRAWS):
        params, rounds = _draw(rng)
        losses = [log_loss(won[test], _lgb_fit(encoder, x[fit], won[fit], params, seed, rounds).predict(x[test]),
                           labels=[0, 1]) for fit, test in TimeSeriesSplit(SEARCH_FOLDS).split(x)]
        if float(np.mean(losses)) < best_loss:
            best, best_loss = (params, rounds), float(np.mean(losses))
    booster = _lgb_fit(encoder, x, won, best[0], seed, best[1])
    return np.asarray(booster.predict(encoder.transform(holdout))), f"{best[1]} rounds, {best[0]}"


def _catboost_frame(features: Sequence[Feature], frame: pd.DataFrame) -> pd.DataFrame:
    # CatBoost reads categories as text; a missing category is its own level.
    return pd.DataFrame({f.name: frame[f.name].astype("object").where(frame[f.name].notna(), "(missing)").astype(str)
                         if f.kind.value == "categorical" else frame[f.name].astype("float64") for f in features})


def _catboost(features: Sequence[Feature], frame: pd.DataFrame, won: np.ndarray, holdout: pd.DataFrame,
              seed: int) -> tuple[np.ndarray, str]:
    x = _catboost_frame(features, frame)
    categorical = [f.name for f in features if f.kind.value == "categorical"]
    cut = int(len(x) * 0.8)
    model = catboost.CatBoostClassifier(random_seed=seed, verbose=0, allow_writing_files=False,
                                        cat_features=categorical)
    model.fit(x.iloc[:cut], won[:cut], eval_set=(x.iloc[cut:], won[cut:]), early_stopping_rounds=100)
    p = model.predict_proba(_catboost_frame(features, holdout))[:, 1]
    return np.asarray(p), f"{model.tree_count_} trees"


def _flaml(features: Sequence[Feature], frame: pd.DataFrame, won: np.ndarray, holdout: pd.DataFrame,
           seed: int) -> tuple[np.ndarray, str]:
    from flaml import AutoML

    x = _catboost_frame(features, frame).astype({f.name: "category" for f in features
                                                 if f.kind.value == "categorical"})
    automl = AutoML()
    automl.fit(x, won, task="classification", metric="log_loss", time_budget=FLAML_SECONDS, eval_method="holdout",
               split_type="time", seed=seed, verbose=0)
    test = _catboost_frame(features, holdout).astype({c: x[c].dtype for c in x.columns})
    return np.asarray(automl.predict_proba(test)[:, 1]), f"{automl.best_estimator}"
