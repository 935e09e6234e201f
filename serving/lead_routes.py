"""HTTP routes of the lead store: outcomes and activities in, a lead's history out, the seller queue."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from fastapi.responses import JSONResponse

from features.profile import Profile
from models.agreement import Agreement
from serving.deps import AgreementDep, ClockDep, LanguageDep, ProfileDep, ScoringKey, SettingsDep, Store
from serving.errors import http_error, unprocessable
from serving.language.wording import Wording
from serving.lead_schemas import (
    ActivityBatchIn,
    ActivityBatchOut,
    ActivityIn,
    ActivityOut,
    ClockFilters,
    ConflictOut,
    GradeChangeOut,
    LeadOut,
    LeadPageOut,
    OutcomeIn,
    OutcomeOut,
    StoredScoreOut,
)
from serving.schemas import BAD_BODY, ERRORS, NO_NUL
from serving.store.activities import check_activity, record_activities, record_activity
from serving.store.changes import grade_change
from serving.store.errors import InvalidRecord, OutcomeConflict, StoreError, UnknownLead
from serving.store.outcomes import record_outcome
from serving.store.queue import MAX_LIMIT, MAX_OFFSET, list_leads
from serving.store.records import FollowUp, LeadHistory, LeadQuery, NewActivity, QueueEntry
from serving.store.scores import lead_history


def follow_up(agreement: Agreement) -> FollowUp:
    """Grade order and follow-up promises from the agreement."""
    return FollowUp(agreement.letters, dict(agreement.follow_up_hours))


def field_labels(profile: Profile, code: str = "en") -> dict[str, str]:
    """The names sellers read, by field, in a language."""
    return {**{a.name: a.label_in(code) for a in profile.attributes},
            **{f.name: f.label_in(code) for f in profile.features}}


def lead_out(history: LeadHistory, entry: QueueEntry, wording: Wording, limit: int) -> LeadOut:
    """A lead's history (its newest `limit` scores) and state as the response."""
    scores = history.scores
    labels = field_labels(wording.profile, wording.code)
    change = (GradeChangeOut.of(grade_change(scores[1], scores[0]), labels, wording.language) if len(scores) > 1
              else None)
    return LeadOut(lead_id=history.lead_id, status=entry.status, overdue=entry.overdue, due_at=entry.due_at,
                   handover_at=entry.handover_at, first_contact_at=entry.first_contact_at,
                   last_contact_at=entry.last_contact_at,
                   first_scored_at=history.first_scored_at, latest=StoredScoreOut.of(history.latest, wording),
                   history=[StoredScoreOut.of(score, wording) for score in scores[:limit]],
                   outcomes=[OutcomeOut.of(outcome) for outcome in history.outcomes], change=change,
                   activities=[ActivityOut.of(activity) for activity in history.activities])


def build_lead_router() -> APIRouter:
    """Outcomes, a lead's history and the seller queue."""
    router = APIRouter()

    @router.post("/v1/outcomes", response_model=OutcomeOut, status_code=status.HTTP_201_CREATED,
                 dependencies=[ScoringKey], summary="Record won, lost, or recycled (with a call-back date)",
                 responses={**ERRORS, **BAD_BODY, 409: {"model": ConflictOut},
                            200: {"model": OutcomeOut, "description": "Already recorded: the record"}})
    def outcome(body: OutcomeIn, response: Response, store: Store, clock: ClockDep) -> Any:
        try:
            stored, created = record_outcome(store, body.to_record(), clock())
        except OutcomeConflict as exc:
            conflict = ConflictOut(detail=str(exc), existing=OutcomeOut.of(exc.existing))
            return JSONResponse(conflict.model_dump(mode="json"), status.HTTP_409_CONFLICT)
        except StoreError as exc:
            raise http_error(exc) from None
        if not created:
            response.status_code = status.HTTP_200_OK
        return OutcomeOut.of(stored)

    @router.post("/v1/leads/{lead_id:path}/activities", response_model=ActivityOut, status_code=201,
                 dependencies=[ScoringKey], summary="Log a call, e-mail, meeting or note about a lead",
                 responses={**ERRORS, **BAD_BODY, 200: {"model": ActivityOut, "description": "Already recorded"}})
    def activity(body: ActivityIn, response: Response, store: Store, clock: ClockDep,
                 lead_id: Annotated[str, Path(min_length=1, max_length=200, pattern=NO_NUL)]) -> ActivityOut:
        now = clock()
        try:
            stored, created = record_activity(store, body.to_record(lead_id, now), now)
        except StoreError as exc:
            raise http_error(exc) from None
        if not created:
            response.status_code = status.HTTP_200_OK
        return ActivityOut.of(stored)

    @router.post("/v1/activities/batch", response_model=ActivityBatchOut, dependencies=[ScoringKey],
                 summary="Backfill activities from a CRM, all or none", responses={**ERRORS, **BAD_BODY})
    def activity_batch(body: ActivityBatchIn, store: Store, clock: ClockDep, settings: SettingsDep,
                       ) -> ActivityBatchOut:
        if len(body.activities) > settings.max_batch:
            raise unprocessable(f"{len(body.activities)} activities; at most {settings.max_batch} a call "
                                "(LEADSCORE_MAX_BATCH)", ("body", "activities"))
        now = clock()
        records = [item.to_record(item.lead_id, now) for item in body.activities]
        for position, record in enumerate(records):
            try:
                check_activity(record, now)
            except InvalidRecord as exc:
                raise unprocessable(exc.message, ("body", "activities", position, exc.field)) from None
        try:
            recorded = record_activities(store, records, now)
        except UnknownLead as exc:
            raise unprocessable(str(exc), ("body", "activities", _position(records, exc.lead_id), "lead_id")) from None
        except StoreError as exc:
            raise http_error(exc) from None
        created = sum(new for _, new in recorded)
        return ActivityBatchOut(created=created, repeated=len(recorded) - created,
                                activities=[ActivityOut.of(stored) for stored, _ in recorded])

    @router.get("/v1/leads", response_model=LeadPageOut, responses=ERRORS, dependencies=[ScoringKey],
                summary="The seller queue: open leads by grade then probability, with overdue flags")
    def queue(store: Store, agreement: AgreementDep, clock: ClockDep,
              clock_filters: Annotated[ClockFilters, Query()],
              status_: Annotated[Literal["open", "recycled", "won", "lost", "any"], Query(alias="status")] = "open",
              overdue: bool | None = None, grade: str | None = None,
              source: Annotated[str | None, Query(pattern=NO_NUL)] = None,
              limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
              offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> LeadPageOut:
        if grade is not None and grade not in agreement.letters:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [{
                "loc": ["query", "grade"], "type": "value_error",
                "msg": f"grade {grade!r} is not one of the agreed grades {', '.join(agreement.letters)}"}])
        query = LeadQuery(status=None if status_ == "any" else status_, overdue=overdue, grade=grade, source=source,
                          limit=limit, offset=offset, **clock_filters.model_dump())
        try:
            return LeadPageOut.of(list_leads(store, query, follow_up(agreement), clock()))
        except StoreError as exc:
            raise http_error(exc) from None

    @router.get("/v1/leads/{lead_id:path}", response_model=LeadOut, responses=ERRORS, dependencies=[ScoringKey],
                summary="A lead's latest score, its history and outcomes, and why its grade changed")
    def lead(store: Store, agreement: AgreementDep, profile: ProfileDep, clock: ClockDep, language: LanguageDep,
             lead_id: Annotated[str, Path(min_length=1, max_length=200, pattern=NO_NUL)],
             history: Annotated[int, Query(ge=1, le=500, description="Scores to return, newest first.")] = 20,
             ) -> LeadOut:
        rules = follow_up(agreement)
        try:
            found = lead_history(store, lead_id, max(history, 2))  # two for the change
            entry = list_leads(store, LeadQuery(status=None, lead_id=lead_id, limit=1), rules, clock()).entries[0]
        except StoreError as exc:
            raise http_error(exc) from None
        return lead_out(found, entry, Wording(language, profile, agreement), history)

    return router


def _position(records: list[NewActivity], lead_id: str) -> int:
    return next(i for i, record in enumerate(records) if record.lead_id == lead_id)
