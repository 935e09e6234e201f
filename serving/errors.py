"""The store's and the agreement's exceptions as the HTTP errors they mean; nothing internal leaks out."""

from __future__ import annotations

import logging

from fastapi import HTTPException, status

from serving.store.errors import InvalidRecord, StoreConflict, StoreError, StoreUnavailable, UnknownLead

log = logging.getLogger("leadscore.errors")

STORE_DOWN = "lead store unavailable"
RETRY_AFTER = "5"


def http_error(exc: StoreError) -> HTTPException:
    """A store exception as the HTTP error it means."""
    if isinstance(exc, UnknownLead):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    if isinstance(exc, InvalidRecord):
        return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                             [{"loc": ["body", exc.field], "msg": exc.message, "type": "value_error"}])
    if isinstance(exc, StoreConflict):
        # the database's own words name its file or server and its constraints: for the log, not the caller
        log.warning("write refused as a conflict: %s", exc)
        return HTTPException(status.HTTP_409_CONFLICT, "another writer changed the same record at the same time; "
                                                       "try again")
    reason = exc.reason if isinstance(exc, StoreUnavailable) else str(exc)
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"{STORE_DOWN}: {reason}",
                         headers={"Retry-After": RETRY_AFTER})


def unprocessable(message: str, loc: tuple[str | int, ...] = ("body",)) -> HTTPException:
    """A 422 in FastAPI's shape for a problem found after the body was parsed."""
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                         [{"loc": list(loc), "msg": message, "type": "value_error"}])
