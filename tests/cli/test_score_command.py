"""`leadscore score`: the open deals of the Maven history, scored by the champion, graded and explained."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from cli.main import SCORE_COLUMNS, app
from tests.conftest import SHARED_DATA, needs_shared_data
from training.job import TrainOptions, run_training
from training.steps import Steps

ROOT = Path(__file__).resolve().parents[2]
MAVEN, AGREEMENT = ROOT / "profiles" / "maven-crm.yaml", ROOT / "agreements" / "maven-crm.yaml"
pytestmark = [pytest.mark.slow, needs_shared_data]
runner = CliRunner()


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, pd.DataFrame]:
    """A third of Maven's deals (open ones included) and a champion trained on them, in a temporary store."""
    folder = tmp_path_factory.mktemp("maven")
    deals = pd.read_csv(SHARED_DATA / "maven-crm" / "sales_pipeline.csv").iloc[::3]
    deals.to_csv(folder / "sales_pipeline.csv", index=False)
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    run_training(TrainOptions(profile=MAVEN, data=folder / "sales_pipeline.csv", tracking_uri=uri),
                 Steps(Console(quiet=True)))
    return folder / "sales_pipeline.csv", uri, deals[deals["deal_stage"].isin(["Engaging", "Prospecting"])]


def score(pipeline: tuple[Path, str, pd.DataFrame], out: Path, monkeypatch: pytest.MonkeyPatch,
          *extra: str) -> pd.DataFrame:
    data, uri, _ = pipeline
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    result = runner.invoke(app, ["score", "--profile", str(MAVEN), "--data", str(data), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return pd.read_parquet(out) if out.suffix == ".parquet" else pd.read_csv(out, keep_default_na=False)


def test_every_open_deal_is_scored_graded_and_explained(pipeline: tuple[Path, str, pd.DataFrame], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    scores = score(pipeline, tmp_path / "scores.csv", monkeypatch, "--agreement", str(AGREEMENT))
    open_deals = pipeline[2]
    assert list(scores.columns) == ["opportunity_id", *SCORE_COLUMNS]
    assert sorted(scores["opportunity_id"]) == sorted(open_deals["opportunity_id"])
    assert scores["probability"].between(0, 1).all() and set(scores["grade"]) <= {"A", "B", "C", "D"}
    # no account in the CRM: the agreed require rule caps the deal at C and says so
    no_account = scores["opportunity_id"].isin(open_deals.loc[open_deals["account"].isna(), "opportunity_id"])
    assert (scores.loc[no_account, "rules"] == "account-unknown").all()
    assert (scores.loc[~no_account, "rules"] == "").all()
    assert set(scores.loc[no_account, "grade"]) <= {"C", "D"}
    assert (scores.loc[no_account & (scores["model_grade"] < "C"), "deciding_rule"] == "account-unknown").all()
    assert scores.loc[no_account, "missing"].str.contains("account").all()
    # the model has no signal on this history: no reasons, and the explanation says why
    assert (scores["reasons"] == "").all()
    assert scores["explanation"].str.contains("no predictive signal").all()


def test_without_an_agreement_the_default_bounds_grade_and_parquet_is_written(
        pipeline: tuple[Path, str, pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scores = score(pipeline, tmp_path / "scores.parquet", monkeypatch)
    assert len(scores) == len(pipeline[2])
    expected = pd.cut(scores["probability"], [0, 0.10, 0.25, 0.50, 1], right=False, labels=list("DCBA"))
    assert (scores["grade"] == expected.astype(str)).all()
    assert (scores["rules"] == "").all() and (scores["grade"] == scores["model_grade"]).all()


def test_without_a_champion_the_command_fails_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    result = runner.invoke(app, ["score", "--profile", str(MAVEN), "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "no @champion for leadscore-maven-crm" in result.stderr


def test_an_unknown_output_format_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["score", "--profile", str(MAVEN), "--out", str(tmp_path / "scores.xlsx")])
    assert result.exit_code == 1 and "write a .csv or .parquet file, not .xlsx" in result.stderr
