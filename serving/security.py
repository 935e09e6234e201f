"""API keys: scoring needs a scoring or admin key, admin calls an admin key, when keys are configured."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader

from serving.settings import Settings

API_KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False, description="Scoring or admin key.")


def _matches(key: str, allowed: Iterable[str]) -> bool:
    # Compare every key in constant time so timing does not reveal a prefix.
    return any(secrets.compare_digest(key.encode(), candidate.encode()) for candidate in allowed)


def key_check(admin: bool) -> Callable[[Request, str | None], None]:
    """A dependency that lets a request through or answers 401 (no key) / 403 (wrong key)."""

    async def check(request: Request, key: Annotated[str | None, Depends(API_KEY_HEADER)]) -> None:
        settings: Settings = request.app.state.settings
        if not settings.keys_configured:
            return
        if not key:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "an API key is required in the X-API-Key header",
                                headers={"WWW-Authenticate": "APIKey"})
        allowed = settings.admin_keys if admin else [*settings.api_keys, *settings.admin_keys]
        if not _matches(key, allowed):
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                "this key may not call admin routes" if admin else "this API key is not valid")

    return check


scoring_key = Depends(key_check(admin=False))
admin_key = Depends(key_check(admin=True))
