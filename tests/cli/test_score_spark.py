"""`leadscore score --engine spark`: Maven's open deals scored on Spark exactly as in process, and its errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from cli.main import _as_read, app
from features.profile import load_profile
from features.source import load_history
from models.agreement import load_agreement
from models.batch_columns import columns_of
from models.registry import CHAMPION, Registry
from models.scoring import Scorer
from models.spark_batch import score_leads
from tests.conftest import needs_shared_data
from training.job import TrainOptions, run_training
from training.steps import Steps

ROOT = Path(__file__).resolve().parents[2]
MAVEN, AGREEMENT = ROOT / "profiles" / "maven-crm.yaml", ROOT / "agreements" / "maven-crm.yaml"
pytestmark = [pytest.mark.slow, needs_shared_data]
runner = CliRunner()


@pytest.fixture(scope="module")
def champion(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A champion trained on all of Maven's deals with its agreement logged; MLFLOW_TRACKING_URI points at it."""
    uri = f"sqlite:///{tmp_path_factory.mktemp('maven-spark') / 'mlflow.db'}"
    run_training(TrainOptions(profile=MAVEN, agreement=AGREEMENT, tracking_uri=uri), Steps(Console(quiet=True)))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        yield uri


def score(out: Path, *extra: str) -> pd.DataFrame:
    result = runner.invoke(app, ["score", "--profile", str(MAVEN), "--agreement", str(AGREEMENT), "--out", str(out),
                                 *extra])
    assert result.exit_code == 0, result.output
    return pd.read_parquet(out)


def test_the_open_deals_score_the_same_on_both_engines(spark: Any, champion: str, tmp_path: Path) -> None:
    in_process = score(tmp_path / "in-process.parquet")
    on_spark = score(tmp_path / "spark.parquet", "--engine", "spark", "--language", "da")
    assert len(on_spark) == len(load_history(load_profile(MAVEN)).open) > 2000
    danish = score(tmp_path / "in-process-da.parquet", "--language", "da")
    pd.testing.assert_frame_equal(on_spark, danish)
    assert (in_process["probability"] == on_spark["probability"]).all()
    assert (on_spark["rules"] == "account-unknown").any()


def test_the_structured_columns_are_the_scorer_s(spark: Any, champion: str) -> None:
    profile = load_profile(MAVEN)
    agreement = load_agreement(AGREEMENT, profile)
    model = Registry(champion, profile.registered_model).load_alias(CHAMPION)
    assert model is not None
    leads = _as_read(load_history(profile).open, profile)
    # no agreement given: the one logged at training, the same file
    on_spark = score_leads(leads, f"models:/{profile.registered_model}@{CHAMPION}", spark=spark,
                           tracking_uri=champion, keep=[profile.id])
    scorer = Scorer(model, agreement, profile)
    expected = columns_of(scorer.score_many(leads.to_dict("records"), suggest=False), agreement)  # type: ignore[arg-type]
    assert on_spark[profile.id].tolist() == leads[profile.id].tolist()
    assert on_spark.drop(columns=profile.id).to_dict("records") == expected.to_dict("records")
    assert set(on_spark.loc[on_spark["rules"].map(len) > 0, "deciding_rule"]) <= {"account-unknown", ""}


def test_without_java_the_command_says_so_in_one_line(champion: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    result = runner.invoke(app, ["score", "--profile", str(MAVEN), "--out", str(tmp_path / "s.csv"),
                                 "--engine", "spark"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Spark needs a Java runtime (17 or newer): no `java` on PATH" in " ".join(result.stderr.split())


def test_an_unknown_engine_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["score", "--profile", str(MAVEN), "--out", str(tmp_path / "s.csv"),
                                 "--engine", "dask"])
    assert result.exit_code == 2 and "'dask' is not one of" in result.output
