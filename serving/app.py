"""The FastAPI application factory: settings in, a running scorer out."""

from __future__ import annotations

import gc
import logging
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from features.profile import Profile, load_profile
from models.registry import Registry, RegistryError
from models.scoring import freeze_loaded_objects
from serving.agreement_source import AgreementSource
from serving.champion import ChampionHolder
from serving.headers import HTMLHeaders
from serving.language.catalog import compile_catalogs
from serving.lead_routes import build_lead_router
from serving.limits import BatchSlots, BodyLimit
from serving.pages.routes import install_pages
from serving.report_routes import build_report_router
from serving.routes import build_admin_router, build_router
from serving.scorelog import ScoreLog
from serving.security import KeyGate
from serving.settings import Settings
from serving.signoff_routes import build_signoff_router
from serving.store.database import LeadStore

log = logging.getLogger("leadscore")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the champion is loaded at start-up and then watched."""
    settings = settings or Settings()
    profile = load_profile(settings.profile)
    compile_catalogs()  # a broken catalog stops the start, not the first Danish request
    store = LeadStore(settings.lead_store_url)
    agreements = AgreementSource(store, profile, settings.agreement, settings.data_dir)
    holder = ChampionHolder(profile, Registry(settings.tracking_uri, profile.registered_model), agreements)
    app = FastAPI(title="leadscore", version="0.1.0", lifespan=_lifespan,
                  description="Scores leads: a calibrated P(won), the rules sales and marketing agreed, a grade "
                              "and an explanation for the seller.")
    app.state.settings, app.state.profile, app.state.holder = settings, profile, holder
    app.state.lead_store = store
    app.state.score_log = ScoreLog(store, profile, settings.source_field)
    app.state.batch_slots = BatchSlots(settings.batches_per_key)
    app.include_router(build_admin_router())
    app.include_router(build_router(profile, settings, example_lead(profile)))
    app.include_router(build_lead_router())
    app.include_router(build_signoff_router())
    app.include_router(build_report_router())
    install_pages(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(KeyGate, settings=settings)  # outside the body limit: no key, no body read at all
    app.add_middleware(HTMLHeaders, skip=frozenset(filter(None, (app.docs_url, app.redoc_url))))
    app.add_exception_handler(RequestValidationError, _invalid_request)
    return app


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, made safe for the inputs it echoes that JSON cannot carry back: NaN, Infinity, and text
    that is not Unicode (a lone surrogate, which JSON's \\u escapes allow)."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    return JSONResponse({"detail": _finite(jsonable_encoder(errors))}, status.HTTP_422_UNPROCESSABLE_CONTENT)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return value if value.isascii() else value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {_finite(key): _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    holder: ChampionHolder = app.state.holder
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not settings.keys_configured:
        log.warning("no API keys configured (LEADSCORE_API_KEYS, LEADSCORE_ADMIN_KEYS): every route is open")
    holder.refresh()
    if holder.unreachable is not None:  # a registry that cannot be asked is set-up to fix, not "no champion yet"
        message = (f"cannot start: the model registry cannot be reached ({holder.unreachable}); "
                   "check MLFLOW_TRACKING_URI")
        log.critical(message)
        raise RegistryError(message)
    for problem in holder.status().problems:
        log.warning("not ready: %s", problem)
    freeze_loaded_objects()
    holder.start(settings.reload_seconds)
    app.state.score_log.open()  # an unreachable store leaves the log degraded, never stops the scorer
    yield
    holder.stop()
    app.state.score_log.close()
    gc.unfreeze()  # what this app held can be collected again (tests start many apps in one process)


def example_lead(profile: Profile) -> dict[str, Any]:
    """An example lead for the OpenAPI schema, from the profile's declared example or its field kinds."""
    samples = {"categorical": "value", "numeric": 1.0, "boolean": True, "date": "2026-11-01"}
    example: dict[str, Any] = {"lead_id": "L-1001"}
    example.update(profile.example or {f.name: samples[f.kind.value] for f in profile.features})
    return example
