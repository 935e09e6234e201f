"""The marketing funnel over HTTP: figures from the lead store as JSON, or as the self-contained HTML page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BeforeValidator

from models.agreement import Agreement
from reports.funnel import Funnel, FunnelError, build_funnel
from reports.funnel_page import render_report
from serving.deps import AgreementDep, ScoringKey, Store
from serving.errors import http_error
from serving.schemas import ERRORS
from serving.store.database import LeadStore
from serving.store.errors import StoreError
from serving.store.funnel_frame import scored_leads

PERIOD = "Leads whose latest score is in [from, to): ISO date or date-time; a time without a zone is UTC."
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _iso_only(value: Any) -> Any:
    """Refuse a number: pydantic would read it as a Unix time, which the period is not written as."""
    if isinstance(value, str) and NUMBER.fullmatch(value.strip()):
        raise ValueError(f"{value!r} is a number, not an ISO date or date-time")
    return value


From = Annotated[dt.datetime | None, Query(alias="from", description=PERIOD), BeforeValidator(_iso_only)]
To = Annotated[dt.datetime | None, Query(alias="to", description=PERIOD), BeforeValidator(_iso_only)]


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def build_report_router() -> APIRouter:
    """`GET /v1/reports/funnel` and `/v1/reports/funnel.html`."""
    router = APIRouter(tags=["reports"])

    def funnel(store: LeadStore, agreement: Agreement, start: dt.datetime | None, end: dt.datetime | None) -> Funnel:
        start, end = _utc(start), _utc(end)
        if start is not None and end is not None and start > end:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [{
                "loc": ["query", "from"], "type": "value_error",
                "msg": f"from {start.isoformat()} is after to {end.isoformat()}"}])
        try:
            table = scored_leads(store, start, end)
        except StoreError as exc:
            raise http_error(exc) from None
        try:
            return build_funnel(table, agreement, start, end, about={"source": "lead store"})
        except FunnelError as exc:  # the store holds something the report cannot read
            raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, str(exc)) from None

    @router.get("/v1/reports/funnel", responses=ERRORS, dependencies=[ScoringKey],
                summary="The marketing funnel from the lead store: outcomes by grade, source, campaign, rule cost")
    def funnel_json(store: Store, agreement: AgreementDep, start: From = None, end: To = None) -> Any:
        return JSONResponse(funnel(store, agreement, start, end).to_dict())

    @router.get("/v1/reports/funnel.html", response_class=HTMLResponse, responses=ERRORS,
                dependencies=[ScoringKey], summary="The marketing funnel as one self-contained HTML page")
    async def funnel_html(store: Store, agreement: AgreementDep, start: From = None, end: To = None) -> HTMLResponse:
        figures = await run_in_threadpool(funnel, store, agreement, start, end)
        return HTMLResponse(await run_in_threadpool(render_report, figures))

    return router
