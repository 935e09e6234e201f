"""The C-API predictions give LightGBM's own numbers: margins and TreeSHAP contributions, few and many rows."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from models.booster_predict import FEW_ROWS, raw_margins, tree_contributions


def booster(early_stopping: bool) -> lgb.Booster:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(3000, 6))
    x[rng.random(x.shape) < 0.1] = np.nan  # missing values take the trees' default branches
    y = (np.nan_to_num(x[:, 0]) + 0.5 * np.nan_to_num(x[:, 1]) * np.nan_to_num(x[:, 2])
         + rng.normal(size=3000) > 0).astype(int)
    params = {"objective": "binary", "num_leaves": 7, "verbose": -1, "seed": 1}
    if not early_stopping:
        return lgb.train(params, lgb.Dataset(x, y), num_boost_round=40)
    train, valid = lgb.Dataset(x[:2000], y[:2000]), lgb.Dataset(x[2000:], y[2000:])
    model = lgb.train({**params, "learning_rate": 0.5}, train, num_boost_round=200, valid_sets=[valid],
                      callbacks=[lgb.early_stopping(5, verbose=False)], keep_training_booster=True)
    assert 0 < model.best_iteration < model.num_trees(), "the case where only the best trees count"
    return model


@pytest.mark.parametrize("early_stopping", [False, True], ids=["all trees", "best iteration"])
@pytest.mark.parametrize("rows", [1, FEW_ROWS - 1, FEW_ROWS, 500])
def test_the_c_api_gives_lightgbms_numbers(early_stopping: bool, rows: int) -> None:
    model = booster(early_stopping)
    x = np.random.default_rng(rows).normal(size=(rows, 6))
    x[::3, 1] = np.nan
    best = model.best_iteration or None
    np.testing.assert_allclose(raw_margins(model, x), model.predict(x, raw_score=True, num_iteration=best),
                               rtol=0, atol=1e-12)
    contributions = tree_contributions(model, x)
    np.testing.assert_allclose(contributions, model.predict(x, pred_contrib=True, num_iteration=best),
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(contributions.sum(axis=1), raw_margins(model, x), rtol=0, atol=1e-9)


def test_rows_of_the_wrong_width_are_refused_and_no_rows_give_no_predictions() -> None:
    model = booster(early_stopping=False)
    with pytest.raises(ValueError, match="reads 6 features, the rows have 5"):
        raw_margins(model, np.zeros((2, 5)))
    assert raw_margins(model, np.zeros((0, 6))).shape == (0,)
    assert tree_contributions(model, np.zeros((0, 6))).shape == (0, 7)
    # a Fortran-ordered or integer matrix is converted, not misread
    x = np.asfortranarray(np.arange(12, dtype=np.int64).reshape(2, 6))
    np.testing.assert_allclose(raw_margins(model, x), model.predict(x.astype(float), raw_score=True))
