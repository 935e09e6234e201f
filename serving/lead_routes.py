"""HTTP routes of the lead store: outcomes in, a lead's history out, the seller queue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse

from features.profile import Profile
from models.agreement import Agreement, AgreementError, load_agreement
from serving.lead_schemas import (
    ConflictOut,
    GradeChangeOut,
    LeadOut,
    LeadPageOut,
    OutcomeIn,
    OutcomeOut,
    StoredScoreOut,
)
from serving.schemas import BAD_BODY, NO_NUL, ErrorOut
from serving.security import scoring_key
from serving.store.changes import grade_change
from serving.store.database import LeadStore
from serving.store.errors import (
    InvalidOutcome,
    OutcomeConflict,
    StoreConflict,
    StoreError,
    StoreUnavailable,
    UnknownLead,
)
from serving.store.outcomes import record_outcome
from serving.store.queue import MAX_LIMIT, MAX_OFFSET, list_leads
from serving.store.records import FollowUp, LeadHistory, LeadQuery, QueueEntry
from serving.store.scores import lead_history

STORE_DOWN = "lead store unavailable"
RETRY_AFTER = "5"
Clock = Callable[[], dt.datetime]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 503: {"model": ErrorOut}}


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def current_store(request: Request) -> LeadStore:
    """The app's lead store."""
    return request.app.state.lead_store  # type: ignore[no-any-return]


Store = Annotated[LeadStore, Depends(current_store)]


def agreement_in_force(request: Request) -> Agreement:
    """The serving scorer's agreement; the agreement file while no champion is loaded."""
    scorer = request.app.state.holder.scorer
    if scorer is not None:
        return scorer.agreement  # type: ignore[no-any-return]
    try:
        return load_agreement(request.app.state.settings.agreement, request.app.state.profile)
    except AgreementError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"no agreement in force: {exc}") from None


def follow_up(agreement: Agreement) -> FollowUp:
    """Grade order and follow-up promises from the agreement."""
    return FollowUp(agreement.letters, dict(agreement.follow_up_hours))


def http_error(exc: StoreError) -> HTTPException:
    """A store exception as the HTTP error it means."""
    if isinstance(exc, UnknownLead):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    if isinstance(exc, InvalidOutcome):
        return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                             [{"loc": ["body", exc.field], "msg": exc.message, "type": "value_error"}])
    if isinstance(exc, StoreConflict):
        return HTTPException(status.HTTP_409_CONFLICT, f"{exc}: another writer changed the lead; try again")
    reason = exc.reason if isinstance(exc, StoreUnavailable) else str(exc)
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"{STORE_DOWN}: {reason}",
                         headers={"Retry-After": RETRY_AFTER})


def field_labels(profile: Profile) -> dict[str, str]:
    """The names sellers read, by field."""
    return {**{a.name: a.label for a in profile.attributes}, **{f.name: f.label for f in profile.features}}


def lead_out(history: LeadHistory, entry: QueueEntry, labels: dict[str, str], limit: int) -> LeadOut:
    """A lead's history (its newest `limit` scores) and state as the response."""
    scores = history.scores
    change = GradeChangeOut.of(grade_change(scores[1], scores[0]), labels) if len(scores) > 1 else None
    return LeadOut(lead_id=history.lead_id, status=entry.status, overdue=entry.overdue, due_at=entry.due_at,
                   first_scored_at=history.first_scored_at, latest=StoredScoreOut.of(history.latest),
                   history=[StoredScoreOut.of(score) for score in scores[:limit]],
                   outcomes=[OutcomeOut.of(outcome) for outcome in history.outcomes], change=change)


def build_lead_router(clock: Clock = utc_now) -> APIRouter:
    """Outcomes, a lead's history and the seller queue; `clock` is injectable for tests."""
    router = APIRouter()

    @router.post("/v1/outcomes", response_model=OutcomeOut, status_code=status.HTTP_201_CREATED,
                 dependencies=[scoring_key], summary="Record won, lost, or recycled (with a call-back date)",
                 responses={**ERRORS, **BAD_BODY, 409: {"model": ConflictOut},
                            200: {"model": OutcomeOut, "description": "Already recorded: the record"}})
    def outcome(body: OutcomeIn, response: Response, store: Store) -> Any:
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

    @router.get("/v1/leads", response_model=LeadPageOut, responses=ERRORS, dependencies=[scoring_key],
                summary="The seller queue: open leads by grade then probability, with overdue flags")
    def queue(request: Request, store: Store,
              status_: Annotated[Literal["open", "recycled", "won", "lost", "any"], Query(alias="status")] = "open",
              overdue: bool | None = None, grade: str | None = None,
              source: Annotated[str | None, Query(pattern=NO_NUL)] = None,
              limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
              offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> LeadPageOut:
        agreement = agreement_in_force(request)
        if grade is not None and grade not in agreement.letters:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [{
                "loc": ["query", "grade"], "type": "value_error",
                "msg": f"grade {grade!r} is not one of the agreed grades {', '.join(agreement.letters)}"}])
        query = LeadQuery(status=None if status_ == "any" else status_, overdue=overdue, grade=grade, source=source,
                          limit=limit, offset=offset)
        try:
            return LeadPageOut.of(list_leads(store, query, follow_up(agreement), clock()))
        except StoreError as exc:
            raise http_error(exc) from None

    @router.get("/v1/leads/{lead_id:path}", response_model=LeadOut, responses=ERRORS, dependencies=[scoring_key],
                summary="A lead's latest score, its history and outcomes, and why its grade changed")
    def lead(request: Request, store: Store,
             lead_id: Annotated[str, Path(min_length=1, max_length=200, pattern=NO_NUL)],
             history: Annotated[int, Query(ge=1, le=500, description="Scores to return, newest first.")] = 20,
             ) -> LeadOut:
        rules = follow_up(agreement_in_force(request))
        try:
            found = lead_history(store, lead_id, max(history, 2))  # two for the change
            entry = list_leads(store, LeadQuery(status=None, lead_id=lead_id, limit=1), rules, clock()).entries[0]
        except StoreError as exc:
            raise http_error(exc) from None
        return lead_out(found, entry, field_labels(request.app.state.profile), history)

    return router
