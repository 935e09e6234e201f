"""The `leadscore` command: one-line errors and non-zero exits for bad input; the champion's card as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli.main import app
from features.demo import write_demo
from models.registry import CHAMPION, Registry
from tests.conftest import DEMO_PROFILE
from training.job import TrainResult

runner = CliRunner()


def error_line(output: str) -> str:
    """The one error line (progress lines may precede it); never a traceback."""
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, f"expected one error line, got: {output!r}"
    return lines[0]


@pytest.fixture()
def history(tmp_path: Path) -> pd.DataFrame:
    return pd.read_parquet(write_demo(tmp_path / "leads.parquet", rows=1500, seed=3))


@pytest.mark.parametrize(("damage", "message"), [
    (lambda f: f.rename(columns={"pricing_page_views": "pricing_views"}),
     "column 'pricing_page_views' is missing from the history (did you mean 'pricing_views'?)"),
    (lambda f: f.assign(website_visits=f["website_visits"].astype("object").where(f.index != 5, "many")),
     "column 'website_visits' (numeric): 'many' is not a number"),
    (lambda f: f.assign(outcome=f["outcome"].where(f.index != 7, "pending")),
     "values ['pending'] are named neither won, lost nor open"),
    (lambda f: f[f["outcome"] == "won"], "won and 0 lost"),
])
def test_bad_history_gets_one_line_and_exit_1(tmp_path: Path, fresh_tracking: str, history: pd.DataFrame,
                                               damage: object, message: str) -> None:
    path = tmp_path / "bad.csv"
    damage(history).to_csv(path, index=False)  # type: ignore[operator]
    result = runner.invoke(app, ["train", "--profile", str(DEMO_PROFILE), "--data", str(path)])
    assert result.exit_code == 1
    assert message in error_line(result.stderr)
    assert Registry(fresh_tracking, "leadscore-demo").version_for(CHAMPION) is None


def test_an_empty_file_gets_one_line(tmp_path: Path, fresh_tracking: str) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    result = runner.invoke(app, ["train", "--profile", str(DEMO_PROFILE), "--data", str(path)])
    assert result.exit_code == 1
    assert "the file is empty" in error_line(result.stderr)


def test_a_bad_profile_gets_one_line(tmp_path: Path, fresh_tracking: str) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(DEMO_PROFILE.read_text().replace("kind: numeric", "kind: number", 1))
    result = runner.invoke(app, ["train", "--profile", str(profile)])
    assert result.exit_code == 1
    assert "features.9.kind" in error_line(result.stderr)


def test_model_prints_the_champion_card(trained: TrainResult, tracking_uri: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking_uri)
    result = runner.invoke(app, ["model", "--profile", str(DEMO_PROFILE)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["version"] == trained.version and payload["alias"] == "champion"
    assert payload["card"]["metrics"]["model"]["roc_auc"] > payload["card"]["metrics"]["baseline"]["roc_auc"]
    assert payload["tags"]["gate_decision"] == "champion"


def test_model_without_a_champion_says_run_make_train(fresh_tracking: str) -> None:
    result = runner.invoke(app, ["model", "--profile", str(DEMO_PROFILE)])
    assert result.exit_code == 1
    assert "run `make train`" in error_line(result.stderr)
