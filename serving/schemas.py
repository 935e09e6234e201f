"""Request and response schemas; the lead's fields are typed from the dataset profile."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, create_model, model_validator

from features.profile import FeatureKind, Profile

MAX_TEXT = 500
# No NUL character in any text: PostgreSQL cannot store one, and one lead holding it would take the score log
# down. Stated as a pattern so the schema says it too.
NO_NUL = r"^[^\x00]*$"
# A lead id also needs a visible character: a blank one (" ", "\v") is stripped to nothing. Control characters
# count as blank because Python and pydantic (Rust) disagree on whether \x1c-\x1f are whitespace.
VISIBLE = r"^[^\x00]*[^\s\x00-\x1f][^\x00]*$"


def _text_not_nan(value: Any) -> Any:
    """NaN and Infinity would be coerced to the text "nan" and "inf": refuse them as text."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value} is not a text value")
    return value


# The check before the constraints comes last: listed first, pydantic would drop the pattern from the schema.
LeadId = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True, pattern=VISIBLE),
                   BeforeValidator(_text_not_nan)]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT, pattern=NO_NUL), BeforeValidator(_text_not_nan)]
Number = Annotated[float, Field(allow_inf_nan=False)]

KIND_TYPES: dict[FeatureKind, Any] = {
    FeatureKind.categorical: Text,
    FeatureKind.numeric: Number,
    FeatureKind.boolean: bool,
    FeatureKind.date: dt.date,
}


def python_name(name: str) -> str:
    """A valid identifier for a profile column name (which may hold spaces)."""
    cleaned = re.sub(r"\W", "_", name)
    return cleaned if cleaned.isidentifier() and not cleaned.startswith("_") else f"f_{cleaned}"


def lead_schema(profile: Profile, example: dict[str, Any] | None = None) -> type[BaseModel]:
    """A pydantic model of one lead: `lead_id` plus every profile field, all optional, extra fields kept."""
    fields: dict[str, Any] = {"lead_id": (LeadId, Field(description="Your identifier of the lead."))}
    for feature in profile.features:
        fields[python_name(feature.name)] = (KIND_TYPES[feature.kind] | None, Field(
            None, alias=feature.name, title=feature.label, description=f"{feature.kind.value} feature"))
    for attribute in profile.attributes:
        fields[python_name(attribute.name)] = (Text | None, Field(
            None, alias=attribute.name, title=attribute.label, description="attribute (not learned from)"))
    config = ConfigDict(extra="allow", populate_by_name=False, coerce_numbers_to_str=True,
                        json_schema_extra={"examples": [example]} if example else None)
    validators: dict[str, Any] = {"_names": _unicode_names}  # a pydantic decorator proxy, not a plain callable
    return create_model("Lead", __config__=config, __validators__=validators, **fields)


@model_validator(mode="before")
def _unicode_names(data: Any) -> Any:
    """Refuse field names that are not Unicode text (JSON allows lone surrogates): unknown names are echoed back."""
    if isinstance(data, dict):
        for name in data:
            if isinstance(name, str) and not name.isascii():
                try:
                    name.encode("utf-8")
                except UnicodeEncodeError:
                    raise ValueError(f"field name {name!r} is not valid Unicode text") from None
    return data


def lead_fields(lead: BaseModel) -> dict[str, Any]:
    """The lead's declared fields by their profile names (unknown fields left out)."""
    return lead.model_dump(by_alias=True, exclude=set(lead.model_extra or {}))


class RuleOut(BaseModel):
    id: str
    effect: str
    text: str
    missing: list[str] = []


class EvidenceOut(BaseModel):
    description: str
    win_rate: float
    leads: int
    base_rate: float


class ReasonOut(BaseModel):
    field: str
    display: str
    value: Any = None
    direction: str
    strength: float
    sentence: str
    evidence: EvidenceOut | None = Field(None, description="The past leads sharing this value, when they agree "
                                                           "with the pull (never figures that point against it).")


class SuggestionOut(BaseModel):
    field: str
    display: str
    value: Any = None
    probability: float
    sentence: str


class ScoreOut(BaseModel):
    """A graded, explained lead."""

    lead_id: str
    probability: float = Field(description="Calibrated P(won).")
    score: int = Field(description="Probability as 0-100.")
    grade: str
    label: str
    model_grade: str = Field(description="Grade from the probability alone, before the agreed rules.")
    disqualified: bool
    deciding_rule: str | None
    rules: list[RuleOut]
    reasons: list[ReasonOut]
    explanation: list[str] = Field(description="Plain sentences for the seller, the deciding rule first.")
    missing: list[str] = Field(description="Expected fields that were absent: scored as missing.")
    ignored_fields: list[str] = Field(description="Fields the profile does not know: ignored.")
    suggestions: list[SuggestionOut]
    model_version: str
    agreement_version: str
    agreement_sha256: str = Field(description="Full sha256 of the agreement text that graded the lead.")
    scored_at: dt.datetime
    logged: bool = Field(True, description="The score was written to the lead store before this answer; false "
                                           "while the store is unavailable (see /ready).")
    language: str = Field("en", description="The language of every text in this answer (?lang=, then "
                                            "Accept-Language, then the service default; English otherwise).")


class BatchOut(BaseModel):
    results: list[ScoreOut]
    count: int


class HealthOut(BaseModel):
    status: str


class ReadyOut(BaseModel):
    ready: bool
    model_version: str | None
    agreement_version: str | None
    agreement_sha256: str | None = None
    problems: list[str]


class ErrorOut(BaseModel):
    detail: Any


ERRORS: dict[int | str, dict[str, Any]] = {  # what any keyed route that reads the store may answer
    401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 503: {"model": ErrorOut}}


# FastAPI answers 400, not 422, when a body is not even UTF-8 text; routes that take a body document it.
BAD_BODY: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body is not UTF-8 text, so it cannot be JSON."}}
