"""Batch scoring on Spark: a frame of leads through a logged lead model's pyfunc, as a Spark UDF.

The UDF runs the model's own pyfunc (models.pyfunc), which scores through the one scoring path, so a lead
gets on Spark exactly the probability, grade, rules and reasons it gets in process. Everything a caller
can get wrong (a model logged before the graded columns, a bad agreement text, a bad param, no Java) is
refused here, on the driver, before a Spark job starts.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import mlflow
import numpy as np
import pandas as pd
from mlflow.models import Model
from mlflow.tracking import MlflowClient

from models.batch_columns import REASON_FIELDS
from models.explanation import MAX_REASONS
from models.propensity import ModelLoadError
from models.pyfunc import BatchParams, LeadModelPyfunc
from models.pyfunc_signature import COLUMNS, has_graded_outputs
from models.spark_session import spark_session

if TYPE_CHECKING:
    from pyspark.sql import Column, SparkSession
    from pyspark.sql import DataFrame as SparkFrame

ROW = "__leadscore_row"  # the input order, carried through Spark so a pandas frame comes back in it
SCORED = "__leadscore_scored"
LISTS = ("rules", "missing")


class ModelOutputsMissing(ModelLoadError):
    """A logged model that does not return the graded columns (logged before them)."""


@dataclass(frozen=True)
class BatchModel:
    """A logged lead model fetched to a local folder: its folder, its signature and its loaded pyfunc."""

    uri: str
    folder: Path
    model: Model
    pyfunc: LeadModelPyfunc

    @classmethod
    def fetch(cls, uri: str, into: Path, tracking_uri: str | None = None) -> BatchModel:
        """Download a model (any MLflow model URI) and check that it returns the graded columns."""
        try:
            local = mlflow.artifacts.download_artifacts(artifact_uri=_source(uri, tracking_uri), dst_path=str(into),
                                                        tracking_uri=tracking_uri)
            model = Model.load(local)
        except Exception as exc:  # noqa: BLE001 - stores and URIs fail in many ways
            raise ModelLoadError(f"model {uri}: cannot be read: {exc}") from None
        signature = model.signature
        if not has_graded_outputs(signature):
            shown = signature.outputs.input_names() if signature and signature.outputs else "no declared columns"
            raise ModelOutputsMissing(f"model {uri} returns {shown}, not the graded columns ({', '.join(COLUMNS)}):"
                                      " it was logged before them; train it again (leadscore train)")
        loaded = mlflow.pyfunc.load_model(local).unwrap_python_model()
        if not isinstance(loaded, LeadModelPyfunc):
            raise ModelOutputsMissing(f"model {uri} is a {type(loaded).__name__}, not a lead model")
        return cls(uri, Path(local), model, loaded)

    def fields(self) -> dict[str, str]:
        """The lead fields the model reads, each with its Spark type."""
        signature = self.model.signature
        assert signature is not None and signature.inputs is not None  # checked in fetch: a lead_signature
        return {str(spec.name): spec.type.to_spark().simpleString() for spec in signature.inputs.inputs}


def _source(uri: str, tracking_uri: str | None) -> str:
    """A models:/ URI resolved in the given store (MLflow would look in the process-wide registry)."""
    if tracking_uri is None or not uri.startswith("models:/"):
        return uri
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    name, at, alias = uri.removeprefix("models:/").partition("@")
    if at:
        version = str(client.get_model_version_by_alias(name, alias).version)
    else:
        name, _, version = name.rpartition("/")
    return str(client.get_model_version_download_uri(name, version))


@dataclass(frozen=True)
class SparkScoring:
    """A logged model made into a Spark UDF once, with its agreement and params, then used frame after frame
    (a rescoring run's batches): fetching the model and building the UDF cost seconds each time."""

    session: SparkSession
    udf: Any
    fields: dict[str, str]

    @classmethod
    def prepare(cls, model_uri: str, agreement: str | None = None, *, spark: SparkSession | None = None,
                tracking_uri: str | None = None, language: str = "en", reasons: int = MAX_REASONS,
                contributions: bool = False) -> SparkScoring:
        """Fetch and check the model, check the agreement text (None: the one logged with the model) and the
        params, and build the UDF. Without `spark`, the process's session (local[2]) is used."""
        params = BatchParams.read({"agreement": agreement or "", "language": language, "reasons": reasons,
                                   "contributions": contributions})
        session = spark or spark_session()
        with tempfile.TemporaryDirectory(prefix="leadscore-batch-") as tmp:
            model = BatchModel.fetch(model_uri, Path(tmp), tracking_uri)
            model.pyfunc.scorer(params.agreement)  # a bad text is refused here, naming its problem
            # spark_udf copies the model to a folder of its own, so this one may go when the UDF is made.
            udf = mlflow.pyfunc.spark_udf(session, str(model.folder), env_manager="local",
                                          params={"agreement": params.agreement, "language": params.language,
                                                  "reasons": params.reasons, "contributions": params.contributions})
        return cls(session, udf, model.fields())

    @overload
    def score(self, leads: pd.DataFrame, keep: Sequence[str] = (), partitions: int | None = None) -> pd.DataFrame: ...

    @overload
    def score(self, leads: SparkFrame, keep: Sequence[str] = (), partitions: int | None = None) -> SparkFrame: ...

    def score(self, leads: pd.DataFrame | SparkFrame, keep: Sequence[str] = (),
              partitions: int | None = None) -> pd.DataFrame | SparkFrame:
        """The `keep` columns of the input, then models.pyfunc_signature.COLUMNS: a pandas frame in the input's
        order and index for a pandas input, else a Spark frame (lazy, in the input's partitions unless
        `partitions` asks for others: a single Parquet file reads as one partition, scored on one core)."""
        if isinstance(leads, pd.DataFrame):
            return _score_pandas(leads, self.session, self.udf, self.fields, keep, partitions)
        return _scored(leads if partitions is None else leads.repartition(partitions), self.udf, self.fields, keep)


@overload
def score_leads(leads: pd.DataFrame, model_uri: str, agreement: str | None = None, *, keep: Sequence[str] = (),
                spark: SparkSession | None = None, tracking_uri: str | None = None, language: str = "en",
                reasons: int = MAX_REASONS, contributions: bool = False,
                partitions: int | None = None) -> pd.DataFrame: ...


@overload
def score_leads(leads: SparkFrame, model_uri: str, agreement: str | None = None, *, keep: Sequence[str] = (),
                spark: SparkSession | None = None, tracking_uri: str | None = None, language: str = "en",
                reasons: int = MAX_REASONS, contributions: bool = False,
                partitions: int | None = None) -> SparkFrame: ...


def score_leads(leads: pd.DataFrame | SparkFrame, model_uri: str, agreement: str | None = None, *,
                keep: Sequence[str] = (), spark: SparkSession | None = None, tracking_uri: str | None = None,
                language: str = "en", reasons: int = MAX_REASONS, contributions: bool = False,
                partitions: int | None = None) -> pd.DataFrame | SparkFrame:
    """Score a pandas or Spark frame of leads with a logged model through `mlflow.pyfunc.spark_udf`, once
    (SparkScoring for many frames with one model). `agreement` is the YAML text of the agreement to grade
    with (None: the one logged with the model)."""
    scoring = SparkScoring.prepare(model_uri, agreement, spark=spark, tracking_uri=tracking_uri, language=language,
                                   reasons=reasons, contributions=contributions)
    return scoring.score(leads, keep, partitions)


def _scored(frame: SparkFrame, udf: Any, fields: dict[str, str], keep: Sequence[str]) -> SparkFrame:
    from pyspark.sql import functions as F

    present = [name for name in fields if name in frame.columns]
    arguments: list[Column] = [_typed(frame, name, fields[name]) for name in present]
    with_scores = frame.withColumn(SCORED, udf(F.struct(*arguments)))
    return with_scores.select(*keep, *(F.col(f"{SCORED}.{name}").alias(name) for name in COLUMNS))


def _typed(frame: SparkFrame, name: str, wanted: str) -> Column:
    """A lead field in the type the model declares (an integer count as a double, a code as text)."""
    from pyspark.sql import functions as F

    column = F.col(name)
    return (column if frame.schema[name].dataType.simpleString() == wanted else column.cast(wanted)).alias(name)


def _score_pandas(leads: pd.DataFrame, session: SparkSession, udf: Any, fields: dict[str, str],
                  keep: Sequence[str], partitions: int | None) -> pd.DataFrame:
    present = [name for name in fields if name in leads.columns]
    carried = [name for name in keep if name not in present]
    frame = leads[[*carried, *present]].reset_index(drop=True).assign(**{ROW: np.arange(len(leads))})
    frame = frame.assign(**{name: _numbers(frame[name]) for name in present if fields[name] == "double"})
    if frame.empty:
        return pd.DataFrame(columns=[*keep, *COLUMNS], index=leads.index)
    spark_frame = session.createDataFrame(frame)  # in the session's default parallelism
    if partitions is not None:
        spark_frame = spark_frame.repartition(partitions)
    scored = _scored(spark_frame, udf, fields, [*keep, ROW]).toPandas()
    scored = scored.sort_values(ROW).drop(columns=ROW).set_axis(leads.index)
    return _as_lists(scored)


def _numbers(values: pd.Series) -> pd.Series:
    """A numeric or yes/no field as doubles (True 1.0, None NaN), as a loaded history holds it: a column of
    Python values (leads as JSON gives them) would reach Spark as mixed objects."""
    try:
        return values.astype("float64")
    except (TypeError, ValueError):
        bad = next(v for v in values if not _is_number(v))
        raise ValueError(f"field '{values.name}': {bad!r} is not a number (the model reads it as one)") from None


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return value is None
    return True


def _as_lists(scored: pd.DataFrame) -> pd.DataFrame:
    """Spark's arrays (NumPy arrays of text, of dicts) as the lists and dicts models.batch_columns makes."""
    lists: dict[str, list[Any]] = {name: [list(map(str, values)) for values in scored[name]] for name in LISTS}
    lists["reasons"] = [[{key: item[key] for key in REASON_FIELDS} for item in values]
                        for values in scored["reasons"]]
    lists["contributions"] = [None if values is None else [float(v) for v in values]
                              for values in scored["contributions"]]
    return scored.assign(**{name: pd.Series(values, index=scored.index, dtype=object)
                            for name, values in lists.items()})
