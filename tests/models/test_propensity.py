"""Behavioural tests of the trained demo model: the known directions, save and load, bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.source import load_history
from models.families import Candidate, Recipe
from models.parts import TreePart
from models.propensity import ModelLoadError, PropensityEstimator
from models.registry import CHAMPION, Registry
from tests.conftest import DEMO_PROFILE
from training.job import TrainResult


@pytest.fixture(scope="module")
def estimator(trained: TrainResult, tracking_uri: str) -> PropensityEstimator:
    champion = Registry(tracking_uri, "leadscore-demo").load_alias(CHAMPION)
    assert champion is not None
    return champion.estimator


@pytest.fixture(scope="module")
def leads(demo_data: Path) -> pd.DataFrame:
    from features.profile import load_profile

    frame = load_history(load_profile(DEMO_PROFILE), demo_data).frame
    ordinary = frame[~frame["country"].isin(["IN", "NG", "PK"]) & (frame["role"] != "student")]
    return ordinary.sample(400, random_state=3).reset_index(drop=True)


def shifted(estimator: PropensityEstimator, leads: pd.DataFrame, **values: object) -> np.ndarray:
    return estimator.predict_proba(leads.assign(**values))


@pytest.mark.parametrize(("field", "low", "high"), [
    ("demo_requested", False, True),
    ("pricing_page_views", 0.0, 6.0),
    ("days_since_last_activity", 120.0, 2.0),
    ("timeline", "no_timeline", "now"),
])
def test_known_directions(estimator: PropensityEstimator, leads: pd.DataFrame, field: str, low: object,
                          high: object) -> None:
    before, after = shifted(estimator, leads, **{field: low}), shifted(estimator, leads, **{field: high})
    assert after.mean() > before.mean() * 1.3
    assert (after >= before - 1e-9).mean() > 0.9, "the direction must hold for nearly every lead"


def test_too_expensive_markets_are_low(estimator: PropensityEstimator, leads: pd.DataFrame) -> None:
    for country in ["IN", "NG", "PK"]:
        assert shifted(estimator, leads, country=country).mean() < 0.03
    assert shifted(estimator, leads, country="US").mean() > 0.06


def test_students_and_competitors_are_low(estimator: PropensityEstimator, leads: pd.DataFrame) -> None:
    ordinary = estimator.predict_proba(leads).mean()
    assert shifted(estimator, leads, role="student", seniority="student").mean() < 0.03
    # Competitors are 1 % of leads: the model learns they are poor, the agreement disqualifies them.
    assert shifted(estimator, leads, email_domain="competitor").mean() < 0.7 * ordinary


def test_invariance_to_fields_the_model_does_not_read(estimator: PropensityEstimator,
                                                      leads: pd.DataFrame) -> None:
    renamed = leads.assign(company="Anything Ltd", phone=None, lead_id="X")
    np.testing.assert_array_equal(estimator.predict_proba(renamed), estimator.predict_proba(leads))


def test_save_and_load_round_trip(estimator: PropensityEstimator, leads: pd.DataFrame, tmp_path: Path) -> None:
    loaded = PropensityEstimator.load(estimator.save(tmp_path / "model"))
    np.testing.assert_allclose(loaded.predict_proba(leads), estimator.predict_proba(leads), rtol=1e-12)
    assert loaded.trees == estimator.trees, "a model read back from its files counts its trees as before"
    assert estimator.kind == "linear" or estimator.trees > 0


def test_contributions_sum_to_the_margin(estimator: PropensityEstimator, leads: pd.DataFrame) -> None:
    x = estimator.encoder_.transform(leads.head(50))
    np.testing.assert_allclose(estimator.contributions(x).sum(axis=1), estimator.margin(x), atol=1e-9)


@pytest.mark.parametrize(("damage", "message"), [
    ("delete_state", "No such file"),
    ("garble_parts", "LightGBMError|CatBoostError"),
    ("bad_json", "JSONDecodeError"),
])
def test_a_damaged_model_folder_is_refused(estimator: PropensityEstimator, tmp_path: Path, damage: str,
                                           message: str) -> None:
    folder = estimator.save(tmp_path / "model")
    if damage == "delete_state":
        (folder / "state.json").unlink()
    elif damage == "garble_parts":
        parts = [p for p in folder.iterdir() if p.suffix in (".txt", ".cbm")]
        assert parts, "the demo model has trees"
        for part in parts:
            part.write_text("tree\nnot a model\n")
    else:
        (folder / "state.json").write_text("{not json")
    with pytest.raises(ModelLoadError, match=message):
        PropensityEstimator.load(folder)


def test_a_booster_from_another_model_is_refused(estimator: PropensityEstimator, tmp_path: Path) -> None:
    folder = estimator.save(tmp_path / "model")
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    state = (other / "state.json").read_text().replace('"name": "budget"', '"name": "budget_renamed"')
    (other / "state.json").write_text(state)
    with pytest.raises(ModelLoadError, match="do not match"):
        PropensityEstimator.load(other)


def test_calibration_none_keeps_the_refitted_models_own_log_odds(tmp_path: Path) -> None:
    from features.profile import Feature, FeatureKind

    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"visits": rng.poisson(4, 3000).astype(float), "source": rng.choice(["ad", "referral"], 3000)})
    margin = 0.4 * frame["visits"] - 2.0 + np.where(frame["source"] == "referral", 1.0, 0.0)
    won = (rng.random(3000) < 1 / (1 + np.exp(-margin))).to_numpy(dtype=float)
    features = [Feature(name="visits", kind=FeatureKind.numeric), Feature(name="source", kind=FeatureKind.categorical)]
    recipe = Recipe("hybrid", (("C", 1.0), ("num_leaves", 4), ("min_data_in_leaf", 100)))
    estimator = PropensityEstimator(features, Candidate.of(recipe), calibration="none")
    estimator.fit(frame.iloc[:2400], won[:2400], frame.iloc[2400:], won[2400:])
    x = estimator.encoder_.transform(frame)
    p = estimator.predict_proba(frame)
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-estimator.margin(x))), rtol=1e-12)
    assert abs(p.mean() - won.mean()) < 0.02  # log loss on every lead: the mean is the base rate
    loaded = PropensityEstimator.load(estimator.save(tmp_path / "model"))
    assert loaded.calibration == "none"
    np.testing.assert_allclose(loaded.predict_proba(frame), p, rtol=1e-12)


def test_a_linear_recipe_fits_the_c_it_names_and_the_hybrid_keeps_it_from_its_trees() -> None:
    from features.profile import Feature, FeatureKind

    rng = np.random.default_rng(6)
    frame = pd.DataFrame({"visits": rng.poisson(4, 2000).astype(float)})
    won = (rng.random(2000) < 1 / (1 + np.exp(2.0 - 0.4 * frame["visits"]))).to_numpy(dtype=float)
    features = [Feature(name="visits", kind=FeatureKind.numeric)]
    for family in ("linear", "hybrid"):
        recipe = Recipe(family, (("C", 0.003),))
        estimator = PropensityEstimator(features, Candidate.of(recipe), calibration="none")
        estimator.fit(frame.iloc[:1600], won[:1600], frame.iloc[1600:], won[1600:])
        assert estimator.linear_c_ == 0.003
        assert recipe.name == f"{family}(C=0.003)"
        boosters = [p.booster for _, p in estimator.parts_ if isinstance(p, TreePart)]
        assert len(boosters) == (family == "hybrid")
        assert all("C" not in b.params for b in boosters), "LightGBM is not given the linear part's C"


def test_a_shift_sets_the_refitted_models_level_on_the_newest_slice_and_counts_no_drift_twice() -> None:
    from scipy.special import expit

    from features.profile import Feature, FeatureKind
    from models.calibration import base_rate_shift
    from models.propensity import fit_member

    rng = np.random.default_rng(8)
    frame = pd.DataFrame({"visits": rng.poisson(4, 4000).astype(float)})
    # The base rate jumps in the newest fifth, the validation slice: a model fitted on the older leads lags it.
    level = np.where(np.arange(4000) < 3200, -3.0, -1.0)
    won = (rng.random(4000) < 1 / (1 + np.exp(-(level + 0.3 * frame["visits"])))).to_numpy(dtype=float)
    features = [Feature(name="visits", kind=FeatureKind.numeric)]
    recipe = Recipe("linear", (("C", 1.0),), 0.2)
    estimator = PropensityEstimator(features, Candidate.of(recipe), calibration="shift")
    estimator.fit(frame.iloc[:3200], won[:3200], frame.iloc[3200:], won[3200:])
    x = estimator.encoder_.transform(frame)
    assert estimator.predict_proba(frame.iloc[3200:]).mean() == pytest.approx(won[3200:].mean(), abs=1e-6)
    member = fit_member(recipe, estimator.encoder_, x[:3200], won[:3200], x[3200:], won[3200:])
    stale = base_rate_shift(member.valid_margin, won[3200:])  # the first fit's lag on the newest slice
    twice = expit(estimator.margin(x[3200:]) + stale).mean()
    assert stale > 1.0 and twice > won[3200:].mean() + 0.1, "the first fit's constant on the refit overshoots"
