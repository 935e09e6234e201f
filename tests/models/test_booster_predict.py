"""The C-API predictions give LightGBM's own numbers: margins and TreeSHAP contributions, few and many rows.

Each check runs twice: through the C API, and through `Booster.predict` as when a LightGBM release
lacks the private names the C path needs.
"""

from __future__ import annotations

import lightgbm as lgb
import lightgbm.basic
import numpy as np
import pytest

from models import booster_predict
from models.booster_predict import FEW_ROWS, find_c_api, raw_margins, tree_contributions


@pytest.fixture(params=["C API", "Booster.predict"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which way predictions go; the second is what a LightGBM without the private names gets."""
    if request.param == "Booster.predict":
        monkeypatch.setattr(booster_predict, "C_API", None)
    return str(request.param)


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


@pytest.mark.usefixtures("path")
@pytest.mark.parametrize("early_stopping", [False, True], ids=["all trees", "best iteration"])
@pytest.mark.parametrize("rows", [1, FEW_ROWS - 1, FEW_ROWS, 500])
def test_margins_and_contributions_are_lightgbms_numbers(early_stopping: bool, rows: int) -> None:
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


@pytest.mark.usefixtures("path")
def test_rows_of_the_wrong_width_are_refused_and_no_rows_give_no_predictions() -> None:
    model = booster(early_stopping=False)
    with pytest.raises(ValueError, match="reads 6 features, the rows have 5"):
        raw_margins(model, np.zeros((2, 5)))
    assert raw_margins(model, np.zeros((0, 6))).shape == (0,)
    assert tree_contributions(model, np.zeros((0, 6))).shape == (0, 7)
    # a Fortran-ordered or integer matrix is converted, not misread
    x = np.asfortranarray(np.arange(12, dtype=np.int64).reshape(2, 6))
    np.testing.assert_allclose(raw_margins(model, x), model.predict(x.astype(float), raw_score=True))


def test_the_installed_lightgbm_has_the_c_api_this_module_calls() -> None:
    assert find_c_api() is not None, "the fast path would silently be the slow one"
    assert booster_predict.C_API is not None


@pytest.mark.parametrize("name", ["_LIB", "_safe_call"])
def test_a_lightgbm_without_the_private_names_is_detected(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(lightgbm.basic, name)
    assert find_c_api() is None


def test_a_library_without_the_predict_function_is_detected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lightgbm.basic, "_LIB", object())
    assert find_c_api() is None
