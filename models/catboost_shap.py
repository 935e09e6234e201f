"""Exact SHAP values of CatBoost's symmetric trees, kept as one table row per tree and leaf.

In a symmetric tree every lead that reaches a leaf took the same side of every split, so its path-dependent
TreeSHAP values (Lundberg et al., 2020) depend on that leaf alone. The table holds them for every leaf of
every tree; a lead's contributions are the sum of the rows of the leaves it reaches, which CatBoost's own
`calc_leaf_indexes` tells. On the demo's CatBoost champion (623 trees) that is 0.16 ms a lead against
2.7 ms for CatBoost's SHAP, and 0.12 s against 0.51 s for 10,000 leads.

It reads the trees as CatBoost reads them for SHAP (`catboost/libs/fstr`): the root is a tree's last split;
a split's "feature" is its combination class (a number, a one-hot category, or the set of categorical
fields a target statistic combines), and a class's value is shared equally among its fields; the weights
are the leaves' training weights. CatBoost's own SHAP matches this to rounding on every model whose empty
leaves carry no value. Where an empty leaf carries one, CatBoost adds the leaf counts of the batch it is
given to the training weights, so a lead's values there depend on the other leads in the call; this table
keeps the training weights, so a lead's reasons are the same alone and in any batch, and still sum to its
margin.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import catboost
import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class LeafTable:
    """Per-field contributions (last column the bias) of every leaf of every tree."""

    rows: np.ndarray  # (leaves of all trees, fields + 1)
    first: np.ndarray  # each tree's first row

    @classmethod
    def of(cls, model: catboost.CatBoost, fields: int) -> LeafTable:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.json"
            model.save_model(str(path), format="json")
            return cls.from_json(json.loads(path.read_text()), fields)

    @classmethod
    def from_json(cls, exported: Mapping[str, Any], fields: int) -> LeafTable:
        """From CatBoost's JSON export of a binary classifier with symmetric trees."""
        if "oblivious_trees" not in exported:
            raise ValueError("CatBoost part: only symmetric trees (grow_policy SymmetricTree) can be explained")
        classes = split_classes(exported["features_info"])
        scale, bias = exported["scale_and_bias"]
        tables = [tree_table(np.asarray(tree["leaf_values"], dtype="float64"),
                             np.asarray(tree["leaf_weights"], dtype="float64"),
                             [classes[split["split_index"]] for split in tree["splits"] or []], fields)
                  for tree in exported["oblivious_trees"]]
        rows = np.vstack(tables) * scale
        rows[:len(tables[0]), -1] += float(np.asarray(bias).reshape(-1)[0])  # the model's bias, once
        return cls(rows, np.cumsum([0] + [len(t) for t in tables[:-1]]))

    def contributions(self, leaves: np.ndarray) -> np.ndarray:
        """Contributions of leads given the leaf each reaches in each tree (CatBoost's `calc_leaf_indexes`).

        A sparse product: each lead's row of the indicator matrix has a one at each leaf it reaches. On 10,000
        leads and 623 trees it took 60 ms against 250 ms for gathering the rows and summing them.
        """
        rows, trees = leaves.shape
        reached = (leaves.astype(np.int64) + self.first).ravel()
        indicator = sparse.csr_matrix((np.ones(reached.size), reached, np.arange(0, reached.size + 1, trees)),
                                      shape=(rows, len(self.rows)))
        return np.asarray(indicator @ self.rows)


def split_classes(features_info: Mapping[str, Any]) -> list[tuple[int, ...]]:
    """The combination class of each binary split, by CatBoost's split index: the float features' borders,
    then the one-hot categories' values, then the target statistics' borders."""
    cat_fields = {c["feature_index"]: c["flat_feature_index"] for c in features_info.get("categorical_features") or []}
    out: list[tuple[int, ...]] = []
    for number in features_info.get("float_features") or []:
        out += [(number["flat_feature_index"],)] * len(number.get("borders") or [])
    for category in features_info.get("categorical_features") or []:
        out += [(category["flat_feature_index"],)] * len(category.get("values") or [])
    for ctr in features_info.get("ctrs") or []:
        # only the categorical fields a statistic combines name its class, not the numbers' borders within it
        combined = tuple(sorted({cat_fields[e["cat_feature_index"]] for e in ctr["elements"]
                                 if e["combination_element"] == "cat_feature_value"}))
        out += [combined] * len(ctr["borders"])
    return out


def tree_table(values: np.ndarray, weights: np.ndarray, classes: Sequence[tuple[int, ...]], fields: int
               ) -> np.ndarray:
    """SHAP values of every leaf of one symmetric tree, `classes` in split order (split d is bit d of a leaf).

    The exact Shapley values of the path-dependent expectation E_S: at a split whose class is in S a lead
    takes its own side, elsewhere both sides weighted by the training weight that went each way.
    """
    depth, leaves = len(classes), len(values)
    if leaves != 1 << depth:
        raise ValueError(f"CatBoost part: a tree of depth {depth} has {leaves} leaf values (one output expected)")
    leaf = np.arange(leaves)
    levels = list(range(depth))[::-1]  # the bit each level of the walk from the root splits on
    # share[j][l]: the share of the weight at leaf l's node of level j that goes on to its node of level j + 1
    share, mask, cover = [], 0, np.full(leaves, weights.sum())
    for bit in levels:
        mask |= 1 << bit
        below = np.bincount(leaf & mask, weights=weights, minlength=leaves)[leaf & mask]
        share.append(np.divide(below, cover, out=np.zeros(leaves), where=cover > 0))
        cover = below
    # expectation[s, l] for every set s of levels (bit j: level j follows the lead): build the weight of each
    # leaf, then sum over the sides of the free levels
    weight = np.ones((1, leaves))
    for j in range(depth):
        weight = np.concatenate([weight * share[j], weight])
    expectation = weight * values
    subsets = np.arange(1 << depth)
    for j, bit in enumerate(levels):
        free = (subsets >> j & 1) == 0
        expectation[free] = expectation[free] + expectation[free][:, leaf ^ (1 << bit)]
    return _shapley(expectation, [classes[bit] for bit in levels], fields)


def _shapley(expectation: np.ndarray, level_classes: Sequence[tuple[int, ...]], fields: int) -> np.ndarray:
    """Shapley values over the tree's distinct classes, each shared equally among its fields."""
    distinct = sorted(set(level_classes))
    k = len(distinct)
    levels_of = [sum(1 << j for j, c in enumerate(level_classes) if c == cls) for cls in distinct]
    # the expectation for each set of classes is that of the set of levels they split on
    level_set = np.zeros(1 << k, dtype=np.int64)
    for i, levels in enumerate(levels_of):
        level_set[np.arange(1 << k) >> i & 1 == 1] |= levels
    by_class = expectation[level_set]
    table = np.zeros((expectation.shape[1], fields + 1))
    sets = np.arange(1 << k)
    size = np.array([bin(s).count("1") for s in sets])
    for i, cls in enumerate(distinct):
        without = sets[(sets >> i & 1) == 0]
        coefficient = np.array([math.factorial(m) * math.factorial(k - m - 1) / math.factorial(k)
                                for m in size[without]])
        value = coefficient @ (by_class[without | 1 << i] - by_class[without])
        for field in cls:
            table[:, field] += value / len(cls)
    table[:, -1] = expectation[0]
    return table
