"""Propensity estimator: LightGBM, a linear model or both on encoded leads, calibrated to an absolute P(won)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import KFold, TimeSeriesSplit

from features.encoder import FeatureEncoder
from features.profile import DEFAULT_LINEAR_C, Feature, FeatureKind
from models.booster_predict import raw_margins, tree_contributions
from models.calibration import CalibrationMethod, Calibrator, calibrator_from_dict, fit_calibrator
from models.evidence import Evidence

BOOSTER_FILE = "booster.txt"
STATE_FILE = "state.json"

# Small, shallow trees: lead histories are noisy and mostly additive, so deep trees overfit. Depth also
# sets the cost of every explained score: TreeSHAP takes time in proportion to trees x leaves x depth^2.
# On the 20,000-lead demo, depth 4 at rate 0.1 stops at 166 trees with holdout AUC 0.9077 and log loss
# 0.2162, against 469 trees, 0.9068 and 0.2176 for unbounded depth at rate 0.03, and explains a lead
# in about a sixth of the time (150 against 970 microseconds a row). The same settings serve large
# histories: the 1,000,000-lead demo stops at 662 trees with holdout AUC 0.9152 (0.9147 with 31-leaf trees
# of any depth).
DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.1,
    "num_leaves": 15,
    "max_depth": 4,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 2.0,
    "max_cat_to_onehot": 32,
    "cat_smooth": 20.0,
    "min_data_per_group": 50,
    "verbosity": -1,
}

# trees: LightGBM alone. linear: regularised logistic regression. hybrid: the linear model's margin is the
# starting point of boosted trees that learn what it misses (interactions, thresholds).
ModelKind = Literal["trees", "linear", "hybrid"]
CalibrationSource = Literal["valid", "cross_fit"]
C_SPLITS = 4  # time-ordered folds that choose the linear model's C
CROSS_FIT_FOLDS = 5  # folds whose out-of-fold margins calibrate a refitted model
IMPORTANCE_ROWS = 5_000  # rows whose mean absolute contributions give a linear or hybrid model's importance
SMALL_DATA_ROWS = 100_000


class ModelLoadError(RuntimeError):
    """A saved model that cannot be loaded (missing, corrupt or incompatible)."""


@dataclass(frozen=True)
class Block:
    """How one encoded feature enters the linear model: one-hot codes or a scaled number, plus a missing flag."""

    categories: int  # 0 for a number; else one column per category code
    center: float = 0.0
    scale: float = 1.0

    @classmethod
    def learn(cls, values: np.ndarray, categories: int) -> Block:
        """Centre and scale a number on its training values (a missing number sits at the centre)."""
        present = values[~np.isnan(values)]
        if categories or not len(present):
            return cls(categories)
        scale = float(present.std())
        return cls(0, float(present.mean()), scale if scale > 0 else 1.0)

    @property
    def width(self) -> int:
        return (self.categories or 1) + 1

    def expand(self, values: np.ndarray) -> np.ndarray:
        """The block's design columns for encoded values."""
        missing = np.isnan(values)
        if not self.categories:
            return np.column_stack([np.where(missing, 0.0, (values - self.center) / self.scale), missing])
        out = np.zeros((len(values), self.width))
        codes = np.where(missing, 0, values).astype(int)
        out[np.arange(len(values)), codes] = ~missing
        out[:, -1] = missing
        return out


class LinearPart:
    """Regularised logistic regression on encoded leads, kept as plain numbers (JSON, no pickle).

    A field's contribution is its coefficients times its centred design columns, so the contributions of a
    row plus the bias (last column) sum to its margin, as TreeSHAP's do.
    """

    def __init__(self, blocks: Sequence[Block], c: float) -> None:
        self.blocks = list(blocks)
        self.c = c

    @classmethod
    def fit(cls, encoder: FeatureEncoder, x: np.ndarray, won: np.ndarray, weight: np.ndarray | None,
            c: float) -> LinearPart:
        """Fit with inverse regularisation strength `c` (L2)."""
        part = cls(_blocks(encoder, x), c)
        design = part.design(x)
        # Newton-Cholesky suits many rows and few design columns, and is an order of magnitude faster than lbfgs here.
        model = LogisticRegression(C=c, solver="newton-cholesky", max_iter=200).fit(design, won, sample_weight=weight)
        part.coef_, part.intercept_ = model.coef_[0].astype("float64"), float(model.intercept_[0])
        part.mean_ = design.mean(axis=0)
        return part

    def design(self, x: np.ndarray) -> np.ndarray:
        return np.hstack([block.expand(x[:, i]) for i, block in enumerate(self.blocks)])

    def margin(self, x: np.ndarray) -> np.ndarray:
        return self.design(x) @ self.coef_ + self.intercept_

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per-field contributions, last column the bias; each row sums to the margin."""
        weighted = (self.design(x) - self.mean_) * self.coef_
        ends = np.cumsum([0] + [block.width for block in self.blocks])
        fields = [weighted[:, a:b].sum(axis=1) for a, b in zip(ends[:-1], ends[1:], strict=True)]
        bias = np.full(len(x), self.intercept_ + float(self.mean_ @ self.coef_))
        return np.column_stack([*fields, bias])

    def to_dict(self) -> dict[str, Any]:
        return {"c": self.c, "intercept": self.intercept_, "coef": self.coef_.tolist(), "mean": self.mean_.tolist(),
                "blocks": [[b.categories, b.center, b.scale] for b in self.blocks]}

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> LinearPart:
        part = cls([Block(int(k), float(m), float(s)) for k, m, s in state["blocks"]], float(state["c"]))
        part.coef_, part.mean_ = np.asarray(state["coef"], dtype="float64"), np.asarray(state["mean"], dtype="float64")
        part.intercept_ = float(state["intercept"])
        if len(part.coef_) != sum(b.width for b in part.blocks) or len(part.mean_) != len(part.coef_):
            raise ValueError(f"linear part: {len(part.coef_)} coefficients do not fit its {len(part.blocks)} fields")
        return part


def _blocks(encoder: FeatureEncoder, x: np.ndarray) -> list[Block]:
    return [Block.learn(x[:, i], len(column.categories) if column.kind is FeatureKind.categorical else 0)
            for i, column in enumerate(encoder.columns_)]


def choose_c(encoder: FeatureEncoder, x: np.ndarray, won: np.ndarray, grid: Sequence[float]) -> float:
    """The C with the lowest mean log loss over time-ordered folds (rows must be in time order)."""
    if len(grid) == 1:
        return float(grid[0])
    losses = {float(c): [] for c in grid}
    for fit_rows, test_rows in TimeSeriesSplit(C_SPLITS).split(x):
        if len(np.unique(won[fit_rows])) < 2:
            continue  # an early fold with one outcome says nothing about C
        for c in losses:
            part = LinearPart.fit(encoder, x[fit_rows], won[fit_rows], None, c)
            p = 1.0 / (1.0 + np.exp(-part.margin(x[test_rows])))
            losses[c].append(log_loss(won[test_rows], p, labels=[0.0, 1.0]))
    scored = {c: float(np.mean(v)) for c, v in losses.items() if v}
    return min(scored, key=scored.__getitem__) if scored else float(grid[-1])


class PropensityEstimator:
    """Everything learned for scoring lives here: encoder, model parts, calibrator and evidence.

    `kind` picks the model: LightGBM trees (the default), a regularised linear model, or a hybrid whose trees
    boost from the linear margin. Settings are chosen out of time (early stopping on the validation slice,
    the linear C on time-ordered folds); with `refit` the model is then refitted on train + validation.
    `calibrate_on` says where the calibrator learns: the validation slice's margins before the refit
    ("valid"), or out-of-fold margins of the refitted recipe over train + validation ("cross_fit"), for
    histories whose validation slice is too small or too unlike the rest to calibrate on alone. Calibration
    "none" keeps the model's own log-odds (P = sigmoid(margin)) and fits nothing.
    """

    def __init__(
        self,
        features: Sequence[Feature],
        params: Mapping[str, Any] | None = None,
        max_rounds: int = 2000,
        early_stopping: int = 100,
        calibration: CalibrationMethod = "sigmoid",
        seed: int = 7,
        threads: int = 0,
        refit: bool = True,
        kind: ModelKind = "trees",
        linear_c: Sequence[float] = DEFAULT_LINEAR_C,
        calibrate_on: CalibrationSource = "valid",
    ) -> None:
        self.features = list(features)
        self.params = dict(params or {})
        self.max_rounds = max_rounds
        self.early_stopping = early_stopping
        self.calibration = calibration
        self.seed = seed
        self.threads = threads
        self.refit = refit
        self.kind = kind
        self.linear_c = tuple(linear_c)
        self.calibrate_on = calibrate_on

    def fit(
        self,
        train: pd.DataFrame,
        won: np.ndarray,
        valid: pd.DataFrame,
        valid_won: np.ndarray,
        weight: np.ndarray | None = None,
        valid_weight: np.ndarray | None = None,
    ) -> PropensityEstimator:
        """Encode, fit with early stopping on the out-of-time slice and calibrate on it, then refit."""
        if self.calibrate_on == "cross_fit" and not self.refit:
            raise ValueError("calibrate_on='cross_fit' calibrates the refitted model: it needs refit=True")
        history = pd.concat([train, valid], ignore_index=True)
        # A refitted model learns from the validation rows too, so it must know the categories first seen there.
        self.encoder_ = FeatureEncoder(self.features).fit(history if self.refit else train)
        x, x_valid = self.encoder_.transform(train), self.encoder_.transform(valid)
        x_all, won_all = np.vstack([x, x_valid]), np.concatenate([won, valid_won])
        self.linear_c_ = None if self.kind == "trees" else choose_c(
            self.encoder_, x_all if self.refit else x, won_all if self.refit else won, self.linear_c)
        self.linear_, self.booster_ = self._fit_parts(x, won, weight, valid=(x_valid, valid_won))
        self.calibrator_: Calibrator = fit_calibrator(self.calibration, self.margin(x_valid), valid_won)
        if self.refit:
            weights = None if weight is None else np.concatenate(
                [weight, valid_weight if valid_weight is not None else np.ones(len(valid_won))])
            self._refit(x_all, won_all, weights, len(won))
        self.evidence_ = Evidence.from_history(self.encoder_.coerce(history), won_all, self.features)
        self.importance_ = None if self.kind == "trees" else self._contribution_importance(x_all)
        return self

    def _refit(self, x: np.ndarray, won: np.ndarray, weight: np.ndarray | None, train_rows: int) -> None:
        # The newest closed leads matter most under drift: refit on train + valid with the rounds early
        # stopping found (scaled to the larger set); the calibrator fitted out of time is kept unless
        # calibrate_on asks for cross-fitted margins.
        rounds = None if self.booster_ is None else max(1, round(self.trees * len(won) / train_rows))
        if self.calibrate_on == "cross_fit" and self.calibration != "none":
            self.calibrator_ = fit_calibrator(self.calibration, self._cross_fitted(x, won, weight, rounds), won)
        self.linear_, self.booster_ = self._fit_parts(x, won, weight, rounds=rounds)

    def _cross_fitted(self, x: np.ndarray, won: np.ndarray, weight: np.ndarray | None,
                      rounds: int | None) -> np.ndarray:
        """Out-of-fold margins of the refit recipe: each fold scored by a model fitted without it."""
        margins = np.empty(len(won))
        for fit_rows, test_rows in KFold(CROSS_FIT_FOLDS, shuffle=True, random_state=self.seed).split(x):
            fold_weight = None if weight is None else weight[fit_rows]
            linear, booster = self._fit_parts(x[fit_rows], won[fit_rows], fold_weight, rounds=rounds)
            margins[test_rows] = _margin(linear, booster, x[test_rows])
        return margins

    def _fit_parts(self, x: np.ndarray, won: np.ndarray, weight: np.ndarray | None,
                   valid: tuple[np.ndarray, np.ndarray] | None = None,
                   rounds: int | None = None) -> tuple[LinearPart | None, lgb.Booster | None]:
        """The linear part (C already chosen), then trees boosted from its margin (none for a linear model)."""
        linear = None if self.kind == "trees" else LinearPart.fit(self.encoder_, x, won, weight, self.linear_c_)
        if self.kind == "linear":
            return linear, None
        init = None if linear is None else linear.margin(x)
        valid_init = None if linear is None or valid is None else linear.margin(valid[0])
        return linear, self._boost(x, won, weight, valid=valid, rounds=rounds, init=init, valid_init=valid_init)

    def _boost(self, x: np.ndarray, won: np.ndarray, weight: np.ndarray | None,
               valid: tuple[np.ndarray, np.ndarray] | None = None, rounds: int | None = None,
               init: np.ndarray | None = None, valid_init: np.ndarray | None = None) -> lgb.Booster:
        params = {**DEFAULT_PARAMS, **self.params, "seed": self.seed,
                  "num_threads": self._threads(len(won)),
                  "monotone_constraints": [f.monotone for f in self.features]}
        train_set = lgb.Dataset(x, won, weight=weight, init_score=init,
                                feature_name=booster_names(self.encoder_.names),
                                categorical_feature=self.encoder_.categorical_indices)
        if valid is None:
            return lgb.train(params, train_set, num_boost_round=rounds or self.max_rounds)
        valid_set = lgb.Dataset(valid[0], valid[1], init_score=valid_init, reference=train_set)
        return lgb.train(params, train_set, num_boost_round=self.max_rounds, valid_sets=[valid_set],
                         callbacks=[lgb.early_stopping(self.early_stopping, verbose=False)])

    def _threads(self, rows: int) -> int:
        # OpenMP threads spin while waiting: on small data with a busy second core, one thread is
        # both faster and steadier (measured 1.4-1.8 s single-threaded against up to 27 s with two).
        if self.threads:
            return self.threads
        return 1 if rows < SMALL_DATA_ROWS else 0

    def margin(self, x: np.ndarray) -> np.ndarray:
        """Raw log-odds of the model for encoded rows."""
        return _margin(self.linear_, self.booster_, x)

    def predict_proba(self, leads: pd.DataFrame) -> np.ndarray:
        """Calibrated P(won) for many leads (raw or typed fields)."""
        return self.calibrator_(self.margin(self.encoder_.transform(leads)))

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Contributions per feature (TreeSHAP, plus coefficient x centred value), last column the bias; rows sum
        to the margin."""
        total = None if self.linear_ is None else self.linear_.contributions(x)
        if self.booster_ is not None:
            shap = tree_contributions(self.booster_, x)
            total = shap if total is None else total + shap
        return total

    def probability(self, margin: np.ndarray | float) -> np.ndarray:
        """Calibrated probability of given margins."""
        return self.calibrator_(np.asarray(margin, dtype="float64"))

    @property
    def trees(self) -> int:
        if self.booster_ is None:
            return 0
        return int(self.booster_.best_iteration or self.booster_.num_trees())

    def importance(self) -> dict[str, float]:
        """Share of each feature: total gain for trees, mean absolute contribution otherwise; sums to 1."""
        if getattr(self, "importance_", None) is not None:
            return dict(self.importance_)
        gain = self.booster_.feature_importance("gain", iteration=self.booster_.best_iteration or None)
        total = float(gain.sum()) or 1.0
        return {name: float(g) / total for name, g in zip(self.encoder_.names, gain, strict=True)}

    def _contribution_importance(self, x: np.ndarray) -> dict[str, float]:
        rows = np.random.default_rng(self.seed).permutation(len(x))[:IMPORTANCE_ROWS]
        spread = np.abs(self.contributions(x[rows])[:, :-1]).mean(axis=0)
        total = float(spread.sum()) or 1.0
        return {name: float(v) / total for name, v in zip(self.encoder_.names, spread, strict=True)}

    def save(self, folder: Path) -> Path:
        """Write trees as LightGBM text and the rest (linear part included) as JSON (no pickle)."""
        folder.mkdir(parents=True, exist_ok=True)
        if self.booster_ is not None:
            self.booster_.save_model(str(folder / BOOSTER_FILE), num_iteration=self.booster_.best_iteration or None)
        state = {"encoder": self.encoder_.to_dict(), "calibrator": self.calibrator_.to_dict(),
                 "evidence": self.evidence_.to_dict(), "calibration": self.calibration, "seed": self.seed,
                 "kind": self.kind, "refit": self.refit, "calibrate_on": self.calibrate_on,
                 "linear": None if self.linear_ is None else self.linear_.to_dict(),
                 "importance": getattr(self, "importance_", None)}
        (folder / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: Path) -> PropensityEstimator:
        """Read a saved estimator; anything missing or inconsistent raises ModelLoadError."""
        try:
            state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
            kind = state.get("kind", "trees")  # models saved before linear parts existed are trees
            booster = None if kind == "linear" else lgb.Booster(model_file=str(folder / BOOSTER_FILE))
            encoder = FeatureEncoder.from_dict(state["encoder"])
            estimator = cls(encoder.features, calibration=state["calibration"], seed=state["seed"], kind=kind,
                            refit=state.get("refit", True), calibrate_on=state.get("calibrate_on", "valid"))
            estimator.encoder_, estimator.booster_ = encoder, booster
            estimator.linear_ = None if state.get("linear") is None else LinearPart.from_dict(state["linear"])
            estimator.linear_c_ = None if estimator.linear_ is None else estimator.linear_.c
            estimator.importance_ = state.get("importance")
            estimator.calibrator_ = calibrator_from_dict(state["calibrator"])
            estimator.evidence_ = Evidence.from_dict(state["evidence"])
        except (OSError, ValueError, KeyError, TypeError, lgb.basic.LightGBMError) as exc:
            raise ModelLoadError(f"model in {folder}: {exc.__class__.__name__}: {exc}") from None
        _check_parts(folder, estimator)
        return estimator


def booster_names(names: Sequence[str]) -> list[str]:
    """Feature names as LightGBM stores them: it writes a space as '_' (e.g. 'Lead Source' -> 'Lead_Source')."""
    return [name.replace(" ", "_") for name in names]


def _margin(linear: LinearPart | None, booster: lgb.Booster | None, x: np.ndarray) -> np.ndarray:
    margin = np.zeros(len(x)) if linear is None else linear.margin(x)
    if booster is not None:
        margin = margin + raw_margins(booster, x)
    return margin


def _check_parts(folder: Path, estimator: PropensityEstimator) -> None:
    """The saved parts must read the encoder's columns."""
    names = estimator.encoder_.names
    booster, linear = estimator.booster_, estimator.linear_
    if booster is not None and booster.feature_name() != booster_names(names):
        raise ModelLoadError(f"model in {folder}: booster features {booster.feature_name()} "
                             f"do not match the encoder's {names}")
    if booster is None and linear is None:
        raise ModelLoadError(f"model in {folder}: kind {estimator.kind!r} has neither trees nor a linear part")
    if linear is not None and len(linear.blocks) != len(names):
        raise ModelLoadError(f"model in {folder}: the linear part has {len(linear.blocks)} fields, "
                             f"the encoder {len(names)}")
