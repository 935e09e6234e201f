"""The score log: every score the API answers is written to the lead store before the answer leaves.

Scores are committed by one writer thread in groups (serving/group_commit.py): a request waits for the
commit that holds its score, and requests arriving together share one commit.

When the store cannot take a score, scoring still answers (with `logged: false`), the log reports
itself degraded in /ready, and the store is tried again on a later score after `retry_seconds`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import threading
import time
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from features.profile import Profile
from features.values import is_missing, to_text
from models.scoring import Score, Scorer
from serving.group_commit import GroupCommit
from serving.store.database import LeadStore
from serving.store.errors import StoreError
from serving.store.records import ScoreRecord
from serving.store.scores import add_scores

log = logging.getLogger("leadscore.scorelog")

Lead = Mapping[str, Any]
TINY = 5e-5  # contributions that round to 0.0000 are left out of the stored map


class ScoreLog:
    """Writes scores to the lead store; degrades instead of failing a score when the store is down."""

    def __init__(self, store: LeadStore, profile: Profile, source_field: str | None = None,
                 retry_seconds: float = 5.0) -> None:
        self.store = store
        self.profile = profile
        self.source_field = source_field
        self.retry_seconds = retry_seconds
        self.kept = [f.name for f in profile.features] + [a.name for a in profile.attributes if not a.personal]
        self.personal = [a.name for a in profile.attributes if a.personal]
        self._problem: str | None = None
        self._retry_at = 0.0
        self._lock = threading.Lock()
        self._writer: GroupCommit[ScoreRecord] = GroupCommit(self._commit)

    def open(self) -> None:
        """Open the store at start-up; when it is unreachable, start degraded and retry on later scores."""
        if self.source_field and self.source_field not in self.profile.lead_fields:
            log.warning("LEADSCORE_SOURCE_FIELD %r is not a field of profile %r: leads are logged without a source",
                        self.source_field, self.profile.name)
        try:
            self.store.open()
        except StoreError as exc:
            self._degrade(exc)
            return
        self._recover()

    def record(self, scorer: Scorer, leads: Sequence[Lead], scores: Sequence[Score], scored_at: dt.datetime,
               explained: bool = True) -> bool:
        """Log the scores, committed before this returns; False when the store could not take them."""
        if not self._due():
            return False
        return self._writer.write(self.records(scorer, leads, scores, scored_at, explained))

    def record_async(self, scorer: Scorer, leads: Sequence[Lead], scores: Sequence[Score],
                     scored_at: dt.datetime, explained: bool = True) -> Awaitable[bool]:
        """`record` for the event loop: the scores are submitted at once, and the awaitable says whether they
        were committed, so the caller can finish its answer while the writer commits."""
        if not self._due():
            return _already(False)
        return self._writer.write_async(self.records(scorer, leads, scores, scored_at, explained))

    def records(self, scorer: Scorer, leads: Sequence[Lead], scores: Sequence[Score], scored_at: dt.datetime,
                explained: bool = True) -> list[ScoreRecord]:
        """The log records of scored leads (contributions only for explained scores)."""
        contributions = field_contributions(scorer, leads, scores) if explained else [None] * len(leads)
        return [self.record_of(scorer, lead, score, scored_at, found)
                for lead, score, found in zip(leads, scores, contributions, strict=True)]

    def record_of(self, scorer: Scorer, lead: Lead, score: Score, scored_at: dt.datetime,
                  contributions: dict[str, float] | None) -> ScoreRecord:
        """One score as a record: personal attributes reduced to whether they were present."""
        decision = score.decision
        return ScoreRecord(
            lead_id=score.lead_id, scored_at=scored_at, probability=score.probability, grade=decision.grade,
            model_grade=decision.model_grade, label=decision.label, disqualified=decision.disqualified,
            deciding_rule=decision.deciding_rule, rules=[rule.id for rule in decision.fired],
            reasons=[json_ready(vars(reason)) for reason in score.reasons], contributions=contributions,
            model_version=scorer.model.label, agreement_version=scorer.agreement.version,
            agreement_sha256=scorer.agreement.sha256,
            input_hash=input_hash(lead, self.personal), fields={name: json_ready(lead.get(name)) for name in self.kept},
            personal={name: not is_missing(lead.get(name)) for name in self.personal},
            source=to_text(lead.get(self.source_field)) if self.source_field else None)

    def problems(self) -> list[str]:
        """What /ready reports about the log: nothing while scores are being logged."""
        return [self._problem] if self._problem else []

    def close(self) -> None:
        self._writer.close()
        self.store.close()

    def _commit(self, records: list[ScoreRecord]) -> bool:
        try:
            add_scores(self.store, records)
        except StoreError as exc:
            self._degrade(exc)
            return False
        self._recover()
        return True

    def _due(self) -> bool:
        return self._problem is None or time.monotonic() >= self._retry_at

    def _degrade(self, exc: StoreError) -> None:
        message = f"score log degraded: {exc}; scores answer with logged=false until it is back"
        with self._lock:
            if message != self._problem:
                log.error(message)
            self._problem, self._retry_at = message, time.monotonic() + self.retry_seconds

    def _recover(self) -> None:
        with self._lock:
            if self._problem is not None:
                log.info("score log recovered: %s takes scores again", self.store.name)
            self._problem = None


async def _already(value: bool) -> bool:
    return value


def field_contributions(scorer: Scorer, leads: Sequence[Lead], scores: Sequence[Score] = ()) -> list[dict[str, float]]:
    """Each lead's TreeSHAP contribution per model field (log-odds), rounded, zeros left out."""
    estimator = scorer.estimator
    kept = [score.contributions for score in scores if score.contributions is not None]
    if scores and len(kept) == len(scores):  # scoring computed them already: TreeSHAP is the costly part
        values = np.array(kept)[:, :-1]
    elif len(leads) == 1:
        values = estimator.contributions(estimator.encoder_.encode_lead(leads[0]))[:, :-1]
    else:
        frame = pd.DataFrame.from_records(list(leads), columns=scorer.profile.lead_fields)
        values = estimator.contributions(estimator.encoder_.transform(frame))[:, :-1]  # the last column is the bias
    names = estimator.encoder_.names
    return [{name: round(float(v), 4) for name, v in zip(names, row, strict=True) if abs(v) >= TINY} for row in values]


def input_hash(lead: Lead, personal: Sequence[str] = ()) -> str:
    """sha256 of the lead as canonical JSON (sorted keys, no spaces, dates as ISO text).

    Personal values enter only as present or not: a plain hash of a phone number beside the stored
    fields could be reversed by trying every number.
    """
    masked = {**lead, **{name: not is_missing(lead.get(name)) for name in personal if name in lead}}
    text = json.dumps(masked, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


PLAIN = frozenset({str, int, bool, type(None)})  # carried by JSON as they are


def json_ready(value: Any) -> Any:
    """A value JSON can carry: dates as ISO text, NumPy scalars as Python ones, NaN as null."""
    if type(value) in PLAIN:  # most lead values: answered before the checks below
        return value
    if isinstance(value, Mapping):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"lead value {value!r} of type {type(value).__name__} has no JSON form")
