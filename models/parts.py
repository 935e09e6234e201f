"""Model parts: the fitted pieces whose weighted margins add up to a propensity model's log-odds.

Every part answers the same three questions on an encoded matrix: its margin, its per-field contributions
(last column the bias, each row summing to the margin) and its saved state. A linear model is one part,
trees another, the hybrid both (trees boosted from the linear margin), a blend the parts of two models
weighted; so every family explains itself the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import catboost
import lightgbm as lgb
import numpy as np
from sklearn.linear_model import LogisticRegression

from features.encoder import FeatureEncoder
from features.profile import FeatureKind
from models.booster_predict import FEW_ROWS, raw_margins, tree_contributions
from models.catboost_shap import LeafTable


class Part(Protocol):
    """A fitted piece of a model."""

    kind: str

    def margin(self, x: np.ndarray) -> np.ndarray: ...

    def contributions(self, x: np.ndarray) -> np.ndarray: ...

    def save(self, folder: Path, stem: str) -> dict[str, Any]: ...


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

    kind = "linear"

    def __init__(self, blocks: Sequence[Block], c: float, coef: np.ndarray, intercept: float,
                 mean: np.ndarray) -> None:
        self.blocks, self.c = list(blocks), c
        self.coef, self.intercept, self.mean = coef, intercept, mean
        if len(coef) != sum(b.width for b in self.blocks) or len(mean) != len(coef):
            raise ValueError(f"linear part: {len(coef)} coefficients do not fit its {len(self.blocks)} fields")

    @classmethod
    def fit(cls, encoder: FeatureEncoder, x: np.ndarray, won: np.ndarray, weight: np.ndarray | None,
            c: float) -> LinearPart:
        """Fit with inverse regularisation strength `c` (L2)."""
        blocks = [Block.learn(x[:, i], len(col.categories) if col.kind is FeatureKind.categorical else 0)
                  for i, col in enumerate(encoder.columns_)]
        design = _design(blocks, x)
        # Newton-Cholesky suits many rows and few design columns, and is an order of magnitude faster than lbfgs.
        model = LogisticRegression(C=c, solver="newton-cholesky", max_iter=200).fit(design, won, sample_weight=weight)
        return cls(blocks, c, model.coef_[0].astype("float64"), float(model.intercept_[0]), design.mean(axis=0))

    def margin(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(_design(self.blocks, x) @ self.coef + self.intercept)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        weighted = (_design(self.blocks, x) - self.mean) * self.coef
        ends = np.cumsum([0] + [block.width for block in self.blocks])
        fields = [weighted[:, a:b].sum(axis=1) for a, b in zip(ends[:-1], ends[1:], strict=True)]
        bias = np.full(len(x), self.intercept + float(self.mean @ self.coef))
        return np.column_stack([*fields, bias])

    def save(self, folder: Path, stem: str) -> dict[str, Any]:
        return {"kind": self.kind, "c": self.c, "intercept": self.intercept, "coef": self.coef.tolist(),
                "mean": self.mean.tolist(), "blocks": [[b.categories, b.center, b.scale] for b in self.blocks]}

    @classmethod
    def load(cls, state: Mapping[str, Any]) -> LinearPart:
        return cls([Block(int(k), float(m), float(s)) for k, m, s in state["blocks"]], float(state["c"]),
                   np.asarray(state["coef"], dtype="float64"), float(state["intercept"]),
                   np.asarray(state["mean"], dtype="float64"))


def _design(blocks: Sequence[Block], x: np.ndarray) -> np.ndarray:
    return np.hstack([block.expand(x[:, i]) for i, block in enumerate(blocks)])


class ConstantPart:
    """The prior: every lead at the same log-odds; no field contributes."""

    kind = "constant"

    def __init__(self, value: float) -> None:
        self.value = value

    def margin(self, x: np.ndarray) -> np.ndarray:
        return np.full(len(x), self.value)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros((len(x), x.shape[1] + 1))
        out[:, -1] = self.value
        return out

    def save(self, folder: Path, stem: str) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value}


class TreePart:
    """LightGBM trees (TreeSHAP contributions), saved in LightGBM's own text format."""

    kind = "trees"

    def __init__(self, booster: lgb.Booster) -> None:
        self.booster = booster

    @property
    def trees(self) -> int:
        # best_iteration is 0 without early stopping and -1 in a booster read back from its file.
        best = int(self.booster.best_iteration)
        return best if best > 0 else int(self.booster.num_trees())

    def margin(self, x: np.ndarray) -> np.ndarray:
        return raw_margins(self.booster, x)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        return tree_contributions(self.booster, x)

    def save(self, folder: Path, stem: str) -> dict[str, Any]:
        file = f"{stem}.txt"
        self.booster.save_model(str(folder / file), num_iteration=self.trees)
        return {"kind": self.kind, "file": file}


LEAF_ROWS = 10_000  # leads whose CatBoost leaves are looked up at once


class CatBoostPart:
    """CatBoost's symmetric trees with ordered target statistics for categoricals, saved as CatBoost's .cbm.

    Its contributions are exact TreeSHAP values read from a table of every tree's leaves (`LeafTable`), at the
    leaves CatBoost sends each lead to.
    """

    kind = "catboost"

    def __init__(self, model: catboost.CatBoostClassifier, categorical: Sequence[int]) -> None:
        self.model, self.categorical = model, list(categorical)

    @property
    def trees(self) -> int:
        return int(self.model.tree_count_)

    def pool(self, x: np.ndarray, won: np.ndarray | None = None, weight: np.ndarray | None = None) -> catboost.Pool:
        """Encoded leads as CatBoost reads them: categories as whole numbers, a missing code its own level, -1.

        From an object array rather than a DataFrame: CatBoost takes 0.1 ms to read one lead from it against
        1.1 ms from a frame, a tenth of a one-lead score (the values, and so the model and its SHAP, are
        the same).
        """
        rows = x.astype(object)
        for i in self.categorical:
            rows[:, i] = np.where(np.isnan(x[:, i]), -1, x[:, i]).astype(np.int64)
        return catboost.Pool(rows, won, cat_features=self.categorical, weight=weight, thread_count=catboost_threads(x))

    def margin(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict(self.pool(x), prediction_type="RawFormulaVal",
                                             thread_count=catboost_threads(x)), dtype="float64")

    def contributions(self, x: np.ndarray) -> np.ndarray:
        # a part at a time: the leaf indexes of 10,000 leads in 600 trees take 24 MB
        parts, threads = [], catboost_threads(x)
        for start in range(0, len(x), LEAF_ROWS):
            leaves = self.model.calc_leaf_indexes(self.pool(x[start:start + LEAF_ROWS]), thread_count=threads)
            parts.append(self.table.contributions(np.asarray(leaves)))
        return np.vstack(parts) if parts else np.zeros((0, x.shape[1] + 1))

    def prepare(self) -> None:
        """Build the SHAP table now, so that no scoring call waits for it."""
        _ = self.table

    @cached_property
    def table(self) -> LeafTable:
        """The fitted trees' SHAP table, built on first use (0.1 s for 400 trees of depth 4)."""
        return LeafTable.of(self.model, len(self.model.feature_names_))

    def save(self, folder: Path, stem: str) -> dict[str, Any]:
        file = f"{stem}.cbm"
        self.model.save_model(str(folder / file))
        return {"kind": self.kind, "file": file, "categorical": self.categorical}


def load_part(folder: Path, state: Mapping[str, Any]) -> Part:
    """Rebuild a saved part from its state and files."""
    kind = state["kind"]
    if kind == "linear":
        return LinearPart.load(state)
    if kind == "constant":
        return ConstantPart(float(state["value"]))
    if kind == "trees":
        return TreePart(lgb.Booster(model_file=str(folder / state["file"])))
    if kind == "catboost":
        model = catboost.CatBoostClassifier()
        model.load_model(str(folder / state["file"]))
        part = CatBoostPart(model, [int(i) for i in state["categorical"]])
        part.prepare()
        return part
    raise ValueError(f"model part kind {kind!r} is unknown")


def part_width(part: Part) -> int | None:
    """How many encoded fields a part reads, where it records it."""
    if isinstance(part, LinearPart):
        return len(part.blocks)
    if isinstance(part, TreePart):
        return int(part.booster.num_feature())
    if isinstance(part, CatBoostPart):
        return len(part.model.feature_names_)
    return None


def catboost_threads(x: np.ndarray) -> int:
    """CatBoost's threads for reading and predicting `x`: one for a few rows (one lead and its suggestion
    variants), every core for more.

    CatBoost's worker threads keep spinning for a while after each call. On one lead of the demo CatBoost
    champion (623 trees) CatBoost's SHAP took 2.49 ms of wall time and 3.65 ms of CPU with every core, 2.48
    and 2.48 with one thread: the spinning took a second core from the service's other work for no gain.
    """
    return 1 if len(x) < FEW_ROWS else -1
