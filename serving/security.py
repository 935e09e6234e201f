"""API keys: which keys a request may use, and the gate that refuses a keyless write before its body is read.

Scoring needs a scoring or admin key, admin calls an admin key, sign-off a sales or marketing key, once any
key is configured; without keys every route is open (the service says so at start-up).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable

from fastapi.security import APIKeyHeader
from starlette.types import ASGIApp, Receive, Scope, Send

from serving.settings import Settings

API_KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False, description="Scoring or admin key.")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def matches(key: str, allowed: Iterable[str]) -> bool:
    """Whether the key is one of `allowed`; every key is compared in constant time, so timing reveals no prefix."""
    return any(secrets.compare_digest(key.encode(), candidate.encode()) for candidate in allowed)


def every_key(settings: Settings) -> list[str]:
    """All configured keys, of every role."""
    return [*settings.api_keys, *settings.admin_keys, *settings.sales_keys, *settings.marketing_keys]


class KeyGate:
    """Plain ASGI middleware: a request that carries a body needs a known key before anything reads the body.

    Routes still check the key's role; this gate only makes sure that a caller without any valid key cannot make
    the service read (and parse) a body of up to LEADSCORE_MAX_BODY_BYTES.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.keys = every_key(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.keys or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        key = dict(scope["headers"]).get(b"x-api-key", b"").decode("latin-1")
        if not key:
            await _refuse(send, 401, "an API key is required in the X-API-Key header")
        elif not matches(key, self.keys):
            await _refuse(send, 403, "this API key is not valid")
        else:
            await self.app(scope, receive, send)


async def _refuse(send: Send, status_code: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]  # the unread body must not be taken for the next request
    if status_code == 401:
        headers.append((b"www-authenticate", b"APIKey"))
    await send({"type": "http.response.start", "status": status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})
