"""Plain records the lead store takes and returns: scores, outcomes, activities, a lead's history, queue entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

OutcomeKind = Literal["won", "lost", "recycled"]
Status = Literal["open", "recycled", "won", "lost"]
FINAL: tuple[OutcomeKind, ...] = ("won", "lost")
ActivityKind = Literal["call", "email", "meeting", "note"]
ActivityResult = Literal["reached", "no_answer", "left_message", "bounced"]
LostReason = Literal["price", "no_budget", "timing", "competitor", "no_need", "no_response", "other"]
FeedbackReason = Literal["too_high", "too_low", "wrong_rule"]
# The results each kind of activity can have; a note has none.
RESULTS: Mapping[ActivityKind, tuple[ActivityResult, ...]] = {
    "call": ("reached", "no_answer", "left_message"), "email": ("reached", "bounced"), "meeting": ("reached",),
    "note": ()}


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
    lost_reason: LostReason | None = None

    @property
    def final(self) -> bool:
        return self.outcome in FINAL


@dataclass(frozen=True, kw_only=True)
class StoredOutcome(NewOutcome):
    """A recorded outcome, with the score the lead had when it was recorded."""

    id: int
    recorded_at: dt.datetime
    score_id: int | None


def is_contact(kind: str, result: str | None) -> bool:
    """A call, e-mail or meeting that did not bounce is contact; a note is not."""
    return kind != "note" and result != "bounced"


@dataclass(frozen=True, kw_only=True)
class NewActivity:
    """A call, e-mail, meeting or note about a lead, at the time it happened."""

    lead_id: str
    kind: ActivityKind
    at: dt.datetime
    result: ActivityResult | None = None
    by: str | None = None
    note: str | None = None

    @property
    def contact(self) -> bool:
        """Whether it counts as contact for the follow-up promise."""
        return is_contact(self.kind, self.result)


@dataclass(frozen=True, kw_only=True)
class StoredActivity(NewActivity):
    """A recorded activity."""

    id: int
    recorded_at: dt.datetime


@dataclass(frozen=True, kw_only=True)
class NewFeedback:
    """A seller's report that a lead's score was wrong, and which way."""

    lead_id: str
    reason: FeedbackReason
    comment: str | None = None
    by: str | None = None


@dataclass(frozen=True, kw_only=True)
class StoredFeedback(NewFeedback):
    """A recorded report, with the score it disputes."""

    id: int
    score_id: int | None
    recorded_at: dt.datetime


@dataclass(frozen=True)
class LeadHistory:
    """A lead's scores and outcomes, newest first; its activities and score feedback, oldest first."""

    lead_id: str
    first_scored_at: dt.datetime
    scores: list[StoredScore]
    outcomes: list[StoredOutcome]
    activities: list[StoredActivity] = field(default_factory=list)
    feedback: list[StoredFeedback] = field(default_factory=list)

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
    contacted: bool | None = None  # ever contacted
    handed_over: bool | None = None
    handed_over_since: dt.datetime | None = None
    handed_over_before: dt.datetime | None = None
    last_contact_before: dt.datetime | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, kw_only=True)
class QueueEntry:
    """A lead as the seller queue shows it: its latest score, its newest outcome, and the promise."""

    lead_id: str
    status: Status
    overdue: bool
    # when the follow-up promise runs out; None for a grade without one, and once the lead was contacted
    due_at: dt.datetime | None
    handover_at: dt.datetime | None  # first score at a grade with a promise; None if never handed over
    first_contact_at: dt.datetime | None
    last_contact_at: dt.datetime | None
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
