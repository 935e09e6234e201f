"""The leakage guard on real data: an X Education profile that forgets to mark the sales team's fields."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rich.console import Console

from features.leakage import after_outcome_refusals, screen_features
from features.profile import load_profile
from features.source import load_history
from tests.conftest import SHARED_DATA, needs_shared_data
from training.checks import deduplicate
from training.job import TrainOptions, _report_refusals, fit_estimator, split_history
from training.steps import Steps

ROOT = Path(__file__).resolve().parents[2]
FORGOTTEN = {"Tags": 0.930, "Lead Quality": 0.816}  # their single-feature holdout AUC
pytestmark = needs_shared_data


def forgetful_profile(tmp_path: Path) -> Path:
    """The real X Education profile with Tags and Lead Quality moved from known_after_outcome to features."""
    raw = yaml.safe_load((ROOT / "profiles" / "xeducation.yaml").read_text(encoding="utf-8"))
    raw["source"]["path"] = str(SHARED_DATA / "xeducation-leads" / "Leads.csv")
    raw["known_after_outcome"] = [c for c in raw["known_after_outcome"] if c["column"] not in FORGOTTEN]
    raw["features"] += [{"name": name, "kind": "categorical"} for name in FORGOTTEN]
    path = tmp_path / "xeducation-forgetful.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def test_training_refuses_the_forgotten_fields_by_name_with_their_figures(tmp_path: Path) -> None:
    path = forgetful_profile(tmp_path)
    profile, options = load_profile(path), TrainOptions(profile=path)
    closed, _ = deduplicate(load_history(profile).closed, profile.id)
    split = split_history(closed, options)
    # the steps of run_training up to the fit, printing what it prints
    refused = after_outcome_refusals(profile) + screen_features(
        profile, split.train.frame, split.train.won, split.holdout.frame, split.holdout.won)
    console = Console(record=True, width=200)
    _report_refusals(Steps(console), refused)
    estimator = fit_estimator(profile, refused, split, options)
    printed = console.export_text()
    by_name = {r.feature: r for r in refused}
    for name, auc in FORGOTTEN.items():
        assert by_name[name].figure == pytest.approx(auc, abs=0.005)
        assert f"refused {name}: alone predicts the holdout with AUC {auc:.3f} (limit 0.8)" in printed
        assert name not in estimator.encoder_.names
    assert "Total Time Spent on Website" in estimator.encoder_.names
