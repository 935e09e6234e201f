"""The seller pages' routes: GET / (the queue) and GET /leads/{lead_id}, HTML rendered on the server.

The pages take the same scoring key as the API, in the X-API-Key header (never in the address, where it would
end up in browser history and proxy logs): serve them on an internal network, or behind the CRM's proxy that
adds the header. Without keys configured they are open, like every route.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Query, Request, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from models.agreement import Agreement
from serving.deps import (
    AgreementDep,
    ClockDep,
    HolderDep,
    InForceDep,
    LanguageDep,
    ProfileDep,
    ScoringKey,
    SettingsDep,
    Store,
)
from serving.language.wording import Wording
from serving.pages.actions import Saved, build_action_router
from serving.pages.csrf import keep_token, page_token
from serving.pages.forms import CHOICES, SAVED
from serving.pages.i18n import N_
from serving.pages.lead import LeadContext, lead_view
from serving.pages.queue import PAGE_SIZE, queue_view
from serving.pages.rendering import PageError, PageRoute, render, store_errors
from serving.schemas import NO_NUL
from serving.store.queue import MAX_OFFSET
from serving.store.records import LeadQuery

MAX_PAGE = 200


class QueueFilters(BaseModel):
    """The queue form: grade, source, overdue only, and the page (an empty choice means any)."""

    model_config = ConfigDict(extra="ignore")

    grade: str | None = None
    source: str | None = None
    overdue: bool = False
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = PAGE_SIZE
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0

    @field_validator("grade", "source", mode="before")
    @classmethod
    def _blank_is_any(cls, value: object) -> object:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("holds a NUL character")
        return (value.strip() or None) if isinstance(value, str) else value

    def query(self) -> LeadQuery:
        """The open leads these filters select."""
        return LeadQuery(status="open", overdue=True if self.overdue else None, grade=self.grade,
                         source=self.source, limit=self.limit, offset=self.offset)


def page_agreement(agreement: Agreement, grade: str | None = None) -> Agreement:
    """The agreement in force; a grade filter must be one of its grades."""
    if grade is not None and grade not in agreement.letters:
        raise PageError(status.HTTP_422_UNPROCESSABLE_CONTENT,
                        N_("Grade {grade} is not one of the agreed grades {grades}."), grade=repr(grade),
                        grades=", ".join(agreement.letters))
    return agreement


def build_page_router() -> APIRouter:
    """The queue and lead pages."""
    router = APIRouter(include_in_schema=False, dependencies=[ScoringKey], route_class=PageRoute)

    @router.get("/", response_class=HTMLResponse)
    def queue(request: Request, store: Store, in_force: InForceDep, clock: ClockDep, profile: ProfileDep,
              settings: SettingsDep, language: LanguageDep,
              filters: Annotated[QueueFilters, Query()]) -> HTMLResponse:
        agreement = page_agreement(in_force.agreement, filters.grade)
        with store_errors():
            view = queue_view(store, Wording(language, profile, agreement), filters.query(), clock(),
                              settings.source_field or "lead_source")
        token = page_token(request)
        context = {"view": view, "filters": filters, "agreement": agreement, "page_size": PAGE_SIZE,
                   "sign_off": in_force.sign_off(), "csrf": token}
        response = render(request, "queue.html", context, code=language)
        keep_token(request, response, token)
        return response

    @router.get("/leads/{lead_id:path}", response_class=HTMLResponse)
    def lead(request: Request, store: Store, agreement: AgreementDep, holder: HolderDep, profile: ProfileDep,
             clock: ClockDep, language: LanguageDep,
             lead_id: Annotated[str, Path(min_length=1, max_length=200, pattern=NO_NUL)],
             saved: Saved | None = None) -> HTMLResponse:
        context = LeadContext(agreement, holder.scorer, profile, language)
        with store_errors(lead_id):
            view = lead_view(store, context, lead_id, clock())
        token = page_token(request)
        response = render(request, "lead.html", {"view": view, "agreement": context.agreement, "csrf": token,
                                                 "saved": SAVED.get(saved) if saved else None, "choices": CHOICES},
                          code=language)
        keep_token(request, response, token)
        return response

    return router


def install_pages(app: FastAPI) -> None:
    """Add the seller pages and their forms to the app."""
    app.include_router(build_page_router())
    app.include_router(build_action_router())
