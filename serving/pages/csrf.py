"""The seller forms' CSRF guard: a random token in a same-site cookie, repeated in every form (double submit).

Another site can make a seller's browser post a form here, but it can neither read the cookie nor send it from
its own pages (SameSite=Strict), so it cannot put the matching token in the form.
"""

from __future__ import annotations

import re
import secrets

from fastapi import Request, Response, status

from serving.pages.i18n import N_

COOKIE = "leadscore_form"
FIELD = "csrf"
SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)
REFUSED = N_("This form's security token is missing or does not match: reload the page and send the form again. "
           "(Forms are only accepted from this service's own pages.)")


class CsrfRefused(Exception):
    """A form post without the token of the page it came from."""

    status_code = status.HTTP_403_FORBIDDEN


def page_token(request: Request) -> str:
    """The browser's token when it has a well-formed one, else a new one (set by `keep_token`)."""
    token = request.cookies.get(COOKIE, "")
    return token if SHAPE.match(token) else secrets.token_urlsafe(32)


def keep_token(request: Request, response: Response, token: str) -> None:
    """Set the cookie when the browser did not send this token already."""
    if request.cookies.get(COOKIE) != token:
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/",
                            secure=request.url.scheme == "https")


def check_token(request: Request, sent: str | None) -> None:
    """CsrfRefused unless the form's token matches the browser's cookie."""
    cookie = request.cookies.get(COOKIE, "")
    if not sent or not SHAPE.match(cookie) or not secrets.compare_digest(sent.encode(), cookie.encode()):
        raise CsrfRefused(REFUSED)
