"""Agreement sign-off over HTTP: propose (admin key), sign (sales or marketing key), read the audit trail.

When the second role signs, the proposal's YAML is written atomically (temp file + os.replace) to the
agreement file the service serves, and the holder is refreshed at once; other replicas watching the same
file pick it up on their next hot-reload check.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, StringConstraints

from models.agreement import AgreementError, parse_agreement
from serving.lead_routes import Clock, Store, http_error, utc_now
from serving.schemas import BAD_BODY, NO_NUL, ErrorOut
from serving.security import API_KEY_HEADER, _matches, admin_key
from serving.settings import Settings
from serving.store.errors import StoreError
from serving.store.signoff import AuditEvent, Proposal, UnknownProposal, audit_trail, propose, sign
from serving.store.tables import SIGN_ROLES

Role = Literal["sales", "marketing"]
MAX_AGREEMENT_BYTES = 1024 * 1024
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 503: {"model": ErrorOut}}
YAML_BODY = {"requestBody": {"required": True, "content": {
    "application/yaml": {"schema": {"type": "string"}}, "text/plain": {"schema": {"type": "string"}}}}}


class ActivationFailed(Exception):
    """The signed agreement could not be put in force; the signature is rolled back."""


# --- response and request bodies ----------------------------------------------------------------


class SignatureOut(BaseModel):
    role: Role
    signer: str
    signed_at: dt.datetime


class ProposalOut(BaseModel):
    version: str = Field(description="Declared version + content hash, as scores carry it.")
    declared_version: str
    status: Literal["awaiting_signatures", "activated"]
    proposed_at: dt.datetime
    activated_at: dt.datetime | None
    in_force: bool = Field(description="This replica serves this version right now.")
    signatures: list[SignatureOut]
    missing_roles: list[Role]

    @classmethod
    def of(cls, proposal: Proposal, serving: str | None) -> ProposalOut:
        return cls(version=proposal.version, declared_version=proposal.declared_version,
                   status="activated" if proposal.activated_at is not None else "awaiting_signatures",
                   proposed_at=proposal.proposed_at, activated_at=proposal.activated_at,
                   in_force=proposal.version == serving,
                   signatures=[SignatureOut(role=s.role, signer=s.signer or "", signed_at=s.at)  # type: ignore[arg-type]
                               for s in proposal.signatures],
                   missing_roles=list(proposal.missing_roles))  # type: ignore[arg-type]


class SignIn(BaseModel):
    signer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL)] \
        = Field(description="Who signs, e.g. 'Maria Keller, Head of Sales'.")
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
        return cls(version=event.version, event=event.event, role=event.role, signer=event.signer,  # type: ignore[arg-type]
                   at=event.at)


class AuditOut(BaseModel):
    serving_version: str | None
    proposals: list[ProposalOut]
    events: list[AuditEventOut] = Field(description="Oldest first.")


# --- keys ---------------------------------------------------------------------------------------


def role_keys(settings: Settings) -> dict[str, list[str]]:
    return {"sales": settings.sales_keys, "marketing": settings.marketing_keys}


def signing_roles(request: Request, key: Annotated[str | None, Depends(API_KEY_HEADER)]) -> set[str]:
    """The roles the key signs for; 401 without a key, 403 when it is no sales or marketing key."""
    settings: Settings = request.app.state.settings
    keys = role_keys(settings)
    if not key:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a sales or marketing key is required in X-API-Key",
                            headers={"WWW-Authenticate": "APIKey"})
    if not any(keys.values()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "sign-off is disabled: no sales or marketing keys are "
                                                       "configured (LEADSCORE_SALES_KEYS, LEADSCORE_MARKETING_KEYS)")
    roles = {role for role in SIGN_ROLES if _matches(key, keys[role])}
    if not roles:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only a sales or a marketing key may sign an agreement")
    return roles


def audit_reader(request: Request, key: Annotated[str | None, Depends(API_KEY_HEADER)]) -> None:
    """Admin, sales and marketing keys read the audit trail (open while no key of any kind is configured)."""
    settings: Settings = request.app.state.settings
    allowed = [*settings.admin_keys, *settings.sales_keys, *settings.marketing_keys]
    if not (settings.keys_configured or allowed):
        return
    if not key:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "an API key is required in the X-API-Key header",
                            headers={"WWW-Authenticate": "APIKey"})
    if not _matches(key, allowed):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the audit trail needs an admin, sales or marketing key")


# --- activation ---------------------------------------------------------------------------------


def write_atomically(path: Path, data: bytes) -> None:
    """Replace the file at `path` with `data`: a temp file in the same folder, synced, then os.replace."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def serving_version(request: Request) -> str | None:
    scorer = request.app.state.holder.scorer
    return scorer.agreement.version if scorer is not None else None


def _unprocessable(message: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                         [{"loc": ["body"], "msg": message, "type": "value_error"}])


def _store_error(exc: StoreError) -> HTTPException:
    if isinstance(exc, UnknownProposal):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    return http_error(exc)


# --- routes -------------------------------------------------------------------------------------


def build_signoff_router(clock: Clock = utc_now) -> APIRouter:
    """Proposals, signatures and the audit trail; `clock` is injectable for tests."""
    router = APIRouter(tags=["agreement sign-off"])

    @router.post("/v1/agreements/proposals", response_model=ProposalOut, status_code=status.HTTP_201_CREATED,
                 dependencies=[admin_key], openapi_extra=YAML_BODY,
                 responses={**ERRORS, 413: {"model": ErrorOut}, 422: {"model": ErrorOut},
                            200: {"model": ProposalOut, "description": "Already proposed: the proposal"}},
                 summary="Propose an agreement (the YAML file as the body); it waits for both sign-offs")
    async def proposal(request: Request, response: Response, store: Store) -> ProposalOut:
        data = await request.body()
        if len(data) > MAX_AGREEMENT_BYTES:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                                f"an agreement is at most {MAX_AGREEMENT_BYTES} bytes")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _unprocessable(f"the agreement is not UTF-8 text (byte {exc.start})") from None
        try:
            agreement = parse_agreement(text, request.app.state.profile, "proposal")
        except AgreementError as exc:
            raise _unprocessable(str(exc)) from None
        try:
            stored, created = await run_in_threadpool(
                propose, store, agreement.version, agreement.declared_version, text, clock())
        except StoreError as exc:
            raise _store_error(exc) from None
        if not created:
            response.status_code = status.HTTP_200_OK
        return ProposalOut.of(stored, serving_version(request))

    @router.post("/v1/agreements/proposals/{version}/sign", response_model=SignOut,
                 responses={**ERRORS, **BAD_BODY},
                 summary="Sign a proposal for your role (sales or marketing key); the second role activates it")
    def signature(request: Request, version: str, body: Annotated[SignIn, Body()], store: Store,
                  roles: Annotated[set[str], Depends(signing_roles)]) -> SignOut:
        if body.role is not None and body.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this key may not sign for {body.role}")
        if body.role is None and len(roles) > 1:
            raise _unprocessable("this key signs for sales and marketing: say which in `role`")
        role = body.role or next(iter(roles))
        settings: Settings = request.app.state.settings

        def activate(proposal: Proposal) -> None:
            parse_agreement(proposal.text, request.app.state.profile, "proposal")  # the profile may have moved on
            try:
                write_atomically(Path(settings.agreement), proposal.text.encode("utf-8"))
            except OSError as exc:
                raise ActivationFailed(f"agreement {settings.agreement} cannot be written: {exc}") from None

        try:
            signed, recorded, activated = sign(store, version, role, body.signer, clock(), activate)
        except AgreementError as exc:
            raise _unprocessable(f"not activated, signature not recorded: {exc}") from None
        except ActivationFailed as exc:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                                f"not activated, signature not recorded: {exc}") from None
        except StoreError as exc:
            raise _store_error(exc) from None
        if activated:
            request.app.state.holder.refresh()  # in force here now; other replicas on their next check
        out = ProposalOut.of(signed, serving_version(request))
        return SignOut(**out.model_dump(), recorded=recorded, activated=activated)

    @router.get("/v1/agreements/audit", response_model=AuditOut, responses=ERRORS,
                dependencies=[Depends(audit_reader)],
                summary="Every proposal, signature and activation, with times")
    def audit(request: Request, store: Store) -> AuditOut:
        try:
            proposals, events = audit_trail(store)
        except StoreError as exc:
            raise _store_error(exc) from None
        serving = serving_version(request)
        return AuditOut(serving_version=serving, proposals=[ProposalOut.of(p, serving) for p in proposals],
                        events=[AuditEventOut.of(e) for e in events])

    return router
