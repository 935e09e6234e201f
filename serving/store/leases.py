"""Leases: a named job held by one process at a time across every machine sharing the store.

A lease is a row with an expiry that its holder renews as it works. A holder killed with `kill -9`
renews no more, so its lease frees itself once the expiry passes and the next run takes over; there is
no process to ask, and nothing to clean up by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from serving.store.database import LeadStore, serialise
from serving.store.errors import StoreError
from serving.store.tables import store_leases

LEASE_LOCK = 0x1EAD5C2  # PostgreSQL advisory lock held while a lease is taken


@dataclass(frozen=True)
class Lease:
    """Who holds the named job, since when, and until when unless renewed."""

    name: str
    holder: str
    taken_at: dt.datetime
    expires_at: dt.datetime


class LeaseLost(StoreError):
    """The holder's lease expired and another process took it: the holder must stop."""

    def __init__(self, lease: Lease) -> None:
        super().__init__(f"lease {lease.name!r} of {lease.holder} was taken over after it expired "
                         f"({lease.expires_at.isoformat()}): this run stops")
        self.lease = lease


def take_lease(store: LeadStore, name: str, holder: str, seconds: float, now: dt.datetime) -> tuple[bool, Lease]:
    """Take the lease when it is free, expired or already ours: (True, ours); else (False, the holder's)."""
    with store.transaction() as connection:
        serialise(connection, LEASE_LOCK)  # two takers at once: one reads after the other has written
        row = connection.execute(sa.select(store_leases).where(store_leases.c.name == name)).first()
        current = _lease(row) if row is not None else None
        if current is not None and current.holder != holder and current.expires_at > now:
            return False, current
        ours = Lease(name, holder, now, now + dt.timedelta(seconds=seconds))
        values = {"holder": holder, "taken_at": now, "expires_at": ours.expires_at}
        if current is None:
            connection.execute(store_leases.insert(), {"name": name, **values})
        else:
            connection.execute(store_leases.update().where(store_leases.c.name == name), values)
        return True, ours


def renew_lease(store: LeadStore, lease: Lease, seconds: float, now: dt.datetime) -> Lease:
    """Push the expiry on; LeaseLost when another process holds the lease now."""
    renewed = Lease(lease.name, lease.holder, lease.taken_at, now + dt.timedelta(seconds=seconds))
    with store.transaction() as connection:
        result = connection.execute(
            store_leases.update().where(store_leases.c.name == lease.name, store_leases.c.holder == lease.holder),
            {"expires_at": renewed.expires_at})
    if result.rowcount != 1:
        raise LeaseLost(lease)
    return renewed


def release_lease(store: LeadStore, lease: Lease) -> None:
    """Give the lease up (nothing happens when another process holds it by now)."""
    with store.transaction() as connection:
        connection.execute(store_leases.delete().where(store_leases.c.name == lease.name,
                                                       store_leases.c.holder == lease.holder))


def _lease(row: sa.Row[object]) -> Lease:
    return Lease(row.name, row.holder, row.taken_at, row.expires_at)
