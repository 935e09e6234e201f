"""The training job end to end: a registered champion, its card, its gate, and its refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml

from features.demo import write_demo
from features.source import load_history
from models.pyfunc_signature import COLUMNS
from models.registry import CHALLENGER, CHAMPION, Registry
from tests.conftest import DEMO_PROFILE, quick_profile
from training.job import TooFewOutcomes, TrainOptions, TrainResult, run_training
from training.steps import Steps


def test_a_full_run_registers_a_champion(trained: TrainResult, tracking_uri: str) -> None:
    registry = Registry(tracking_uri, "leadscore-demo")
    assert trained.decision.promote and trained.decision.reason == "no champion yet"
    assert registry.version_for(CHAMPION) == trained.version
    tags = registry.version_tags(trained.version)
    assert tags["gate_decision"] == "champion" and tags["forced"] == "false"


def test_the_card_reports_what_a_reader_needs(trained: TrainResult) -> None:
    card = trained.card
    assert card["data"]["rows"]["holdout"] > 3000
    assert set(card["data"]["window"]) == {"train", "valid", "holdout"}
    assert {f["feature"] for f in card["features_refused"]} == {"closed_at", "deal_value"}
    assert all(f["reason"] for f in card["features_refused"])
    assert "demo_requested" in {f["name"] for f in card["features_used"]}
    assert card["signal"] is True and card["verdict"].startswith("predictive")
    assert [band["band"] for band in card["grade_bands"]] == ["A", "B", "C", "D"]
    assert {"fit", "load", "evaluate"} <= set(card["timings_seconds"])
    assert card["drift"]["features"] and "positive_rate_shift" in card["drift"]


def test_the_model_is_calibrated_and_beats_the_baseline(trained: TrainResult) -> None:
    model, baseline = trained.card["metrics"]["model"], trained.card["metrics"]["baseline"]
    assert model["ece"] <= 0.03
    assert model["roc_auc"] > baseline["roc_auc"]
    assert model["log_loss"] < baseline["log_loss"]
    bands = trained.card["grade_bands"]
    rates = [b["win_rate"] for b in bands]
    assert rates == sorted(rates, reverse=True), "higher grades must win more often"


def test_the_loaded_champion_reproduces_the_logged_holdout_predictions(
        trained: TrainResult, tracking_uri: str, demo_data: Path) -> None:
    logged = pd.read_parquet(mlflow.artifacts.download_artifacts(
        run_id=trained.run_id, artifact_path="holdout_predictions.parquet", tracking_uri=tracking_uri))
    champion = Registry(tracking_uri, "leadscore-demo").load_alias(CHAMPION)
    assert champion is not None and champion.card["signal"] is True
    history = load_history(champion_profile(), demo_data).closed
    holdout = history.frame[history.frame["lead_id"].isin(set(logged["lead_id"]))]
    again = pd.Series(champion.estimator.predict_proba(holdout), index=holdout["lead_id"])
    np.testing.assert_allclose(again.loc[logged["lead_id"]].to_numpy(), logged["probability"], rtol=1e-9)


def test_the_pyfunc_model_loads_without_training_state(trained: TrainResult, tracking_uri: str,
                                                       demo_data: Path) -> None:
    mlflow.set_tracking_uri(tracking_uri)
    model = mlflow.pyfunc.load_model(f"models:/leadscore-demo/{trained.version}")
    leads = load_history(champion_profile(), demo_data).frame.head(20)
    out = model.predict(leads[[f.name for f in champion_profile().features]])
    assert tuple(out.columns) == COLUMNS
    assert out["probability"].between(0, 1).all() and out["grade"].isin(list("ABCD")).all()


def champion_profile() -> Any:
    from features.profile import load_profile

    return load_profile(DEMO_PROFILE)


def small_history(tmp_path: Path, rows: int = 6000, seed: int = 5) -> Path:
    return write_demo(tmp_path / f"leads-{rows}-{seed}.parquet", rows=rows, seed=seed)


def test_the_gate_keeps_a_crippled_model_out(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    data = small_history(tmp_path)
    good = run_training(TrainOptions(profile=quick_profile(tmp_path), data=data, tracking_uri=uri), Steps())
    crippled_profile = quick_profile(tmp_path, "crippled", features=[{"name": "industry", "kind": "categorical"}])
    crippled = run_training(TrainOptions(profile=crippled_profile, data=data, tracking_uri=uri), Steps())
    registry = Registry(uri, "leadscore-demo")
    assert not crippled.decision.promote
    assert "below the champion" in crippled.decision.reason
    assert registry.version_for(CHAMPION) == good.version
    assert registry.version_for(CHALLENGER) == crippled.version
    assert crippled.champion is not None and crippled.champion.metrics.roc_auc > crippled.candidate.metrics.roc_auc
    forced = run_training(TrainOptions(profile=crippled_profile, data=data, tracking_uri=uri, force=True), Steps())
    assert forced.decision.forced and registry.version_for(CHAMPION) == forced.version
    assert registry.version_tags(forced.version)["forced"] == "true"


def test_too_few_outcomes_stop_training_and_leave_the_champion(tmp_path: Path, trained: TrainResult,
                                                               tracking_uri: str) -> None:
    frame = pd.read_parquet(small_history(tmp_path, rows=3000))
    won = frame.index[frame["outcome"] == "won"]
    frame = frame.drop(won[30:])
    path = tmp_path / "few.parquet"
    frame.to_parquet(path)
    with pytest.raises(TooFewOutcomes, match=r"30 won and \d+ lost .* at least 40 won and 40 lost"):
        run_training(TrainOptions(profile=DEMO_PROFILE, data=path, tracking_uri=tracking_uri), Steps())
    assert Registry(tracking_uri, "leadscore-demo").version_for(CHAMPION) == trained.version


def test_only_won_history_is_refused(tmp_path: Path) -> None:
    frame = pd.read_parquet(small_history(tmp_path, rows=2000))
    path = tmp_path / "won.parquet"
    frame[frame["outcome"] == "won"].to_parquet(path)
    with pytest.raises(TooFewOutcomes, match=r"\d+ won and 0 lost"):
        run_training(TrainOptions(profile=DEMO_PROFILE, data=path, tracking_uri=f"sqlite:///{tmp_path}/m.db"),
                     Steps())


def planted_leak(tmp_path: Path, allow: bool) -> tuple[Path, Path]:
    frame = pd.read_parquet(small_history(tmp_path))
    rng = np.random.default_rng(0)
    flip = rng.random(len(frame)) < 0.02
    frame["sales_status"] = np.where((frame["outcome"] == "won") ^ flip, "qualified", "rejected")
    frame.loc[frame["outcome"] == "open", "sales_status"] = None
    path = tmp_path / "leaky.parquet"
    frame.to_parquet(path)
    features = yaml.safe_load(DEMO_PROFILE.read_text())["features"]
    features.append({"name": "sales_status", "kind": "categorical", "allow_leaky": allow})
    return path, quick_profile(tmp_path, features=features)


def test_the_leakage_guard_refuses_a_planted_leak(tmp_path: Path) -> None:
    data, profile = planted_leak(tmp_path, allow=False)
    result = run_training(TrainOptions(profile=profile, data=data, tracking_uri=f"sqlite:///{tmp_path}/m.db"),
                          Steps())
    refused = {r["feature"]: r for r in result.card["features_refused"]}
    assert "sales_status" in refused
    assert refused["sales_status"]["figure"] > 0.95
    assert "alone predicts the holdout with AUC" in refused["sales_status"]["reason"]
    assert "sales_status" not in {f["name"] for f in result.card["features_used"]}


def test_a_leak_the_profile_allows_is_kept(tmp_path: Path) -> None:
    data, profile = planted_leak(tmp_path, allow=True)
    result = run_training(TrainOptions(profile=profile, data=data, tracking_uri=f"sqlite:///{tmp_path}/m.db"),
                          Steps())
    assert "sales_status" in {f["name"] for f in result.card["features_used"]}
    assert result.card["metrics"]["model"]["roc_auc"] > 0.95
