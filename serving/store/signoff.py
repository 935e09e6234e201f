"""Agreements in the lead store: proposals with their exact text and full sha256, one signature per role,
activation, the agreement in force, and the audit trail.

The store is the one source of what is in force, for every replica: the agreement of the newest activation.
A proposal becomes active when a sales and a marketing approver have both signed its digest; the activation
is written in the signature's transaction, so replicas see both or neither. On a store that has never
activated anything, the configured file seeds the first version, recorded as seeded (not signed).
Every write here first takes the store's agreement lock, so two replicas never interleave their checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serving.store.database import LeadStore, serialise
from serving.store.errors import StoreError
from serving.store.tables import SIGN_ROLES, agreement_audit, agreement_proposals

AGREEMENT_LOCK = 0x1EAD5C1  # PostgreSQL advisory lock held by every agreement write


class UnknownProposal(StoreError, LookupError):
    """A version nobody proposed."""

    def __init__(self, version: str) -> None:
        super().__init__(f"agreement version {version!r} was never proposed")
        self.version = version


class ProposalConflict(StoreError):
    """A write that contradicts what the store holds: another text under a declared version, a stale digest."""


@dataclass(frozen=True)
class AuditEvent:
    """One line of the audit trail."""

    version: str
    event: str  # proposed, signed, activated
    role: str | None
    signer: str | None
    at: dt.datetime


@dataclass(frozen=True)
class Draft:
    """An agreement text as validated by the caller: its versions and digest."""

    version: str
    declared_version: str
    sha256: str
    text: str


@dataclass(frozen=True)
class Proposal:
    """A proposed (or seeded) agreement and where its sign-off stands."""

    version: str
    declared_version: str
    sha256: str
    text: str
    origin: str  # proposal or seeded
    proposed_at: dt.datetime
    activated_at: dt.datetime | None
    signatures: tuple[AuditEvent, ...]

    @property
    def signed_roles(self) -> tuple[str, ...]:
        return tuple(role for role in SIGN_ROLES if any(s.role == role for s in self.signatures))

    @property
    def missing_roles(self) -> tuple[str, ...]:
        return tuple(role for role in SIGN_ROLES if role not in self.signed_roles)


Check = Callable[[Proposal], None]


def propose(store: LeadStore, draft: Draft, now: dt.datetime) -> tuple[Proposal, bool]:
    """Store a proposal; the same text again returns the stored one (created False), another text under the
    same declared version is a ProposalConflict."""
    with store.transaction() as connection:
        lock_agreements(connection)
        existing = _by_declared(connection, draft.declared_version)
        if existing is not None:
            if existing.sha256 != draft.sha256:
                raise ProposalConflict(
                    f"agreement version {draft.declared_version!r} was already proposed with another text "
                    f"(sha256 {existing.sha256}, this one {draft.sha256}): give a changed text a new version")
            return existing, False
        _insert(connection, draft, "proposal", now)
        return _required(connection, draft.version), True


def seed(store: LeadStore, draft: Draft, now: dt.datetime) -> Proposal:
    """The agreement in force; on a store that has none, `draft` (the configured file) is put in force first."""
    with store.transaction() as connection:
        lock_agreements(connection)
        current = _in_force(connection)
        if current is not None:
            return current
        existing = _by_declared(connection, draft.declared_version)
        if existing is not None and existing.sha256 != draft.sha256:
            raise ProposalConflict(
                f"the agreement file's version {draft.declared_version!r} was proposed with another text "
                f"(sha256 {existing.sha256}, the file {draft.sha256}): nothing is in force yet; sign that "
                "proposal or give the file a new version")
        if existing is None:
            _insert(connection, draft, "seeded", now)
        _activate(connection, draft.version if existing is None else existing.version, now)
        return _required(connection, draft.version if existing is None else existing.version)


def sign(store: LeadStore, version: str, role: str, signer: str, sha256: str, now: dt.datetime,
         check: Check) -> tuple[Proposal, bool, bool]:
    """Record a role's signature of the text whose digest is `sha256`: (proposal, recorded, activated now).

    A digest other than the proposal's is a ProposalConflict: the signer read another text. A role that already
    signed is not recorded again. The signature that completes the roles runs `check` (which raises to refuse
    the text, e.g. for a profile that has moved on) and activates, all in one transaction.
    """
    if role not in SIGN_ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(SIGN_ROLES)}")
    with store.transaction() as connection:
        lock_agreements(connection)
        proposal = _find(connection, version)
        if sha256 != proposal.sha256:
            raise ProposalConflict(f"agreement {proposal.version}: the signed sha256 {sha256} is not the "
                                   f"proposal's {proposal.sha256}; read the proposal again before signing")
        if role in proposal.signed_roles:
            return proposal, False, False
        connection.execute(agreement_audit.insert(), {
            "version": proposal.version, "event": "signed", "role": role, "signer": signer, "at": now})
        proposal = _required(connection, proposal.version)
        if proposal.missing_roles or proposal.activated_at is not None:
            return proposal, True, False
        check(proposal)
        _activate(connection, proposal.version, now)
        return _required(connection, proposal.version), True, True


def find(store: LeadStore, version: str) -> Proposal:
    """A proposal by its version or its declared version; UnknownProposal when there is none."""
    with store.transaction() as connection:
        return _find(connection, version)


def in_force(store: LeadStore) -> Proposal | None:
    """The agreement of the newest activation, or None on a store that has activated nothing."""
    with store.transaction() as connection:
        return _in_force(connection)


def in_force_digest(store: LeadStore) -> str | None:
    """Just the sha256 of the agreement in force: what replicas poll."""
    with store.transaction() as connection:
        row = connection.execute(_newest_activation().with_only_columns(agreement_proposals.c.sha256)).first()
    return None if row is None else str(row.sha256)


def audit_trail(store: LeadStore) -> tuple[list[Proposal], list[AuditEvent]]:
    """Every proposal (newest first) and every audit line (oldest first)."""
    with store.transaction() as connection:
        events = [_event(row) for row in connection.execute(
            sa.select(agreement_audit).order_by(agreement_audit.c.at, agreement_audit.c.id))]
        rows = connection.execute(sa.select(agreement_proposals).order_by(
            agreement_proposals.c.proposed_at.desc(), agreement_proposals.c.version))
        proposals = [_from_row(row, [e for e in events if e.version == row.version]) for row in rows]
    return proposals, events


def lock_agreements(connection: Connection) -> None:
    """Serialise agreement writes across replicas until the transaction ends."""
    serialise(connection, AGREEMENT_LOCK)


def _insert(connection: Connection, draft: Draft, origin: str, now: dt.datetime) -> None:
    connection.execute(agreement_proposals.insert(), {
        "version": draft.version, "declared_version": draft.declared_version, "sha256": draft.sha256,
        "text": draft.text, "origin": origin, "proposed_at": now})
    connection.execute(agreement_audit.insert(), {"version": draft.version, "event": "proposed", "at": now})


def _activate(connection: Connection, version: str, now: dt.datetime) -> None:
    connection.execute(sa.update(agreement_proposals).where(agreement_proposals.c.version == version)
                       .values(activated_at=now))
    connection.execute(agreement_audit.insert(), {"version": version, "event": "activated", "at": now})


def _newest_activation() -> sa.Select[tuple[str]]:
    audit = agreement_audit
    return (sa.select(agreement_proposals.c.version)
            .join(audit, audit.c.version == agreement_proposals.c.version)
            .where(audit.c.event == "activated").order_by(audit.c.id.desc()).limit(1))


def _in_force(connection: Connection) -> Proposal | None:
    row = connection.execute(_newest_activation()).first()
    return None if row is None else _required(connection, row.version)


def _find(connection: Connection, version: str) -> Proposal:
    found = _proposal(connection, agreement_proposals.c.version == version)
    found = found or _proposal(connection, agreement_proposals.c.declared_version == version)
    if found is None:
        raise UnknownProposal(version)
    return found


def _by_declared(connection: Connection, declared: str) -> Proposal | None:
    return _proposal(connection, agreement_proposals.c.declared_version == declared)


def _required(connection: Connection, version: str) -> Proposal:
    proposal = _proposal(connection, agreement_proposals.c.version == version)
    if proposal is None:
        raise UnknownProposal(version)
    return proposal


def _proposal(connection: Connection, where: sa.ColumnElement[bool]) -> Proposal | None:
    row = connection.execute(sa.select(agreement_proposals).where(where)).first()
    if row is None:
        return None
    events = [_event(e) for e in connection.execute(
        sa.select(agreement_audit).where(agreement_audit.c.version == row.version)
        .order_by(agreement_audit.c.at, agreement_audit.c.id))]
    return _from_row(row, events)


def _from_row(row: sa.Row[tuple[object, ...]], events: list[AuditEvent]) -> Proposal:
    return Proposal(version=row.version, declared_version=row.declared_version, sha256=row.sha256,
                    text=row.text, origin=row.origin, proposed_at=row.proposed_at,
                    activated_at=row.activated_at, signatures=tuple(e for e in events if e.event == "signed"))


def _event(row: sa.Row[tuple[object, ...]]) -> AuditEvent:
    return AuditEvent(version=row.version, event=row.event, role=row.role, signer=row.signer, at=row.at)
