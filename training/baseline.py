"""Logistic-regression baseline on the same split: what the boosted model has to beat."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from features.profile import Feature, FeatureKind

MAX_ROWS = 200_000  # the most recent rows; beyond this the baseline's fit time dominates a run


def baseline_pipeline(features: Sequence[Feature]) -> Pipeline:
    """One-hot categoricals, scaled numerics with missing indicators, C chosen by time-ordered CV."""
    numeric = [f.name for f in features if f.kind is not FeatureKind.categorical]
    categorical = [f.name for f in features if f.kind is FeatureKind.categorical]
    columns = ColumnTransformer([
        ("numeric", make_pipeline(SimpleImputer(strategy="median", add_indicator=True,
                                                keep_empty_features=True), StandardScaler()), numeric),
        ("categorical", make_pipeline(SimpleImputer(strategy="constant", fill_value="(missing)"),
                                      OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=20)),
         categorical),
    ])
    model = LogisticRegressionCV(Cs=[0.001, 0.01, 0.1, 1.0, 10.0], cv=TimeSeriesSplit(4),
                                 scoring="neg_log_loss", max_iter=2000, solver="newton-cholesky")
    return Pipeline([("columns", columns), ("model", model)])


def fit_baseline(features: Sequence[Feature], train: pd.DataFrame, won: np.ndarray) -> Pipeline:
    """Fit on the training window (rows in time order; the newest MAX_ROWS when larger)."""
    frame = _inputs(features, train.iloc[-MAX_ROWS:])
    with warnings.catch_warnings():
        # scikit-learn 1.9 announces attribute changes of LogisticRegressionCV that do not affect us.
        warnings.simplefilter("ignore", FutureWarning)
        return baseline_pipeline(features).fit(frame, won[-MAX_ROWS:])


def predict_baseline(pipeline: Pipeline, features: Sequence[Feature], leads: pd.DataFrame) -> np.ndarray:
    """P(won) from the baseline."""
    return pipeline.predict_proba(_inputs(features, leads))[:, 1]


def _inputs(features: Sequence[Feature], leads: pd.DataFrame) -> pd.DataFrame:
    # Object dtype for categoricals: the imputer and one-hot encoder reject pandas' str dtype with NaN.
    return pd.DataFrame({f.name: leads[f.name].astype("object") if f.kind is FeatureKind.categorical
                         else leads[f.name].astype("float64") for f in features})
