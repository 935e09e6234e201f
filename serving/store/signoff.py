"""Agreement sign-off in the lead store: proposals, one signature per role, activation, the audit trail.

A proposal is stored under its Agreement.version (declared version + content hash). It becomes active when
both a sales and a marketing approver have signed it; `sign` then calls `activate` inside the same
transaction, so a failed activation (the agreement file cannot be written) records neither the signature
nor the activation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serving.store.database import LeadStore
from serving.store.errors import StoreError
from serving.store.tables import SIGN_ROLES, agreement_audit, agreement_proposals


class UnknownProposal(StoreError, LookupError):
    """A version nobody proposed."""

    def __init__(self, version: str) -> None:
        super().__init__(f"agreement version {version!r} was never proposed")
        self.version = version


@dataclass(frozen=True)
class AuditEvent:
    """One line of the audit trail."""

    version: str
    event: str  # proposed, signed, activated
    role: str | None
    signer: str | None
    at: dt.datetime


@dataclass(frozen=True)
class Proposal:
    """A proposed agreement and where its sign-off stands."""

    version: str
    declared_version: str
    text: str
    proposed_at: dt.datetime
    activated_at: dt.datetime | None
    signatures: tuple[AuditEvent, ...]

    @property
    def signed_roles(self) -> tuple[str, ...]:
        return tuple(role for role in SIGN_ROLES if any(s.role == role for s in self.signatures))

    @property
    def missing_roles(self) -> tuple[str, ...]:
        return tuple(role for role in SIGN_ROLES if role not in self.signed_roles)


Activate = Callable[[Proposal], None]


def propose(store: LeadStore, version: str, declared_version: str, text: str,
            now: dt.datetime) -> tuple[Proposal, bool]:
    """Store a proposal and its audit line; the same version again returns the stored one (created False)."""
    with store.transaction() as connection:
        existing = _proposal(connection, version)
        if existing is not None:
            return existing, False
        connection.execute(agreement_proposals.insert(), {
            "version": version, "declared_version": declared_version, "text": text, "proposed_at": now})
        connection.execute(agreement_audit.insert(), {"version": version, "event": "proposed", "at": now})
        return _required(connection, version), True


def sign(store: LeadStore, version: str, role: str, signer: str, now: dt.datetime,
         activate: Activate) -> tuple[Proposal, bool, bool]:
    """Record a role's signature: (proposal, signature recorded, activated now).

    A second signature by a role that already signed is not recorded. When this signature completes the
    set of roles, `activate` runs and an activation line is added, all in one transaction.
    """
    if role not in SIGN_ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(SIGN_ROLES)}")
    with store.transaction() as connection:
        proposal = _proposal(connection, version, lock=True)
        if proposal is None:
            raise UnknownProposal(version)
        if role in proposal.signed_roles:
            return proposal, False, False
        connection.execute(agreement_audit.insert(), {
            "version": version, "event": "signed", "role": role, "signer": signer, "at": now})
        proposal = _required(connection, version)
        if proposal.missing_roles or proposal.activated_at is not None:
            return proposal, True, False
        activate(proposal)  # raises to roll the signature back when the agreement cannot be put in force
        connection.execute(sa.update(agreement_proposals).where(agreement_proposals.c.version == version)
                           .values(activated_at=now))
        connection.execute(agreement_audit.insert(), {"version": version, "event": "activated", "at": now})
        return _required(connection, version), True, True


def audit_trail(store: LeadStore) -> tuple[list[Proposal], list[AuditEvent]]:
    """Every proposal (newest first) and every audit line (oldest first)."""
    with store.transaction() as connection:
        events = [_event(row) for row in connection.execute(
            sa.select(agreement_audit).order_by(agreement_audit.c.at, agreement_audit.c.id))]
        rows = connection.execute(sa.select(agreement_proposals).order_by(
            agreement_proposals.c.proposed_at.desc(), agreement_proposals.c.version))
        proposals = [_from_row(row, [e for e in events if e.version == row.version]) for row in rows]
    return proposals, events


def _proposal(connection: Connection, version: str, lock: bool = False) -> Proposal | None:
    query = sa.select(agreement_proposals).where(agreement_proposals.c.version == version)
    row = connection.execute(query.with_for_update() if lock else query).first()  # no-op on SQLite
    if row is None:
        return None
    events = [_event(e) for e in connection.execute(
        sa.select(agreement_audit).where(agreement_audit.c.version == version)
        .order_by(agreement_audit.c.at, agreement_audit.c.id))]
    return _from_row(row, events)


def _required(connection: Connection, version: str) -> Proposal:
    proposal = _proposal(connection, version)
    if proposal is None:
        raise UnknownProposal(version)
    return proposal


def _from_row(row: sa.Row, events: list[AuditEvent]) -> Proposal:  # type: ignore[type-arg]
    return Proposal(version=row.version, declared_version=row.declared_version, text=row.text,
                    proposed_at=row.proposed_at, activated_at=row.activated_at,
                    signatures=tuple(e for e in events if e.event == "signed"))


def _event(row: sa.Row) -> AuditEvent:  # type: ignore[type-arg]
    return AuditEvent(version=row.version, event=row.event, role=row.role, signer=row.signer, at=row.at)
