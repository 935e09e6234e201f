"""Typed dependencies of the routes: the app's settings, profile, scorer, store, clock, and the key checks.

Routes take what they need from here as `Annotated[..., Depends(...)]` parameters and never read
`request.app.state` themselves; tests swap any of them with `app.dependency_overrides`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from features.profile import Profile
from models.agreement import Agreement
from models.scoring import Scorer
from serving.agreement_source import InForce
from serving.champion import ChampionHolder, utc_now
from serving.language.catalog import negotiate
from serving.limits import BatchSlots
from serving.scorelog import ScoreLog
from serving.security import API_KEY_HEADER, matches
from serving.settings import Settings
from serving.store.database import LeadStore

NO_CHAMPION = "no champion model is loaded: run `make train`, then wait for the reload or call /v1/admin/reload"
Clock = Callable[[], dt.datetime]
Key = Annotated[str | None, Depends(API_KEY_HEADER)]


def current_settings(request: Request) -> Settings:
    return request.app.state.settings


def current_profile(request: Request) -> Profile:
    return request.app.state.profile


def current_holder(request: Request) -> ChampionHolder:
    return request.app.state.holder


def current_store(request: Request) -> LeadStore:
    return request.app.state.lead_store


def current_score_log(request: Request) -> ScoreLog:
    return request.app.state.score_log


def current_clock() -> Clock:
    return utc_now


def current_batch_slots(request: Request) -> BatchSlots:
    return request.app.state.batch_slots


SettingsDep = Annotated[Settings, Depends(current_settings)]
ProfileDep = Annotated[Profile, Depends(current_profile)]
HolderDep = Annotated[ChampionHolder, Depends(current_holder)]
Store = Annotated[LeadStore, Depends(current_store)]
ScoreLogDep = Annotated[ScoreLog, Depends(current_score_log)]
ClockDep = Annotated[Clock, Depends(current_clock)]


def current_scorer(holder: HolderDep) -> Scorer:
    """The scorer in use, or 503 while there is none."""
    scorer = holder.scorer
    if scorer is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, NO_CHAMPION)
    return scorer


def current_in_force(holder: HolderDep) -> InForce:
    """The agreement in force on this replica, or 503 saying why there is none."""
    taken = holder.in_force
    if taken is None:
        why = "; ".join(holder.status().problems) or "not loaded yet"
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"no agreement in force: {why}")
    return taken


def current_agreement(in_force: Annotated[InForce, Depends(current_in_force)]) -> Agreement:
    return in_force.agreement


def current_language(request: Request, settings: SettingsDep, lang: str | None = None) -> str:
    """The reader's language: ?lang=, then Accept-Language, then the service's default."""
    return negotiate(lang, request.headers.get("accept-language"), settings.language)


LanguageDep = Annotated[str, Depends(current_language)]
ScorerDep = Annotated[Scorer, Depends(current_scorer)]
InForceDep = Annotated[InForce, Depends(current_in_force)]
AgreementDep = Annotated[Agreement, Depends(current_agreement)]


# --- keys ---------------------------------------------------------------------------------------


def _require(key: str | None, allowed: list[str], refusal: str) -> None:
    if not key:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "an API key is required in the X-API-Key header",
                            headers={"WWW-Authenticate": "APIKey"})
    if not matches(key, allowed):
        raise HTTPException(status.HTTP_403_FORBIDDEN, refusal)


def scoring_key(settings: SettingsDep, key: Key) -> None:
    """A scoring or admin key, once keys are configured."""
    if settings.keys_configured:
        _require(key, [*settings.api_keys, *settings.admin_keys], "this API key is not valid")


def admin_key(settings: SettingsDep, key: Key) -> None:
    """An admin key, once keys are configured."""
    if settings.keys_configured:
        _require(key, settings.admin_keys, "this key may not call admin routes")


def agreement_reader(settings: SettingsDep, key: Key) -> None:
    """Admin, sales and marketing keys read proposals and the audit trail."""
    if settings.keys_configured:
        _require(key, [*settings.admin_keys, *settings.sales_keys, *settings.marketing_keys],
                 "proposals and the audit trail need an admin, sales or marketing key")


def signing_roles(settings: SettingsDep, key: Key) -> set[str]:
    """The roles the key signs for; 401 without a key, 403 when it is no sales or marketing key."""
    keys = {"sales": settings.sales_keys, "marketing": settings.marketing_keys}
    if not key:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a sales or marketing key is required in X-API-Key",
                            headers={"WWW-Authenticate": "APIKey"})
    if not any(keys.values()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "sign-off is disabled: no sales or marketing keys are "
                                                       "configured (LEADSCORE_SALES_KEYS, LEADSCORE_MARKETING_KEYS)")
    roles = {role for role, allowed in keys.items() if matches(key, allowed)}
    if not roles:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only a sales or a marketing key may sign an agreement")
    return roles


def batch_slot(request: Request, slots: Annotated[BatchSlots, Depends(current_batch_slots)],
               key: Key) -> Iterator[None]:
    """A slot among the key's concurrent batch calls (the client's address without keys); 429 when all are busy."""
    caller = key or (request.client.host if request.client else "")
    if not slots.take(caller):
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            f"this key already has {slots.per_key} batch calls in flight "
                            "(LEADSCORE_BATCHES_PER_KEY): wait for one to finish", headers={"Retry-After": "1"})
    try:
        yield
    finally:
        slots.give_back(caller)


ScoringKey = Depends(scoring_key)
AdminKey = Depends(admin_key)
ReaderKey = Depends(agreement_reader)
SigningRoles = Annotated[set[str], Depends(signing_roles)]
