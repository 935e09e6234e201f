"""Plain records the lead store takes and returns: scores, outcomes, a lead's history, queue entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

OutcomeKind = Literal["won", "lost", "recycled"]
Status = Literal["open", "recycled", "won", "lost"]
FINAL: tuple[OutcomeKind, ...] = ("won", "lost")


@dataclass(frozen=True, kw_only=True)
class ScoreRecord:
    """One score as logged: what the seller was told, by which model and agreement, from which input."""

    lead_id: str
    scored_at: dt.datetime
    probability: float
    grade: str
    model_grade: str
    label: str
    disqualified: bool
    deciding_rule: str | None
    rules: list[str]
    reasons: list[dict[str, Any]]
    contributions: dict[str, float] | None  # per-field log-odds; None when the score was not explained
    model_version: str
    agreement_version: str
    agreement_sha256: str | None  # full digest of the agreement text that graded it (None on older scores)
    input_hash: str
    fields: dict[str, Any]  # non-personal feature and attribute values, JSON-ready
    personal: dict[str, bool]  # personal attribute -> whether the lead carried it (never its value)
    source: str | None = None


@dataclass(frozen=True, kw_only=True)
class StoredScore(ScoreRecord):
    """A logged score with its id."""

    id: int


@dataclass(frozen=True, kw_only=True)
class NewOutcome:
    """What a seller reports about a lead."""

    lead_id: str
    outcome: OutcomeKind
    closed_on: dt.date | None = None
    call_back_on: dt.date | None = None
    score_was_wrong: bool | None = None
    comment: str | None = None

    @property
    def final(self) -> bool:
        return self.outcome in FINAL


@dataclass(frozen=True, kw_only=True)
class StoredOutcome(NewOutcome):
    """A recorded outcome, with the score the lead had when it was recorded."""

    id: int
    recorded_at: dt.datetime
    score_id: int | None


@dataclass(frozen=True)
class LeadHistory:
    """A lead's scores and outcomes, newest first."""

    lead_id: str
    first_scored_at: dt.datetime
    scores: list[StoredScore]
    outcomes: list[StoredOutcome]

    @property
    def latest(self) -> StoredScore:
        return self.scores[0]


@dataclass(frozen=True)
class FollowUp:
    """The part of the agreement the queue needs: grade order, best first, and promised hours per grade."""

    letters: tuple[str, ...]
    hours: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class LeadQuery:
    """Which leads to list; None means any."""

    status: Status | None = "open"
    overdue: bool | None = None
    grade: str | None = None
    source: str | None = None
    lead_id: str | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, kw_only=True)
class QueueEntry:
    """A lead as the seller queue shows it: its latest score, its newest outcome, and the promise."""

    lead_id: str
    status: Status
    overdue: bool
    due_at: dt.datetime | None  # when the follow-up promise runs out; None for a grade without one
    grade: str
    label: str
    model_grade: str
    probability: float
    disqualified: bool
    deciding_rule: str | None
    source: str | None
    scored_at: dt.datetime
    first_scored_at: dt.datetime
    score_id: int
    model_version: str
    agreement_version: str
    outcome: OutcomeKind | None
    call_back_on: dt.date | None


@dataclass(frozen=True)
class LeadPage:
    """One page of the queue and how many leads match in all."""

    entries: list[QueueEntry]
    total: int
    limit: int
    offset: int
    as_of: dt.datetime
