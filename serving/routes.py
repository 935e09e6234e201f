"""HTTP routes: scoring, model card, agreement, health and readiness, admin reload."""


from datetime import UTC, datetime
from typing import Any, cast

import orjson
from fastapi import APIRouter, Depends, HTTPException, Response, status
from pydantic import BaseModel, Field, create_model

from features.encoder import FieldProblem
from features.profile import Profile
from models.scoring import Score, Scorer
from serving.champion import ChampionHolder
from serving.deps import (
    AdminKey,
    HolderDep,
    InForceDep,
    LanguageDep,
    ScoreLogDep,
    ScorerDep,
    ScoringKey,
    batch_slot,
)
from serving.language.wording import Wording
from serving.schemas import (
    BAD_BODY,
    BatchOut,
    ErrorOut,
    HealthOut,
    ReadyOut,
    ScoreOut,
    lead_fields,
    lead_schema,
)
from serving.scorelog import ScoreLog
from serving.settings import Settings

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 413: {"model": ErrorOut}, 503: {"model": ErrorOut}}


class JSONBytes(Response):
    """JSON written by orjson; the score documents are built here, so validating them again only costs time."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_UTC_Z | orjson.OPT_SERIALIZE_NUMPY)


def score_document(score: Score, scorer: Scorer, wording: Wording, ignored: list[str], now: datetime,
                   logged: bool) -> dict[str, Any]:
    """A Score as a ScoreOut document, every text in the wording's language."""
    decision = score.decision
    reasons = [wording.reason(reason) for reason in score.reasons]
    rules = [{"id": rule.id, "effect": rule.effect, "text": wording.rule(rule.id, rule.text), "missing": rule.missing}
             for rule in decision.fired]
    return {
        "lead_id": score.lead_id, "probability": round(score.probability, 6), "score": score.score,
        "grade": decision.grade, "label": wording.label(decision.grade, decision.disqualified),
        "model_grade": decision.model_grade, "disqualified": decision.disqualified,
        "deciding_rule": decision.deciding_rule, "rules": rules, "reasons": reasons,
        "explanation": [*wording.heading(decision, scorer.signal), *(r["sentence"] for r in reasons)],
        "missing": score.missing, "ignored_fields": ignored,
        "suggestions": [wording.suggestion(s) for s in score.suggestions], "model_version": scorer.model.label,
        "agreement_version": scorer.agreement.version, "agreement_sha256": scorer.agreement.sha256,
        "scored_at": now, "logged": logged, "language": wording.code}


def field_error(problem: FieldProblem, index: int | None = None) -> HTTPException:
    """A value the model cannot encode, as a 422 naming the field."""
    loc: list[Any] = ["body", *([] if index is None else ["leads", index]), problem.field]
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                         [{"loc": loc, "msg": problem.problem, "type": "value_error"}])


def build_router(profile: Profile, settings: Settings, example: dict[str, Any]) -> APIRouter:
    """Routes whose lead schema comes from the profile."""
    Lead: Any = lead_schema(profile, example)  # classes made at start-up: mypy reads their instances as Any
    Batch: Any = cast(Any, create_model("Batch", leads=(list[Lead], Field(
        min_length=1, max_length=settings.max_batch,
        description=f"At most {settings.max_batch} leads per call."))))
    router = APIRouter()

    @router.post("/v1/score", response_model=ScoreOut, responses={**ERRORS, **BAD_BODY}, dependencies=[ScoringKey],
                 summary="Score, grade and explain one lead")
    async def score(lead: Lead, scorer: ScorerDep, score_log: ScoreLogDep, language: LanguageDep) -> Response:
        # One lead is about half a millisecond of CPU: scored on the event loop, not worth a thread hop. The
        # score log's writer thread commits the score while the suggestions and the answer are prepared; the
        # answer leaves once the commit is over.
        fields = lead_fields(lead)
        try:
            result = scorer.score_one(fields, suggest=False)
        except FieldProblem as problem:
            raise field_error(problem) from None
        now = datetime.now(UTC)
        committed = score_log.record_async(scorer, [fields], [result], now)
        result = scorer.with_suggestions(result, fields)
        wording = Wording(language, scorer.profile, scorer.agreement)
        document = score_document(result, scorer, wording, sorted(lead.model_extra or {}), now, logged=False)
        document["logged"] = await committed
        return JSONBytes(document)

    @router.post("/v1/score/batch", response_model=BatchOut,
                 responses={**ERRORS, **BAD_BODY, 429: {"model": ErrorOut}},
                 dependencies=[ScoringKey, Depends(batch_slot)],
                 summary=f"Score many leads (at most {settings.max_batch} a call)")
    def score_batch(batch: Batch, scorer: ScorerDep, score_log: ScoreLogDep, language: LanguageDep,
                    explain: bool = True) -> Response:
        # a plain def: a big batch runs in the threadpool instead of holding up the event loop
        leads = [lead_fields(lead) for lead in batch.leads]
        try:
            results = scorer.score_many(leads, explain=explain)
        except FieldProblem as problem:
            raise field_error(problem) from None
        now = datetime.now(UTC)
        logged = score_log.record(scorer, leads, results, now, explained=explain)
        wording = Wording(language, scorer.profile, scorer.agreement)
        outs = [score_document(result, scorer, wording, sorted(lead.model_extra or {}), now, logged)
                for result, lead in zip(results, batch.leads, strict=True)]
        return JSONBytes({"results": outs, "count": len(outs)})

    return router


class ReloadOut(BaseModel):
    changed: bool
    status: ReadyOut


def build_admin_router() -> APIRouter:
    """Health, readiness, model card, agreement and reload."""
    router = APIRouter()

    @router.get("/health", response_model=HealthOut, summary="The process is up")
    async def health() -> HealthOut:
        return HealthOut(status="ok")

    @router.get("/ready", response_model=ReadyOut, responses={503: {"model": ReadyOut}},
                summary="A champion and an agreement are loaded")
    async def ready(holder: HolderDep, score_log: ScoreLogDep, response: Response) -> ReadyOut:
        out = _ready(holder, score_log)
        if not out.ready:
            response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return out

    @router.get("/v1/model", responses=ERRORS, dependencies=[ScoringKey], summary="The champion's model card")
    async def model(scorer: ScorerDep) -> dict[str, Any]:
        return {"name": scorer.model.name, "version": scorer.model.version, "card": scorer.model.card}

    @router.get("/v1/agreement", responses=ERRORS, dependencies=[ScoringKey],
                summary="The agreement in force: thresholds, labels, rules, version, sha256 and who signed it")
    async def agreement(in_force: InForceDep) -> dict[str, Any]:
        return in_force.to_dict()

    @router.post("/v1/admin/reload", response_model=ReloadOut, responses=ERRORS, dependencies=[AdminKey],
                 summary="Check the registry and the store's agreement in force now")
    def reload(holder: HolderDep, score_log: ScoreLogDep) -> ReloadOut:
        changed = holder.refresh()
        return ReloadOut(changed=changed, status=_ready(holder, score_log))

    return router



def _ready(holder: ChampionHolder, score_log: ScoreLog) -> ReadyOut:
    status_ = holder.status()  # a degraded score log is a problem, not unreadiness: scoring still works
    return ReadyOut(ready=status_.ready, model_version=status_.model_version,
                    agreement_version=status_.agreement_version, agreement_sha256=status_.agreement_sha256,
                    problems=[*status_.problems, *score_log.problems()])
