"""The reports over HTTP: the marketing funnel and the weekly closed-loop report from the lead store, each as
JSON or as one self-contained HTML page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BeforeValidator

from features.profile import Profile
from models.agreement import Agreement
from reports.funnel import Funnel, FunnelError, build_funnel
from reports.funnel_page import render_report
from reports.weekly import WeeklyReport, profile_labeller, weekly_report
from reports.weekly_page import render_weekly
from serving.deps import AgreementDep, ClockDep, LanguageDep, ProfileDep, ScoringKey, SettingsDep, Store
from serving.errors import http_error
from serving.language.catalog import language
from serving.schemas import ERRORS
from serving.store.database import LeadStore
from serving.store.errors import StoreError
from serving.store.funnel_frame import scored_leads
from serving.store.records import FollowUp
from serving.store.weekly_frame import weekly_data

PERIOD = "Leads whose latest score is in [from, to): ISO date or date-time; a time without a zone is UTC."
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _iso_only(value: Any) -> Any:
    """Refuse a number: pydantic would read it as a Unix time, which the period is not written as."""
    if isinstance(value, str) and NUMBER.fullmatch(value.strip()):
        raise ValueError(f"{value!r} is a number, not an ISO date or date-time")
    return value


From = Annotated[dt.datetime | None, Query(alias="from", description=PERIOD), BeforeValidator(_iso_only)]
To = Annotated[dt.datetime | None, Query(alias="to", description=PERIOD), BeforeValidator(_iso_only)]
End = Annotated[dt.date | None, Query(description="The window ends with the week holding this day (default: "
                                                  "today, UTC)."), BeforeValidator(_iso_only)]
Weeks = Annotated[int, Query(ge=1, le=52, description="Whole weeks in the window; compared with as many before.")]


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def build_report_router() -> APIRouter:
    """`GET /v1/reports/funnel`, `/v1/reports/weekly` and their `.html` pages."""
    router = APIRouter(tags=["reports"])

    def funnel(store: LeadStore, agreement: Agreement, start: dt.datetime | None, end: dt.datetime | None,
               profile: Profile, code: str = "en") -> Funnel:
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
            _ = language(code).gettext
            return build_funnel(table, agreement, start, end, about={_("source"): _("lead store")},
                                labeller=profile_labeller(profile, {}, code), code=code)
        except FunnelError as exc:  # the store holds something the report cannot read
            raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, str(exc)) from None

    def weekly(store: LeadStore, agreement: Agreement, label_columns: dict[str, str], profile: Profile,
               end: dt.date, weeks: int, code: str = "en") -> WeeklyReport:
        try:
            data = weekly_data(store, FollowUp(agreement.letters, dict(agreement.follow_up_hours)))
        except StoreError as exc:
            raise http_error(exc) from None
        return weekly_report(data, agreement, profile_labeller(profile, label_columns, code), end, weeks, code)

    @router.get("/v1/reports/weekly", responses=ERRORS, dependencies=[ScoringKey],
                summary="The weekly closed-loop report: trend, follow-up, campaigns, calibration, rules, cohorts, "
                        "score feedback")
    async def weekly_json(store: Store, agreement: AgreementDep, profile: ProfileDep, settings: SettingsDep,
                          clock: ClockDep, end: End = None, weeks: Weeks = 4) -> Any:
        report = await run_in_threadpool(weekly, store, agreement, _label_columns(settings.source_field), profile,
                                         end or clock().date(), weeks)
        return JSONResponse(report.to_dict())

    @router.get("/v1/reports/weekly.html", response_class=HTMLResponse, responses=ERRORS,
                dependencies=[ScoringKey], summary="The weekly closed-loop report as one self-contained HTML page")
    async def weekly_html(store: Store, agreement: AgreementDep, profile: ProfileDep, settings: SettingsDep,
                          clock: ClockDep, code: LanguageDep, end: End = None, weeks: Weeks = 4) -> HTMLResponse:
        report = await run_in_threadpool(weekly, store, agreement, _label_columns(settings.source_field), profile,
                                         end or clock().date(), weeks, code)
        reader = language(code)
        return HTMLResponse(await run_in_threadpool(render_weekly, report, None, reader, reader.code))

    @router.get("/v1/reports/funnel", responses=ERRORS, dependencies=[ScoringKey],
                summary="The marketing funnel from the lead store: outcomes by grade, source, campaign, rule cost")
    def funnel_json(store: Store, agreement: AgreementDep, profile: ProfileDep, start: From = None,
                    end: To = None) -> Any:
        return JSONResponse(funnel(store, agreement, start, end, profile).to_dict())

    @router.get("/v1/reports/funnel.html", response_class=HTMLResponse, responses=ERRORS,
                dependencies=[ScoringKey], summary="The marketing funnel as one self-contained HTML page")
    async def funnel_html(store: Store, agreement: AgreementDep, profile: ProfileDep, code: LanguageDep,
                          start: From = None, end: To = None) -> HTMLResponse:
        figures = await run_in_threadpool(funnel, store, agreement, start, end, profile, code)
        reader = language(code)
        return HTMLResponse(await run_in_threadpool(render_report, figures, None, None, reader, reader.code))

    return router


def _label_columns(source_field: str | None) -> dict[str, str]:
    """The profile fields the weekly report's campaign and source columns hold."""
    return {"campaign": "campaign", "source": source_field or "lead_source"}
