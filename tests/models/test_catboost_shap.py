"""CatBoost's contributions from the table of its trees' leaves, held to CatBoost's own SHAP values."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import catboost
import numpy as np
import pytest

from features.profile import ProfileError, Training
from models import catboost_shap
from models.catboost_shap import LeafTable

ROWS = 3000


def leads() -> tuple[np.ndarray, np.ndarray]:
    """A number, a two-level plan (CatBoost one-hot encodes it) and two categoricals that interact."""
    rng = np.random.default_rng(5)
    a = rng.normal(size=ROWS)
    plan, channel, region = rng.integers(0, 2, ROWS), rng.integers(0, 3, ROWS), rng.integers(0, 4, ROWS)
    margin = a + plan - (channel == 1) + (region == 2) * (channel == 2)
    won = (rng.random(ROWS) < 1 / (1 + np.exp(-margin))).astype(int)
    x = np.empty((ROWS, 4), dtype=object)
    x[:, 0], x[:, 1], x[:, 2], x[:, 3] = a, plan, channel, region
    return x, won


def fitted(**settings: Any) -> tuple[catboost.CatBoostClassifier, catboost.Pool]:
    x, won = leads()
    decay = 0.5 ** ((ROWS - 1 - np.arange(ROWS)) / ROWS / 0.5)  # newer leads weigh more, as with a half-life
    pool = catboost.Pool(x, won, cat_features=[1, 2, 3], weight=decay)
    model = catboost.CatBoostClassifier(iterations=200, learning_rate=0.15, random_seed=3, verbose=0,
                                        allow_writing_files=False, thread_count=1, **settings)
    return model.fit(pool), pool


def exported(model: catboost.CatBoost, folder: Path) -> dict[str, Any]:
    model.save_model(str(folder / "model.json"), format="json")
    return dict(json.loads((folder / "model.json").read_text()))


def raw(model: catboost.CatBoost, pool: catboost.Pool) -> np.ndarray:
    return np.asarray(model.predict(pool, prediction_type="RawFormulaVal"))


@pytest.mark.parametrize("settings", [{"depth": 4, "boosting_type": "Plain"}, {"depth": 6, "boost_from_average": True}],
                         ids=["depth 4", "depth 6 with a bias"])
def test_the_table_gives_catboosts_own_shap_values(settings: dict[str, Any], tmp_path: Path) -> None:
    model, pool = fitted(**settings)
    export = exported(model, tmp_path)
    splits = [split for tree in export["oblivious_trees"] for split in tree["splits"] or []]
    combined = [c for c in export["features_info"]["ctrs"]
                if sum(e["combination_element"] == "cat_feature_value" for e in c["elements"]) > 1]
    assert {"FloatFeature", "OneHotFeature", "OnlineCtr"} <= {s["split_type"] for s in splits} and combined, \
        "the model should split on numbers, one-hot categories and statistics of combined categoricals"
    values = np.concatenate([tree["leaf_values"] for tree in export["oblivious_trees"]])
    weights = np.concatenate([tree["leaf_weights"] for tree in export["oblivious_trees"]])
    assert not np.any((weights == 0) & (np.abs(values) > 1e-9)), "no empty leaf may carry a value here"
    assert (export["scale_and_bias"][1][0] != 0) == bool(settings.get("boost_from_average"))

    ours = LeafTable.of(model, 4).contributions(np.asarray(model.calc_leaf_indexes(pool)))
    np.testing.assert_allclose(ours, np.asarray(model.get_feature_importance(pool, type="ShapValues")), atol=1e-9)
    np.testing.assert_allclose(ours.sum(axis=1), raw(model, pool), atol=1e-9)


def test_an_empty_leaf_with_a_value_still_explains_each_lead_alone_as_in_a_batch(tmp_path: Path) -> None:
    model, pool = fitted(depth=4)
    export = exported(model, tmp_path)
    tree = export["oblivious_trees"][3]
    leaf = int(np.argmax(tree["leaf_weights"]))
    tree["leaf_weights"][leaf] = 0.0  # its value stays: CatBoost's own SHAP then depends on the batch
    (tmp_path / "edited.json").write_text(json.dumps(export))
    edited = catboost.CatBoostClassifier()
    edited.load_model(str(tmp_path / "edited.json"), format="json")

    table = LeafTable.of(edited, 4)
    leaves = np.asarray(edited.calc_leaf_indexes(pool))
    assert np.any(leaves[:, 3] == leaf)
    batch = table.contributions(leaves)
    np.testing.assert_allclose(batch.sum(axis=1), raw(edited, pool), atol=1e-9)
    alone = np.vstack([table.contributions(leaves[i:i + 1]) for i in range(20)])
    np.testing.assert_allclose(alone, batch[:20], atol=1e-12)


@pytest.mark.parametrize(("params", "field"), [({"grow_policy": "Depthwise"}, "params.grow_policy"),
                                               ({"depth": 9}, "params.depth"), ({"depth": "6"}, "params.depth")])
def test_a_profile_cannot_ask_for_catboost_trees_that_cannot_be_explained(params: dict[str, Any], field: str) -> None:
    with pytest.raises((ProfileError, ValueError), match=field):
        Training(model="catboost", params=params)
    Training(model="catboost", params={"depth": 8})



def expected_value(values: np.ndarray, weights: np.ndarray, classes: list[tuple[int, ...]], leaf: int,
                   known: set[tuple[int, ...]]) -> float:
    """Lundberg's EXPVALUE, walked literally from the root (split d is bit d of a leaf; the last split is the
    root): a known class's split takes the lead's side, any other both sides by their share of the node's
    training weight (nothing below an empty node)."""
    depth = len(classes)

    def cover(prefix: int, level: int) -> float:  # the weight of the leaves whose bits from `level` up match
        mask = sum(1 << bit for bit in range(level, depth))
        return float(sum(weights[other] for other in range(len(values)) if other & mask == prefix))

    def walk(level: int, prefix: int, share: float) -> float:
        if level < 0:
            return share * float(values[prefix])
        if classes[level] in known:
            return walk(level - 1, prefix | (leaf & 1 << level), share)
        node = cover(prefix, level + 1)
        return sum(walk(level - 1, side, share * cover(side, level) / node if node else 0.0)
                   for side in (prefix, prefix | 1 << level))

    return walk(depth - 1, 0, 1.0)


def test_each_tree_is_explained_by_the_shapley_values_of_the_path_dependent_expectation() -> None:
    """Against the definition itself, by every order of the classes: a class on two splits, a class of two
    fields, and empty leaves that carry a value (where CatBoost's own SHAP depends on the batch)."""
    rng = np.random.default_rng(11)
    classes = [(0,), (1, 2), (0,), (3,)]
    values, weights = rng.normal(size=16), rng.uniform(1, 50, size=16)
    weights[[5, 12]] = 0.0
    table = catboost_shap.tree_table(values, weights, classes, 4)
    distinct = sorted(set(classes))
    for leaf in range(16):
        phi = dict.fromkeys(distinct, 0.0)
        orders = list(itertools.permutations(distinct))
        for order in orders:
            for i, cls in enumerate(order):
                before = set(order[:i])
                phi[cls] += (expected_value(values, weights, classes, leaf, before | {cls})
                             - expected_value(values, weights, classes, leaf, before)) / len(orders)
        fields = [phi[(0,)], phi[(1, 2)] / 2, phi[(1, 2)] / 2, phi[(3,)],
                  expected_value(values, weights, classes, leaf, set())]
        np.testing.assert_allclose(table[leaf], fields, atol=1e-12)
        assert table[leaf].sum() == pytest.approx(values[leaf], abs=1e-12)
