"""Request and response schemas of the lead routes: a lead's history, outcomes, activities, the seller queue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from serving.language.catalog import Language
from serving.language.wording import Wording
from serving.schemas import NO_NUL, LeadId, ReasonOut
from serving.store.changes import GradeChange, explain_change
from serving.store.records import (
    ActivityKind,
    ActivityResult,
    LeadPage,
    LostReason,
    NewActivity,
    NewOutcome,
    QueueEntry,
    StoredActivity,
    StoredOutcome,
    StoredScore,
)

MAX_COMMENT = 2000
Comment = Annotated[str, StringConstraints(max_length=MAX_COMMENT, strip_whitespace=True, pattern=NO_NUL)]
Seller = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True, pattern=NO_NUL)]


class ActivityIn(BaseModel):
    """A call, e-mail, meeting or note about a lead."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"kind": "call", "result": "reached", "by": "Ana Silva", "note": "Wants a quote for 40 seats."}]})

    kind: ActivityKind
    result: ActivityResult | None = Field(None, description="call: reached, no_answer, left_message; email: "
                                                            "reached, bounced; meeting: reached; note: none.")
    at: AwareDatetime | None = Field(None, description="When it happened, with a time zone (default: now).")
    by: Seller | None = Field(None, description="Who made the contact.")
    note: Comment | None = None

    def to_record(self, lead_id: str, now: dt.datetime) -> NewActivity:
        at = (self.at or now).astimezone(dt.UTC)
        return NewActivity(lead_id=lead_id, kind=self.kind, result=self.result, at=at, by=self.by, note=self.note)


class LeadActivityIn(ActivityIn):
    """An activity in a backfill, naming its lead."""

    lead_id: LeadId


class ActivityBatchIn(BaseModel):
    """Activities a CRM backfills, recorded all or none."""

    model_config = ConfigDict(extra="forbid")

    activities: list[LeadActivityIn] = Field(min_length=1)


class ActivityOut(BaseModel):
    activity_id: int
    lead_id: str
    kind: str
    result: str | None
    at: dt.datetime
    by: str | None
    note: str | None
    contact: bool = Field(description="Counts as contact for the follow-up promise (not a note, not a bounce).")
    recorded_at: dt.datetime

    @classmethod
    def of(cls, activity: StoredActivity) -> ActivityOut:
        values = {k: v for k, v in vars(activity).items() if k != "id"}
        return cls(activity_id=activity.id, contact=activity.contact, **values)


class ActivityBatchOut(BaseModel):
    created: int = Field(description="Activities recorded by this call.")
    repeated: int = Field(description="Activities the store already held (the same content posted before).")
    activities: list[ActivityOut] = Field(description="In the order posted.")


class OutcomeIn(BaseModel):
    """What the seller reports: won, lost, or recycled to marketing with a date to call back."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"lead_id": "L-1001", "outcome": "won", "closed_on": "2026-11-20"},
        {"lead_id": "L-1002", "outcome": "recycled", "call_back_on": "2027-03-20", "score_was_wrong": True,
         "comment": "Budget frozen until spring; call me again in four months."}]})

    lead_id: LeadId
    outcome: Literal["won", "lost", "recycled"]
    closed_on: dt.date | None = Field(None, description="Won or lost: the day the deal closed (not in the future).")
    call_back_on: dt.date | None = Field(None, description="Recycled: the day to call back (in the future).")
    score_was_wrong: bool | None = Field(None, description="The seller's verdict that the grade was wrong.")
    comment: Comment | None = None
    lost_reason: LostReason | None = Field(None, description="Lost: why (price, no_budget, timing, competitor, "
                                                             "no_need, no_response, other).")

    def to_record(self) -> NewOutcome:
        return NewOutcome(**self.model_dump())


class OutcomeOut(BaseModel):
    outcome_id: int
    lead_id: str
    outcome: str
    closed_on: dt.date | None
    call_back_on: dt.date | None
    score_was_wrong: bool | None
    comment: str | None
    lost_reason: str | None = None
    recorded_at: dt.datetime
    score_id: int | None = Field(description="The lead's latest score when the outcome was recorded.")

    @classmethod
    def of(cls, outcome: StoredOutcome) -> OutcomeOut:
        values = {k: v for k, v in vars(outcome).items() if k != "id"}
        return cls(outcome_id=outcome.id, **values)


class ConflictOut(BaseModel):
    detail: str
    existing: OutcomeOut


class StoredScoreOut(BaseModel):
    """A logged score: what the seller was told, by which model and agreement."""

    score_id: int
    scored_at: dt.datetime
    probability: float
    score: int
    grade: str
    label: str
    model_grade: str
    disqualified: bool
    deciding_rule: str | None
    rules: list[str]
    reasons: list[ReasonOut]
    contributions: dict[str, float] | None = Field(description="Per-field pull on the log-odds; null when the "
                                                               "score was not explained.")
    model_version: str
    agreement_version: str
    agreement_sha256: str | None = Field(description="Full sha256 of the agreement that graded it; null on scores "
                                                     "logged before digests were kept.")
    input_hash: str = Field(description="sha256 of the canonical input JSON.")
    fields: dict[str, Any] = Field(description="Non-personal feature and attribute values.")
    personal_present: dict[str, bool] = Field(description="Personal attributes: only whether they were given.")
    source: str | None

    @classmethod
    def of(cls, score: StoredScore, wording: Wording) -> StoredScoreOut:
        """A logged score, its reasons (kept as data) worded in the wording's language."""
        values = {k: v for k, v in vars(score).items() if k not in ("id", "personal", "reasons")}
        return cls(score_id=score.id, score=round(score.probability * 100), personal_present=score.personal,
                   reasons=[wording.reason(reason) for reason in score.reasons], **values)


class FieldMoveOut(BaseModel):
    field: str
    display: str
    value_before: Any = None
    value_after: Any = None
    contribution_before: float
    contribution_after: float
    change: float


class GradeChangeOut(BaseModel):
    """Why the grade changed between the two latest scores (or why it did not)."""

    grade_changed: bool
    grade_before: str
    grade_after: str
    model_grade_before: str
    model_grade_after: str
    probability_before: float
    probability_after: float
    new_model: bool
    model_version_before: str
    model_version_after: str
    new_agreement: bool
    agreement_version_before: str
    agreement_version_after: str
    rules_started: list[str]
    rules_stopped: list[str]
    deciding_rule_before: str | None
    deciding_rule_after: str | None
    inputs_changed: bool
    fields: list[FieldMoveOut] = Field(description="The fields whose contribution moved most.")
    why: list[str] = Field(description="The change in sentences, the grade first.")

    @classmethod
    def of(cls, change: GradeChange, labels: Mapping[str, str], lang: Language | None = None) -> GradeChangeOut:
        before, after = change.before, change.after
        fields = [FieldMoveOut(field=m.field, display=labels.get(m.field, m.field), value_before=m.value_before,
                               value_after=m.value_after, contribution_before=m.before, contribution_after=m.after,
                               change=m.change) for m in change.fields]
        return cls(
            grade_changed=change.grade_changed, grade_before=before.grade, grade_after=after.grade,
            model_grade_before=before.model_grade, model_grade_after=after.model_grade,
            probability_before=before.probability, probability_after=after.probability,
            new_model=change.new_model, model_version_before=before.model_version,
            model_version_after=after.model_version, new_agreement=change.new_agreement,
            agreement_version_before=before.agreement_version, agreement_version_after=after.agreement_version,
            rules_started=list(change.rules_started), rules_stopped=list(change.rules_stopped),
            deciding_rule_before=before.deciding_rule, deciding_rule_after=after.deciding_rule,
            inputs_changed=change.inputs_changed, fields=fields, why=explain_change(change, labels, lang))


class ClockFilters(BaseModel):
    """The queue's follow-up filters (unset means any)."""

    contacted: bool | None = Field(None, description="Ever contacted (a call, e-mail or meeting, not a bounce).")
    handed_over: bool | None = Field(None, description="Ever scored at a grade with a follow-up promise.")
    handed_over_since: AwareDatetime | None = Field(None, description="Handed over at or after this time.")
    handed_over_before: AwareDatetime | None = Field(None, description="Handed over before this time.")
    last_contact_before: AwareDatetime | None = Field(None, description="Last contacted before this time.")


class QueueEntryOut(BaseModel):
    """A lead in the seller queue."""

    lead_id: str
    status: Literal["open", "recycled", "won", "lost"]
    overdue: bool = Field(description="Open, not contacted since the clock started, and the promised hours passed.")
    due_at: dt.datetime | None = Field(description="When the agreed follow-up promise runs out (open leads not "
                                                   "contacted yet since the clock started).")
    handover_at: dt.datetime | None = Field(description="The first score at a grade with a follow-up promise.")
    first_contact_at: dt.datetime | None = Field(description="The first call, e-mail or meeting (not a bounce).")
    last_contact_at: dt.datetime | None
    grade: str
    label: str
    model_grade: str
    probability: float
    score: int
    disqualified: bool
    deciding_rule: str | None
    source: str | None
    scored_at: dt.datetime
    first_scored_at: dt.datetime
    score_id: int
    model_version: str
    agreement_version: str
    outcome: str | None
    call_back_on: dt.date | None

    @classmethod
    def of(cls, entry: QueueEntry) -> QueueEntryOut:
        return cls(score=round(entry.probability * 100), **vars(entry))


class LeadPageOut(BaseModel):
    leads: list[QueueEntryOut]
    total: int = Field(description="Leads matching the filters in all pages.")
    limit: int
    offset: int
    as_of: dt.datetime

    @classmethod
    def of(cls, page: LeadPage) -> LeadPageOut:
        return cls(leads=[QueueEntryOut.of(e) for e in page.entries], total=page.total, limit=page.limit,
                   offset=page.offset, as_of=page.as_of)


class LeadOut(BaseModel):
    """A lead's latest score, its history and outcomes, and why the grade changed."""

    lead_id: str
    status: Literal["open", "recycled", "won", "lost"]
    overdue: bool
    due_at: dt.datetime | None
    handover_at: dt.datetime | None
    first_contact_at: dt.datetime | None
    last_contact_at: dt.datetime | None
    first_scored_at: dt.datetime
    latest: StoredScoreOut
    history: list[StoredScoreOut] = Field(description="Scores newest first, the latest included.")
    outcomes: list[OutcomeOut] = Field(description="Outcomes newest first.")
    activities: list[ActivityOut] = Field(description="Calls, e-mails, meetings and notes, oldest first.")
    change: GradeChangeOut | None = Field(description="Between the two latest scores; null after only one score.")
