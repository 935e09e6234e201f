"""The seller pages' routes: GET / (the queue) and GET /leads/{lead_id}, HTML rendered on the server.

The pages take the same scoring key as the API, in the X-API-Key header (never in the address, where it would
end up in browser history and proxy logs): serve them on an internal network, or behind the CRM's proxy that
adds the header. Without keys configured they are open, like every route.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, FastAPI, Path, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.exceptions import HTTPException

from models.agreement import Agreement
from serving.deps import AgreementDep, ClockDep, HolderDep, InForceDep, ProfileDep, ScoringKey, Store
from serving.errors import http_error
from serving.pages.lead import LeadContext, lead_view
from serving.pages.queue import PAGE_SIZE, queue_view
from serving.pages.text import percent, shown, span, when
from serving.schemas import NO_NUL
from serving.store.errors import StoreError, UnknownLead
from serving.store.queue import MAX_OFFSET
from serving.store.records import LeadQuery

MAX_PAGE = 200
TITLES = {401: "Key required", 403: "Key refused", 404: "Lead not found", 422: "Filter not understood",
          503: "Temporarily unavailable"}
Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class PageError(Exception):
    """A page that cannot be shown: its HTTP status, what to tell the seller, and any response headers."""

    def __init__(self, status_code: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status_code, self.message, self.headers = status_code, message, dict(headers or {})

    @classmethod
    def of(cls, exc: HTTPException) -> PageError:
        return cls(exc.status_code, str(exc.detail), exc.headers)

    @classmethod
    def invalid(cls, exc: RequestValidationError) -> PageError:
        problems = "; ".join(f"{error['loc'][-1]}: {error['msg']}" for error in exc.errors())
        return cls(status.HTTP_422_UNPROCESSABLE_CONTENT, f"The address asks for something the queue cannot show: "
                                                          f"{problems}.")


class PageRoute(APIRoute):
    """A route whose errors (a missing key, a bad filter, an unknown lead, a store that is down) are pages too."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except PageError as exc:
                error = exc
            except HTTPException as exc:
                error = PageError.of(exc)
            except RequestValidationError as exc:
                error = PageError.invalid(exc)
            return error_page(request, error)

        return page_handler


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
                        f"Grade {grade!r} is not one of the agreed grades {', '.join(agreement.letters)}.")
    return agreement


@contextmanager
def store_errors(lead_id: str | None = None) -> Iterator[None]:
    """The store's exceptions as pages: an unknown lead is 404, a store that is down 503."""
    try:
        yield
    except UnknownLead:
        raise PageError(status.HTTP_404_NOT_FOUND, f"No lead {lead_id!r} has ever been scored.") from None
    except StoreError as exc:
        raise PageError.of(http_error(exc)) from None


def build_page_router() -> APIRouter:
    """The queue and lead pages."""
    router = APIRouter(include_in_schema=False, dependencies=[ScoringKey], route_class=PageRoute)

    @router.get("/", response_class=HTMLResponse)
    def queue(request: Request, store: Store, in_force: InForceDep, clock: ClockDep,
              filters: Annotated[QueueFilters, Query()]) -> HTMLResponse:
        agreement = page_agreement(in_force.agreement, filters.grade)
        with store_errors():
            view = queue_view(store, agreement, filters.query(), clock())
        context = {"view": view, "filters": filters, "agreement": agreement, "page_size": PAGE_SIZE,
                   "sign_off": in_force.sign_off()}
        return render(request, "queue.html", context)

    @router.get("/leads/{lead_id:path}", response_class=HTMLResponse)
    def lead(request: Request, store: Store, agreement: AgreementDep, holder: HolderDep, profile: ProfileDep,
             clock: ClockDep, lead_id: Annotated[str, Path(min_length=1, max_length=200, pattern=NO_NUL)],
             ) -> HTMLResponse:
        context = LeadContext(agreement, holder.scorer, profile)
        with store_errors(lead_id):
            view = lead_view(store, context, lead_id, clock())
        return render(request, "lead.html", {"view": view, "agreement": context.agreement})

    return router


@cache
def page_templates() -> Jinja2Templates:
    """The templates shipped in this package; every value is escaped, an unknown name is an error."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("serving.pages", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(when=when, percent=percent, shown=shown, span=span)
    return Jinja2Templates(env=env)


def render(request: Request, name: str, context: dict[str, Any], status_code: int = status.HTTP_200_OK,
           headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """A template as a page (serving.headers adds the security headers every HTML answer carries)."""
    return page_templates().TemplateResponse(request, name, context, status_code, headers=dict(headers or {}))


def error_page(request: Request, error: PageError) -> HTMLResponse:
    """A PageError as a page with its status and headers."""
    title = TITLES.get(error.status_code, "Something went wrong")
    return render(request, "error.html", {"title": title, "message": error.message, "status_code": error.status_code},
                  error.status_code, error.headers)


def install_pages(app: FastAPI) -> None:
    """Add the seller pages to the app."""
    app.include_router(build_page_router())
