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
from serving.pages.i18n import N_, install, linker, rendering_in, request_language, switch
from serving.pages.text import percent, shown, span, when
from serving.store.errors import InvalidRecord, OutcomeConflict, StoreError, UnknownLead

TITLES = {401: N_("Key required"), 403: N_("Refused"), 404: N_("Lead not found"), 409: N_("Already recorded"),
          422: N_("Not understood"), 503: N_("Temporarily unavailable")}
# A name of its own: pybabel does not extract a message nested in another call's arguments.
OTHER_TITLE = N_("Something went wrong")
Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class PageError(Exception):
    """A page that cannot be shown: its HTTP status, what to tell the seller (a catalog message, formatted with
    `params` once translated), and any response headers."""

    def __init__(self, status_code: int, message: str, headers: Mapping[str, str] | None = None,
                 **params: Any) -> None:
        super().__init__(message.format(**params) if params else message)
        self.status_code, self.message, self.headers = status_code, message, dict(headers or {})
        self.params = params

    def worded(self, gettext: Callable[[str], str]) -> str:
        """The message in a language."""
        text = gettext(self.message)
        return text.format(**self.params) if self.params else text

    @classmethod
    def of(cls, exc: HTTPException) -> PageError:
        return cls(exc.status_code, str(exc.detail), exc.headers)

    @classmethod
    def invalid(cls, exc: RequestValidationError) -> PageError:
        problems = "; ".join(f"{error['loc'][-1]}: {error['msg']}" for error in exc.errors())
        return cls(status.HTTP_422_UNPROCESSABLE_CONTENT,
                   N_("The address asks for something the queue cannot show: {problems}."), problems=problems)


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
        raise PageError(status.HTTP_404_NOT_FOUND, N_("No lead {lead} has ever been scored."),
                        lead=repr(lead_id)) from None
    except InvalidRecord as exc:
        raise PageError(status.HTTP_422_UNPROCESSABLE_CONTENT, N_("Not recorded: {problem}."),
                        problem=f"{exc.field}: {exc.message}") from None
    except OutcomeConflict as exc:
        raise PageError(status.HTTP_409_CONFLICT, N_("Not recorded: {problem}."), problem=str(exc)) from None
    except StoreError as exc:
        raise PageError.of(http_error(exc)) from None


@cache
def page_templates() -> Jinja2Templates:
    """The templates shipped in this package; every value is escaped, an unknown name is an error."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("serving.pages", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    install(env)
    # The filters word values in the language of the page being rendered.
    env.filters.update(when=lambda moment: when(moment), percent=lambda share: percent(share),
                       shown=lambda value: shown(value), span=lambda delta: span(delta))
    return Jinja2Templates(env=env)


def render(request: Request, name: str, context: dict[str, Any], status_code: int = status.HTTP_200_OK,
           headers: Mapping[str, str] | None = None, code: str = "en") -> HTMLResponse:
    """A template as a page in a language (serving.headers adds the security headers every HTML answer
    carries). The template is rendered here, so the language set for it is that of this request only."""
    with rendering_in(code) as lang:
        context = {**context, "lang": lang.code, "languages": switch(request, lang.code), "link": linker(request),
                   "kept_lang": request.query_params.get("lang") if linker(request)("/") != "/" else ""}
        return page_templates().TemplateResponse(request, name, context, status_code, headers=dict(headers or {}))


def error_page(request: Request, error: PageError) -> HTMLResponse:
    """A PageError as a page with its status and headers, in the reader's language."""
    code = request_language(request)
    with rendering_in(code) as lang:
        title = lang.gettext(TITLES.get(error.status_code, OTHER_TITLE))
        message = error.worded(lang.gettext)
    return render(request, "error.html", {"title": title, "message": message, "status_code": error.status_code},
                  error.status_code, error.headers, code)


