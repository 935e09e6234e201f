"""What the lead store raises; routes map these to HTTP statuses."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from serving.store.records import StoredOutcome


class StoreError(Exception):
    """Anything the lead store refuses or cannot do."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or written (connection refused, disk full, schema not migrated)."""

    def __init__(self, store: str, reason: str) -> None:
        super().__init__(f"lead store {store} unavailable: {reason}")
        self.store = store
        self.reason = reason


class UnknownLead(StoreError, LookupError):
    """A lead id the store has never scored."""

    def __init__(self, lead_id: str) -> None:
        super().__init__(f"lead {lead_id!r} is unknown: it has never been scored")
        self.lead_id = lead_id


class OutcomeConflict(StoreError):
    """An outcome that contradicts the final outcome already recorded for the lead."""

    def __init__(self, message: str, existing: StoredOutcome) -> None:
        super().__init__(message)
        self.existing = existing


class InvalidRecord(StoreError, ValueError):
    """A record whose values do not fit together; names the field that is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InvalidOutcome(InvalidRecord):
    """An outcome whose values do not fit together (a date on the wrong side of today, a missing date)."""


class InvalidActivity(InvalidRecord):
    """An activity whose values do not fit together (a result its kind cannot have, a time in the future)."""


class StoreConflict(StoreError):
    """A write the database refused as a duplicate (another writer got there first)."""
