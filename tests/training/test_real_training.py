"""A reduced-size training run on each real history: the production path end to end, in seconds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from features.profile import load_profile
from features.source import load_history
from models.propensity import PropensityEstimator
from models.registry import CHAMPION, Registry
from tests.conftest import SHARED_DATA, needs_shared_data
from training.job import TrainOptions, TrainResult, run_training
from training.steps import Steps

ROOT = Path(__file__).resolve().parents[2]
# name: (file, read options, keep every n-th row); every n-th row keeps the file's time order and span
REDUCED = {
    "xeducation": ("xeducation-leads/Leads.csv", {}, 3),
    "bank-marketing": ("bank-marketing/bank-additional-full.csv", {"sep": ";"}, 8),
    "maven-crm": ("maven-crm/sales_pipeline.csv", {}, 3),
}
pytestmark = [pytest.mark.slow, needs_shared_data]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One temporary MLflow store for the three runs (each registers its own model name)."""
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


@pytest.fixture(scope="module", params=list(REDUCED))
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
        store: str) -> tuple[str, TrainResult, str, Path]:
    """One reduced training run per history."""
    name = request.param
    file, read, step = REDUCED[name]
    data = tmp_path_factory.mktemp(name) / Path(file).name
    pd.read_csv(SHARED_DATA / file, **read).iloc[::step].to_csv(data, index=False, sep=read.get("sep", ","))
    options = TrainOptions(profile=ROOT / "profiles" / f"{name}.yaml", data=data, tracking_uri=store)
    return name, run_training(options, Steps(Console(quiet=True))), store, data


def test_the_reduced_run_registers_the_chosen_model(run: tuple[str, TrainResult, str, Path]) -> None:
    _, result, _, _ = run
    card = result.card
    selection = card["selection"]
    assert result.decision.promote and card["model"]["kind"] == selection["chosen"]["name"]
    assert selection["profile_overrides"] == {}, "the shipped real profiles carry no hand-picked settings"
    assert {row["family"] for row in selection["candidates"]} >= {"prior", "linear", "trees", "hybrid", "catboost"}
    assert all(len(row["per_origin"]) == 3 for row in selection["candidates"])
    assert 0.0 <= card["metrics"]["model"]["roc_auc"] <= 1.0
    assert card["recalibration"]["rows_scored"] > 0


def test_drift_is_reported_for_every_feature(run: tuple[str, TrainResult, str, Path]) -> None:
    name, result, _, _ = run
    drift = result.card["drift"]
    used = {f["name"] for f in result.card["features_used"]}
    assert {row["feature"] for row in drift["features"]} == used
    assert all(row["psi"] is None or row["psi"] >= 0 for row in drift["features"])
    if name == "bank-marketing":  # months first called in 2009 are new to a 2008 training window
        assert "mar" in drift["new_categories"]["month"]
        assert drift["positive_rate_holdout"] > 2 * drift["positive_rate_train"]


def test_the_champion_loads_and_explains_itself(run: tuple[str, TrainResult, str, Path]) -> None:
    name, result, uri, data = run
    profile = load_profile(ROOT / "profiles" / f"{name}.yaml")
    champion = Registry(uri, profile.registered_model).load_alias(CHAMPION)
    assert champion is not None and champion.version == result.version
    estimator = champion.estimator
    leads = load_history(profile, data).closed.frame.tail(50)
    x = estimator.encoder_.transform(leads)
    contributions = estimator.contributions(x)
    assert contributions.shape == (50, len(estimator.features) + 1)
    np.testing.assert_allclose(contributions.sum(axis=1), estimator.margin(x), atol=1e-6)
    share = sum(estimator.importance().values())
    assert np.isclose(share, 1.0) or (estimator.candidate.family == "prior" and share == 0.0)


def test_a_saved_model_is_in_library_formats(run: tuple[str, TrainResult, str, Path], tmp_path: Path) -> None:
    name, _, uri, data = run
    profile = load_profile(ROOT / "profiles" / f"{name}.yaml")
    estimator = Registry(uri, profile.registered_model).load_alias(CHAMPION).estimator
    folder = estimator.save(tmp_path / "model")
    # JSON for the state and linear parts, LightGBM text for trees, CatBoost's .cbm: never a pickle
    assert {p.suffix for p in folder.iterdir()} <= {".json", ".txt", ".cbm"}
    leads = load_history(profile, data).closed.frame.tail(50)
    np.testing.assert_allclose(PropensityEstimator.load(folder).predict_proba(leads), estimator.predict_proba(leads))
