"""Agreement sign-off over HTTP: propose (admin key), read a proposal's exact text and digest, sign it (sales or
marketing key), read the audit trail.

Every proposal, signature and activation lives in the lead store (serving/store/signoff.py). A signature names
the sha256 of the text its signer read, so a signature can never land on another text. The signature that
completes the roles activates the proposal in the same transaction; once that has committed, this replica takes
it at once and every other replica on its next poll of the store.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException, Path, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, StringConstraints

from features.profile import Profile
from models.agreement import Agreement, AgreementError, parse_agreement
from models.agreement.limits import MAX_BYTES
from serving.champion import ChampionHolder
from serving.deps import AdminKey, ClockDep, HolderDep, ProfileDep, ReaderKey, SigningRoles, Store
from serving.errors import http_error, unprocessable
from serving.schemas import BAD_BODY, NO_NUL, ErrorOut
from serving.store.errors import StoreError
from serving.store.signoff import (
    AuditEvent,
    Draft,
    Proposal,
    ProposalConflict,
    UnknownProposal,
    audit_trail,
    find,
    propose,
    sign,
)

Role = Literal["sales", "marketing"]
SHA256 = r"^[0-9a-f]{64}$"
Version = Annotated[str, Path(min_length=1, max_length=100, pattern=NO_NUL,
                              description="The version, or the declared version, of a proposal.")]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 409: {"model": ErrorOut},
    503: {"model": ErrorOut}}
YAML_BODY = {"requestBody": {"required": True, "content": {
    "application/yaml": {"schema": {"type": "string"}}, "text/plain": {"schema": {"type": "string"}}}}}


# --- response and request bodies ----------------------------------------------------------------


class SignatureOut(BaseModel):
    role: Role
    signer: str
    signed_at: dt.datetime


class ProposalOut(BaseModel):
    version: str = Field(description="Declared version + the start of the sha256, as scores carry it.")
    declared_version: str
    sha256: str = Field(description="Full sha256 of the proposal's UTF-8 text: what a signature names.")
    origin: Literal["proposal", "seeded"] = Field(description="seeded: the configured file put in force on an "
                                                              "empty store, not signed through the service.")
    status: Literal["awaiting_signatures", "activated"]
    proposed_at: dt.datetime
    activated_at: dt.datetime | None
    in_force: bool = Field(description="This replica serves this version right now.")
    signatures: list[SignatureOut]
    missing_roles: list[Role]

    @classmethod
    def of(cls, proposal: Proposal, serving: str | None) -> ProposalOut:
        return cls(version=proposal.version, declared_version=proposal.declared_version, sha256=proposal.sha256,
                   origin=proposal.origin,
                   status="activated" if proposal.activated_at is not None else "awaiting_signatures",
                   proposed_at=proposal.proposed_at, activated_at=proposal.activated_at,
                   in_force=proposal.version == serving,
                   signatures=[SignatureOut(role=s.role, signer=s.signer or "", signed_at=s.at)
                               for s in proposal.signatures],
                   missing_roles=list(proposal.missing_roles))


class ProposalTextOut(ProposalOut):
    text: str = Field(description="The YAML exactly as proposed.")
    in_force_version: str | None = Field(description="The agreement in force on this replica.")
    diff: str = Field(description="Unified diff from the agreement in force to this proposal.")


class SignIn(BaseModel):
    signer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL)] \
        = Field(description="Who signs, e.g. 'Maria Keller, Head of Sales'.")
    sha256: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=SHA256)] = Field(
        description="The sha256 of the proposal text the signer read (GET the proposal): a signature binds it.")
    role: Role | None = Field(None, description="Needed only when the key belongs to both roles.")


class SignOut(ProposalOut):
    recorded: bool = Field(description="False when this role had already signed: a role counts once.")
    activated: bool = Field(description="This signature completed the sign-off and put the agreement in force.")


class AuditEventOut(BaseModel):
    version: str
    event: Literal["proposed", "signed", "activated"]
    role: Role | None
    signer: str | None
    at: dt.datetime

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventOut:
        return cls(version=event.version, event=event.event, role=event.role, signer=event.signer,
                   at=event.at)


class AuditOut(BaseModel):
    serving_version: str | None
    proposals: list[ProposalOut]
    events: list[AuditEventOut] = Field(description="Oldest first.")


# --- helpers ------------------------------------------------------------------------------------


def serving_version(holder: ChampionHolder) -> str | None:
    scorer = holder.scorer
    return scorer.agreement.version if scorer is not None else None


def _store_error(exc: StoreError) -> HTTPException:
    if isinstance(exc, UnknownProposal):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    if isinstance(exc, ProposalConflict):
        return HTTPException(status.HTTP_409_CONFLICT, str(exc))
    return http_error(exc)


def draft_of(data: bytes, profile: Profile) -> tuple[Draft, Agreement]:
    """A posted body as a validated draft; 413 or 422 naming the problem."""
    if len(data) > MAX_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"an agreement is at most {MAX_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise unprocessable(f"the agreement is not UTF-8 text (byte {exc.start})") from None
    try:
        agreement = parse_agreement(text, profile, "proposal")
    except AgreementError as exc:
        raise unprocessable(str(exc)) from None
    return Draft(agreement.version, agreement.declared_version, agreement.sha256, text), agreement


def text_diff(before: str | None, after: str, before_name: str, after_name: str) -> str:
    """A unified diff between two agreement texts."""
    lines = difflib.unified_diff((before or "").splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=before_name, tofile=after_name)
    return "".join(lines)


# --- routes -------------------------------------------------------------------------------------


def build_signoff_router() -> APIRouter:
    """Proposals, their texts, signatures and the audit trail."""
    router = APIRouter(tags=["agreement sign-off"])

    @router.post("/v1/agreements/proposals", response_model=ProposalOut, status_code=status.HTTP_201_CREATED,
                 dependencies=[AdminKey], openapi_extra=YAML_BODY,
                 responses={**ERRORS, 413: {"model": ErrorOut}, 422: {"model": ErrorOut},
                            200: {"model": ProposalOut, "description": "Already proposed: the proposal"}},
                 summary="Propose an agreement (the YAML file as the body); it waits for both sign-offs")
    async def proposal(request: Request, response: Response, store: Store, holder: HolderDep,
                       profile: ProfileDep, clock: ClockDep) -> ProposalOut:
        data = await request.body()
        draft, _ = await run_in_threadpool(draft_of, data, profile)  # parsing is bounded, but never on the loop
        try:
            stored, created = await run_in_threadpool(propose, store, draft, clock())
        except StoreError as exc:
            raise _store_error(exc) from None
        if not created:
            response.status_code = status.HTTP_200_OK
        return ProposalOut.of(stored, serving_version(holder))

    @router.get("/v1/agreements/proposals/{version}", response_model=ProposalTextOut, responses=ERRORS,
                dependencies=[ReaderKey], summary="A proposal's exact text, its sha256 and its diff from the agreement "
                                                  "in force (admin, sales or marketing key)")
    def proposal_text(version: Version, store: Store, holder: HolderDep) -> ProposalTextOut:
        try:
            found = find(store, version)
        except StoreError as exc:
            raise _store_error(exc) from None
        current = holder.in_force
        before = current.agreement.version if current else None
        diff = text_diff(current.text if current else None, found.text, before or "(nothing in force)", found.version)
        out = ProposalOut.of(found, serving_version(holder))
        return ProposalTextOut(**out.model_dump(), text=found.text, in_force_version=before, diff=diff)

    @router.post("/v1/agreements/proposals/{version}/sign", response_model=SignOut,
                 responses={**ERRORS, **BAD_BODY},
                 summary="Sign the text you read (its sha256) for your role; the second role activates it")
    def signature(version: Version, body: Annotated[SignIn, Body()], store: Store, holder: HolderDep,
                  profile: ProfileDep, clock: ClockDep, roles: SigningRoles) -> SignOut:
        if body.role is not None and body.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this key may not sign for {body.role}")
        if body.role is None and len(roles) > 1:
            raise unprocessable("this key signs for sales and marketing: say which in `role`")
        role: str = body.role or next(iter(roles))

        def fits(proposal: Proposal) -> None:
            parse_agreement(proposal.text, profile, "proposal")  # the profile may have moved on since

        try:
            signed, recorded, activated = sign(store, version, role, body.signer, body.sha256, clock(), fits)
        except AgreementError as exc:
            raise unprocessable(f"not activated, signature not recorded: {exc}") from None
        except StoreError as exc:
            raise _store_error(exc) from None
        if activated:  # committed: in force here now, on other replicas at their next poll
            holder.refresh()
        out = ProposalOut.of(signed, serving_version(holder))
        return SignOut(**out.model_dump(), recorded=recorded, activated=activated)

    @router.get("/v1/agreements/audit", response_model=AuditOut, responses=ERRORS, dependencies=[ReaderKey],
                summary="Every proposal, signature and activation, with times")
    def audit(store: Store, holder: HolderDep) -> AuditOut:
        try:
            proposals, events = audit_trail(store)
        except StoreError as exc:
            raise _store_error(exc) from None
        serving = serving_version(holder)
        return AuditOut(serving_version=serving, proposals=[ProposalOut.of(p, serving) for p in proposals],
                        events=[AuditEventOut.of(e) for e in events])

    return router

