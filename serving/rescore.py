"""Rescoring: every open lead in the store put on the champion and the agreement in force, as a durable batch.

Each batch of new scores commits on its own, and a lead is due only while its latest score was given by
another model or agreement. So a run killed half-way has lost nothing it committed, and the next run picks
up exactly the leads still due, without a cursor to keep. One run at a time holds the store's "rescore"
lease; a second one started meanwhile, on any machine, finds it held and leaves.

The leads are rebuilt from what the store kept of their last score: the non-personal fields as they were,
and each personal attribute as present or absent (the store never keeps personal values), so an agreed
rule on whether a phone number is present grades as before. The new score keeps the earlier input hash:
its inputs are the earlier score's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from models.scoring import Scorer
from serving.champion import utc_now
from serving.scorelog import ScoreLog
from serving.store.database import LeadStore
from serving.store.leases import Lease, release_lease, renew_lease, take_lease
from serving.store.records import ScoreRecord, StoredScore
from serving.store.scores import add_scores
from serving.store.stale import count_open, count_stale, stale_scores

LEASE = "rescore"
PRESENT = "(kept out of the lead store)"  # a personal value the store only knows was there
Progress = Callable[[int, int], None]  # (rescored so far, due at the start)
Engine = Callable[[Scorer, Sequence[dict[str, Any]], dt.datetime], list[ScoreRecord]]


@dataclass(frozen=True)
class RescoreRun:
    """How a run ended: done, or held (another run has the lease, named in `holder`)."""

    status: Literal["done", "held"]
    rescored: int
    due: int  # stale open leads when the run started
    open_leads: int | None  # open leads in the store after the run; not counted by a run that found the lease held
    model_version: str
    agreement_version: str
    seconds: float
    holder: Lease


def run_holder() -> str:
    """This process's name in the lease: host, process id and a run id."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lead_of(score: StoredScore) -> dict[str, Any]:
    """The lead as the store kept it at its latest score."""
    personal = {name: PRESENT if present else None for name, present in score.personal.items()}
    return {**score.fields, **personal, "lead_id": score.lead_id}


def in_process(log: ScoreLog) -> Engine:
    """Score in this process with the scorer, explained, as score-log records."""
    def records(scorer: Scorer, leads: Sequence[dict[str, Any]], now: dt.datetime) -> list[ScoreRecord]:
        return log.records(scorer, leads, scorer.score_many(leads), now)
    return records


def on_spark(log: ScoreLog, agreement_text: str, tracking_uri: str) -> Engine:
    """Score through the registered model's pyfunc on Spark (mlflow.pyfunc.spark_udf), as score-log records.

    The UDF gets the scorer's exact model version and the agreement text in force, so its scores are the
    in-process ones. The model is fetched and made into a UDF once per run; each batch is one Spark job, so
    a large `batch` keeps Spark's start-up per job small.
    """
    import pandas as pd

    from models.batch_columns import scores_of
    from models.spark_batch import SparkScoring

    @functools.lru_cache(maxsize=1)  # the run's model, made into a UDF at its first batch
    def prepared(uri: str) -> SparkScoring:
        return SparkScoring.prepare(uri, agreement_text, tracking_uri=tracking_uri, contributions=True)

    def records(scorer: Scorer, leads: Sequence[dict[str, Any]], now: dt.datetime) -> list[ScoreRecord]:
        uri = f"models:/{scorer.model.name}/{scorer.model.version}"
        scored = prepared(uri).score(pd.DataFrame.from_records(list(leads)))
        return log.records(scorer, leads, scores_of(scored, leads, scorer.agreement, scorer.profile.features), now)
    return records


class Rescoring:
    """Puts the store's open leads on one scorer's model and agreement, a batch per transaction."""

    def __init__(self, store: LeadStore, scorer: Scorer, engine: Engine, *, batch: int = 2_000,
                 lease_seconds: float = 120.0, clock: Callable[[], dt.datetime] = utc_now,
                 holder: str | None = None) -> None:
        if batch < 1 or lease_seconds <= 0:
            raise ValueError(f"batch {batch} must be >= 1 and lease_seconds {lease_seconds} > 0")
        self.store, self.scorer, self.engine = store, scorer, engine
        self.batch, self.lease_seconds, self.clock = batch, lease_seconds, clock
        self.holder = holder or run_holder()

    @property
    def versions(self) -> tuple[str, str]:
        return self.scorer.model.label, self.scorer.agreement.sha256

    def run(self, progress: Progress | None = None) -> RescoreRun:
        """Rescore every due lead, or leave at once when another run holds the lease."""
        started = time.perf_counter()
        taken, lease = take_lease(self.store, LEASE, self.holder, self.lease_seconds, self.clock())
        if not taken:
            return self._result("held", 0, 0, lease, started)
        try:
            due = count_stale(self.store, *self.versions)
            rescored = self._batches(lease, due, progress or _quiet)
        finally:
            release_lease(self.store, lease)
        return self._result("done", rescored, due, lease, started)

    def _batches(self, lease: Lease, due: int, progress: Progress) -> int:
        rescored, after = 0, None
        progress(0, due)
        while batch := stale_scores(self.store, *self.versions, after=after, limit=self.batch):
            add_scores(self.store, self._rescored(batch))
            rescored, after = rescored + len(batch), batch[-1].lead_id
            lease = renew_lease(self.store, lease, self.lease_seconds, self.clock())
            progress(rescored, due)
        return rescored

    def _rescored(self, batch: list[StoredScore]) -> list[ScoreRecord]:
        records = self.engine(self.scorer, [lead_of(score) for score in batch], self.clock())
        return [dataclasses.replace(record, input_hash=before.input_hash, source=before.source)
                for record, before in zip(records, batch, strict=True)]

    def _result(self, status: Literal["done", "held"], rescored: int, due: int, lease: Lease,
                started: float) -> RescoreRun:
        open_leads = count_open(self.store) if status == "done" else None
        return RescoreRun(status, rescored, due, open_leads, self.scorer.model.label,
                          self.scorer.agreement.version, time.perf_counter() - started, lease)


def _quiet(done: int, due: int) -> None:
    """No progress shown."""
