"""`leadscore score --engine spark`: the open leads scored on Spark through the registered model's pyfunc."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from models.agreement import DEFAULT_AGREEMENT
from models.spark_session import DEFAULT_MASTER

if TYPE_CHECKING:
    from models.registry import LeadModel
    from models.scoring import Score, Scorer


class Engine(StrEnum):
    """Where the open leads are scored."""

    in_process = "in-process"
    spark = "spark"


@dataclass(frozen=True)
class SparkEngine:
    """Spark's master and the exact agreement text the executors grade with."""

    agreement: str
    master: str = DEFAULT_MASTER

    @classmethod
    def of(cls, agreement: Path | None, master: str) -> SparkEngine:
        """The agreement file's text as signed (no newline translation), or the default bounds' text."""
        return cls(DEFAULT_AGREEMENT if agreement is None else agreement.read_bytes().decode("utf-8"), master)


def spark_scores(engine: SparkEngine, champion: LeadModel, scorer: Scorer, leads: pd.DataFrame,
                 tracking_uri: str) -> list[Score]:
    """The scores Spark gives the leads, read back as the in-process scorer's (no suggestions)."""
    from models.batch_columns import scores_of
    from models.spark_batch import score_leads
    from models.spark_session import spark_session

    uri = f"models:/{champion.name}/{champion.version}"  # the version resolved once, as loaded here
    scored = score_leads(leads, uri, engine.agreement, spark=spark_session(engine.master), tracking_uri=tracking_uri)
    # The columns are the profile's field names, so every record is keyed by str.
    records = cast("Sequence[Mapping[str, Any]]", leads.to_dict("records"))
    return scores_of(scored, records, scorer.agreement, scorer.estimator.features)
