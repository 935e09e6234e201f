"""Batch scoring on Spark (local mode): exactly the in-process scores, and every user error refused in one line."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.models import Model, ModelSignature
from mlflow.types.schema import ColSpec, DataType, Schema

from features.demo import write_demo
from features.profile import Profile
from features.source import load_history
from models.agreement import AgreementError, load_agreement
from models.batch_columns import columns_of, scores_of
from models.registry import Registry
from models.scoring import Scorer
from models.spark_batch import ModelOutputsMissing, score_leads
from models.spark_session import SparkUnavailable, check_java, spark_session
from tests.conftest import DEMO_AGREEMENT
from training.job import TrainResult

pytestmark = pytest.mark.slow
DEMO_ROWS = 100_000


@pytest.fixture(scope="module")
def model_uri(trained: TrainResult) -> str:
    return f"models:/leadscore-demo/{trained.version}"


@pytest.fixture(scope="module")
def scorer(trained: TrainResult, tracking_uri: str, demo_profile: Profile) -> Scorer:
    model = Registry(tracking_uri, demo_profile.registered_model).load(trained.version)
    return Scorer(model, load_agreement(DEMO_AGREEMENT, demo_profile), demo_profile)


@pytest.fixture(scope="module")
def demo_leads(tmp_path_factory: pytest.TempPathFactory, demo_profile: Profile) -> pd.DataFrame:
    """100,000 demo leads (`leadscore demo --rows 100000`), open and closed, as a loaded history holds them."""
    path = write_demo(tmp_path_factory.mktemp("spark-demo") / "leads.parquet", rows=DEMO_ROWS, seed=11)
    return load_history(demo_profile, path).frame


def in_process(scorer: Scorer, leads: pd.DataFrame, **options: Any) -> pd.DataFrame:
    reasons = options.get("reasons", 3)
    scores = scorer.score_many(leads.to_dict("records"), explain=reasons > 0, suggest=False)  # type: ignore[arg-type]
    return columns_of(scores, scorer.agreement, options.get("language", "en"), reasons,
                      options.get("contributions", False))


def agreement_text() -> str:
    return DEMO_AGREEMENT.read_bytes().decode("utf-8")


def test_100000_demo_leads_score_on_spark_exactly_as_in_process(spark: Any, model_uri: str, scorer: Scorer,
                                                                 demo_leads: pd.DataFrame, tracking_uri: str) -> None:
    on_spark = score_leads(demo_leads, model_uri, agreement_text(), keep=["lead_id"], spark=spark,
                           tracking_uri=tracking_uri)
    assert isinstance(on_spark, pd.DataFrame) and len(on_spark) == DEMO_ROWS
    assert on_spark["lead_id"].tolist() == demo_leads["lead_id"].tolist()
    expected = in_process(scorer, demo_leads)
    assert on_spark["probability"].tolist() == expected["probability"].tolist()  # float equality, not closeness
    assert on_spark.drop(columns="lead_id").to_dict("records") == expected.to_dict("records")
    assert on_spark["disqualified"].any() and on_spark["reasons"].map(len).gt(0).all()


def test_without_reasons_and_with_contributions_in_danish(spark: Any, model_uri: str, scorer: Scorer,
                                                         demo_leads: pd.DataFrame, tracking_uri: str) -> None:
    leads = demo_leads.head(3000)
    for options in ({"reasons": 0}, {"reasons": 2, "contributions": True, "language": "da"}):
        on_spark = score_leads(leads, model_uri, agreement_text(), spark=spark, tracking_uri=tracking_uri,
                               **options)
        assert on_spark.to_dict("records") == in_process(scorer, leads, **options).to_dict("records"), options


def test_a_spark_frame_comes_back_as_a_spark_frame_with_the_kept_columns(
        spark: Any, model_uri: str, demo_leads: pd.DataFrame, tracking_uri: str, demo_profile: Profile) -> None:
    leads = demo_leads.head(500)
    # integer counts and a text id, as a Spark table may hold them: cast to the model's types on the way in
    frame = spark.createDataFrame(leads[["lead_id", *demo_profile.lead_fields]].astype({"website_visits": "Int64"}))
    scored = score_leads(frame, model_uri, agreement_text(), keep=["lead_id"], spark=spark, tracking_uri=tracking_uri,
                         partitions=3)
    assert not isinstance(scored, pd.DataFrame) and scored.rdd.getNumPartitions() == 3
    rows = {row["lead_id"]: row for row in scored.collect()}
    expected = score_leads(leads, model_uri, agreement_text(), keep=["lead_id"], spark=spark,
                           tracking_uri=tracking_uri)
    for item in expected.head(50).to_dict("records"):
        got = rows[item["lead_id"]]
        assert (got["probability"], got["grade"], list(got["rules"])) == (
            item["probability"], item["grade"], item["rules"])


def as_json(lead: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """A lead as the lead store rebuilds it: yes/no as booleans, whole numbers as integers, None for missing,
    a personal field only marked present."""
    kinds = {f.name: f.kind.value for f in profile.features}
    out: dict[str, Any] = {}
    for name, value in lead.items():
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out[name] = None
        elif kinds.get(name) == "boolean":
            out[name] = bool(value)
        elif isinstance(value, float) and value.is_integer():
            out[name] = int(value)
        else:
            out[name] = value
    return out | {"phone": "(kept out of the lead store)" if out.get("phone") else None}


def test_leads_as_json_gives_them_score_as_in_process(spark: Any, model_uri: str, scorer: Scorer,
                                                      demo_leads: pd.DataFrame, tracking_uri: str,
                                                      demo_profile: Profile) -> None:
    rows = demo_leads.head(2000)[["lead_id", *demo_profile.lead_fields]].to_dict("records")
    leads = [as_json(row, demo_profile) for row in rows]  # type: ignore[arg-type]
    frame = pd.DataFrame(leads).astype(object)
    on_spark = score_leads(frame, model_uri, agreement_text(), spark=spark, tracking_uri=tracking_uri,
                           contributions=True)
    back = scores_of(on_spark, leads, scorer.agreement, scorer.estimator.features)
    expected = scorer.score_many(leads, suggest=False)
    assert [(s.lead_id, s.probability, s.decision, s.reasons, s.missing) for s in back] == [
        (s.lead_id, s.probability, s.decision, s.reasons, s.missing) for s in expected]
    assert all(np.array_equal(a.contributions, b.contributions) for a, b in zip(back, expected, strict=True))
    with pytest.raises(ValueError, match="field 'website_visits': 'many' is not a number"):
        score_leads(frame.assign(website_visits="many"), model_uri, spark=spark, tracking_uri=tracking_uri)


def test_without_an_agreement_the_logged_one_grades(spark: Any, model_uri: str, demo_leads: pd.DataFrame,
                                                    tracking_uri: str) -> None:
    scored = score_leads(demo_leads.head(1000), model_uri, spark=spark, tracking_uri=tracking_uri)
    assert scored["rules"].map(len).sum() == 0  # trained without one: the usual bounds and no rules
    expected = pd.cut(scored["probability"], [0, 0.10, 0.25, 0.50, 1], right=False, labels=list("DCBA"))
    assert (scored["grade"] == expected.astype(str)).all()


def test_a_bad_agreement_text_or_param_is_refused_before_spark_runs(spark: Any, model_uri: str,
                                                                   demo_leads: pd.DataFrame,
                                                                   tracking_uri: str) -> None:
    leads = demo_leads.head(10)
    with pytest.raises(AgreementError, match=r"agreement given in the agreement param: .*grades"):
        score_leads(leads, model_uri, "version: x\ngrades: {A: 2}\nlabels: {A: hot}\n", spark=spark,
                    tracking_uri=tracking_uri)
    with pytest.raises(ValueError, match="param reasons: 4"):
        score_leads(leads, model_uri, spark=spark, tracking_uri=tracking_uri, reasons=4)
    with pytest.raises(ValueError, match="param language: 'fr'"):
        score_leads(leads, model_uri, spark=spark, tracking_uri=tracking_uri, language="fr")


def test_a_model_logged_before_the_graded_columns_is_named(spark: Any, model_uri: str, tracking_uri: str,
                                                            demo_leads: pd.DataFrame, tmp_path: Path) -> None:
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)  # training elsewhere in the session may have moved it
    folder = Path(mlflow.artifacts.download_artifacts(artifact_uri=model_uri, dst_path=str(tmp_path / "new")))
    old = shutil.copytree(folder, tmp_path / "old")
    model = Model.load(old)
    outputs = Schema([ColSpec(DataType.double, "probability"), ColSpec(DataType.long, "score")])
    model.signature = ModelSignature(inputs=model.signature.inputs, outputs=outputs)
    model.save(str(old / "MLmodel"))
    with pytest.raises(ModelOutputsMissing, match=r"returns \['probability', 'score'\], not the graded columns"):
        score_leads(demo_leads.head(5), str(old), spark=spark)
    with pytest.raises(Exception, match="cannot be read"):
        score_leads(demo_leads.head(5), "models:/no-such-model/1", spark=spark, tracking_uri=tracking_uri)


def test_no_java_is_said_in_one_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(SparkUnavailable, match="Spark needs a Java runtime .*no `java` on PATH"):
        check_java()
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(SparkUnavailable, match="has no bin/java"):
        spark_session()


def test_an_old_java_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    java = tmp_path / "bin" / "java"
    java.parent.mkdir()
    java.write_text('#!/bin/sh\necho \'java version "1.8.0_402"\' >&2\n')
    java.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(SparkUnavailable, match="needs Java 17 or newer; .* is Java 8"):
        check_java()
