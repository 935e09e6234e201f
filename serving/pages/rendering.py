"""How the seller pages answer: templates rendered as pages, and every error (a missing key, a bad filter or form,
an unknown lead, a store that is down) as a page too."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from typing import Any

import jinja2
from fastapi import Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from serving.errors import http_error
from serving.pages.text import percent, shown, span, when
from serving.store.errors import InvalidRecord, OutcomeConflict, StoreError, UnknownLead

TITLES = {401: "Key required", 403: "Refused", 404: "Lead not found", 409: "Already recorded",
          422: "Not understood", 503: "Temporarily unavailable"}
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


@contextmanager
def store_errors(lead_id: str | None = None) -> Iterator[None]:
    """The store's exceptions as pages: an unknown lead is 404, a form the store refuses 422 or 409, a store that
    is down 503."""
    try:
        yield
    except UnknownLead:
        raise PageError(status.HTTP_404_NOT_FOUND, f"No lead {lead_id!r} has ever been scored.") from None
    except InvalidRecord as exc:
        raise PageError(status.HTTP_422_UNPROCESSABLE_CONTENT, f"Not recorded: {exc.field}: {exc.message}.") from None
    except OutcomeConflict as exc:
        raise PageError(status.HTTP_409_CONFLICT, f"Not recorded: {exc}.") from None
    except StoreError as exc:
        raise PageError.of(http_error(exc)) from None


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


