"""The seller forms: log a contact, record an outcome, say the score was wrong. HTML forms, no script needed.

Each form posts to the lead's address, carries the page's CSRF token (403 without it) and answers with a
redirect to the page it came from (post, redirect, get), so reloading never posts twice. A form the store
refuses is a page naming the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from starlette.concurrency import run_in_threadpool

from serving.deps import ClockDep, ScoringKey, Store
from serving.lead_schemas import Comment, Seller
from serving.pages.csrf import FIELD, CsrfRefused, check_token
from serving.pages.i18n import N_
from serving.pages.rendering import PageError, PageRoute, store_errors
from serving.schemas import NO_NUL
from serving.store.activities import record_activity
from serving.store.feedback import record_feedback
from serving.store.outcomes import record_outcome
from serving.store.records import (
    ActivityKind,
    ActivityResult,
    FeedbackReason,
    LostReason,
    NewActivity,
    NewFeedback,
    NewOutcome,
)

MAX_FIELDS = 20
Saved = Literal["contact", "outcome", "feedback"]
LeadPath = Annotated[str, Path(min_length=1, max_length=200, pattern=NO_NUL)]
FormT = TypeVar("FormT", bound="SellerForm")


class SellerForm(BaseModel):
    """What every seller form carries: the CSRF token and where to go back to."""

    model_config = ConfigDict(extra="ignore")

    csrf: str | None = None
    back: Literal["lead", "queue"] = "lead"
    lang: Literal["en", "da", "nl", "pl"] | None = None  # the page's language, kept after the form

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


class ContactForm(SellerForm):
    kind: ActivityKind = "call"
    result: ActivityResult | None = None
    by: Seller | None = None
    note: Comment | None = None

    def record(self, lead_id: str, now: dt.datetime) -> NewActivity:
        return NewActivity(lead_id=lead_id, kind=self.kind, result=self.result, at=now, by=self.by, note=self.note)


class OutcomeForm(SellerForm):
    outcome: Literal["won", "lost", "recycled"]
    lost_reason: LostReason | None = None
    call_back_on: dt.date | None = None
    comment: Comment | None = None

    def record(self, lead_id: str, now: dt.datetime) -> NewOutcome:
        closed_on = None if self.outcome == "recycled" else now.astimezone(dt.UTC).date()  # closed today
        # the form offers every field at once: what does not belong to the chosen outcome is left out
        return NewOutcome(lead_id=lead_id, outcome=self.outcome, closed_on=closed_on,
                          call_back_on=self.call_back_on if self.outcome == "recycled" else None,
                          lost_reason=self.lost_reason if self.outcome == "lost" else None, comment=self.comment)


class FeedbackForm(SellerForm):
    reason: FeedbackReason
    comment: Comment | None = None
    by: Seller | None = None

    def record(self, lead_id: str) -> NewFeedback:
        return NewFeedback(lead_id=lead_id, reason=self.reason, comment=self.comment, by=self.by)


async def read_form(request: Request, form: type[FormT]) -> FormT:
    """The posted form, its token checked first; 403 without the token, 422 naming the field it cannot take."""
    body = (await request.body()).decode("utf-8", errors="replace")
    try:
        fields = {name: values[0] for name, values in parse_qs(body, keep_blank_values=True,
                                                                  max_num_fields=MAX_FIELDS).items()}
    except ValueError:
        raise PageError(status.HTTP_422_UNPROCESSABLE_CONTENT, N_("The form has more than {most} fields."),
                        most=MAX_FIELDS) from None
    try:
        check_token(request, fields.get(FIELD))
    except CsrfRefused as exc:
        raise PageError(CsrfRefused.status_code, str(exc)) from None
    try:
        return form.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(f"{error['loc'][-1]}: {error['msg']}" for error in exc.errors())
        raise PageError(status.HTTP_422_UNPROCESSABLE_CONTENT, N_("Not recorded: {problem}."),
                        problem=problems) from None


def back_to(lead_id: str, form: SellerForm, saved: Saved) -> RedirectResponse:
    """See-other to the queue or the lead's page, which says what was saved."""
    url = "/" if form.back == "queue" else f"/leads/{quote(lead_id, safe='')}?saved={saved}"
    if form.lang:
        url += ("&" if "?" in url else "?") + f"lang={form.lang}"
    return RedirectResponse(url, status.HTTP_303_SEE_OTHER)


async def in_store(lead_id: str, write: Callable[[], Any]) -> None:
    """Run a store write off the event loop, its refusals as pages."""
    with store_errors(lead_id):
        await run_in_threadpool(write)


def build_action_router() -> APIRouter:
    """The forms of the lead page and the queue."""
    router = APIRouter(include_in_schema=False, dependencies=[ScoringKey], route_class=PageRoute)

    @router.post("/leads/{lead_id:path}/activities")
    async def contact(request: Request, store: Store, clock: ClockDep, lead_id: LeadPath) -> RedirectResponse:
        form, now = await read_form(request, ContactForm), clock()
        await in_store(lead_id, lambda: record_activity(store, form.record(lead_id, now), now))
        return back_to(lead_id, form, "contact")

    @router.post("/leads/{lead_id:path}/outcome")
    async def outcome(request: Request, store: Store, clock: ClockDep, lead_id: LeadPath) -> RedirectResponse:
        form, now = await read_form(request, OutcomeForm), clock()
        await in_store(lead_id, lambda: record_outcome(store, form.record(lead_id, now), now))
        return back_to(lead_id, form, "outcome")

    @router.post("/leads/{lead_id:path}/feedback")
    async def feedback(request: Request, store: Store, clock: ClockDep, lead_id: LeadPath) -> RedirectResponse:
        form, now = await read_form(request, FeedbackForm), clock()
        await in_store(lead_id, lambda: record_feedback(store, form.record(lead_id), now))
        return back_to(lead_id, form, "feedback")

    return router
