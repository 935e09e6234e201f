"""The agreement file's shape: pydantic models of the header, the rules, their conditions and effects.

A condition is a leaf `{field: F, <operator>: value}` with exactly one operator among eq, ne, in,
not_in, lt, le, gt, ge, `missing: true`, `present: true`, or `{all: [...]}`, `{any: [...]}`,
`{not: {...}}`, nested up to limits.MAX_DEPTH levels (checked on the raw data before these models).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_serializer,
    model_validator,
)

from features.texts import in_language
from features.values import bounded_repr
from models.agreement.limits import (
    MAX_FIELD,
    MAX_HOURS,
    MAX_LABEL,
    MAX_NAME,
    MAX_RULE_ID,
    MAX_RULE_TEXT,
    MAX_VALUE,
    MAX_VERSION,
)
from models.agreement.texts import checked, per_language, text_problem

Operator = Literal["eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "missing", "present"]
OPERATORS: tuple[str, ...] = get_args(Operator)
DISQUALIFIED = "disqualified"
DEFAULT_REQUIRE_CAP = "C"
_SCALAR_TYPES = (str, int, float, bool, dt.date)
_RULE_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # no '+': it separates the digest in Agreement.version

FieldName = Annotated[str, Field(min_length=1), checked(MAX_FIELD)]
SignerName = Annotated[str, Field(min_length=1), checked(MAX_NAME)]
# A label or a rule's text: one text, or one per language ({en: hot, da: varm}).
Label = Annotated[str | dict[str, str], per_language(MAX_LABEL)]
RuleText = Annotated[str | dict[str, str], per_language(MAX_RULE_TEXT)]


def _hours(hours: float) -> float:
    if not (math.isfinite(hours) and 0 < hours <= MAX_HOURS):
        raise ValueError(f"{hours!r} hours: a follow-up must be greater than 0 and at most {MAX_HOURS:g} hours "
                         "(a year)")
    return hours


Hours = Annotated[float, AfterValidator(_hours)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SignOff(_Strict):
    """Who signed the agreement for each team, and when, as the file claims it."""

    sales: SignerName
    marketing: SignerName
    date: dt.date


class Leaf(_Strict):
    """A test of one lead field: `{field: F, <operator>: value}` in the file."""

    field: FieldName
    op: Operator
    value: Any

    @model_validator(mode="before")
    @classmethod
    def _from_file(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        field = data.get("field")
        name = bounded_repr(field)
        ops = [key for key in data if key != "field"]
        unknown = [key for key in ops if key not in OPERATORS]
        if unknown:
            raise ValueError(
                f"field {name}: unknown operator {bounded_repr(unknown[0])}; use one of {', '.join(OPERATORS)}"
            )
        if not ops:
            raise ValueError(f"field {name}: no operator; give one of {', '.join(OPERATORS)}")
        if len(ops) > 1:
            raise ValueError(
                f"field {name}: two operators {ops[0]!r} and {ops[1]!r} in one condition; "
                "give exactly one and combine conditions with all/any"
            )
        return {"field": field, "op": ops[0], "value": _leaf_value(name, ops[0], data[ops[0]])}

    @model_serializer
    def _to_file(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"field": self.field, self.op: value}


def _leaf_value(name: str, op: str, value: Any) -> Any:
    """Check the value's shape for its operator; kinds are checked later against the profile."""
    if op in ("missing", "present"):
        if value is not True:
            raise ValueError(f"field {name}: '{op}' takes only true, got {bounded_repr(value)}")
        return True
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise ValueError(f"field {name}: '{op}' needs a non-empty list, got {bounded_repr(value)}")
        if not all(isinstance(item, _SCALAR_TYPES) for item in value):
            raise ValueError(f"field {name}: '{op}' needs a list of plain values, got {bounded_repr(value)}")
        for item in value:
            _check_plain(name, op, item)
        return tuple(value)
    if value is None:
        raise ValueError(f"field {name}: '{op}' has no value; to test for no value use missing: true")
    if not isinstance(value, _SCALAR_TYPES):
        raise ValueError(f"field {name}: '{op}' needs a single plain value, got {bounded_repr(value)}")
    _check_plain(name, op, value)
    return value


def _check_plain(name: str, op: str, value: Any) -> None:
    """Refuse a value that could not be shown back: a text past the bounds, a number JSON cannot carry."""
    problem: str | None = None
    if isinstance(value, str):
        problem = text_problem(value, MAX_VALUE)
    elif isinstance(value, float) and not math.isfinite(value):
        problem = f"{value!r} is not a finite number"
    elif isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        problem = f"{bounded_repr(value)} is a whole number past 64 bits; quote it to compare it as text"
    if problem is not None:
        raise ValueError(f"field {name}: the value of '{op}' {problem}")


class AllOf(_Strict):
    """True when every condition holds."""

    all_: Annotated[tuple[Condition, ...], Field(alias="all")]

    @field_validator("all_")
    @classmethod
    def _not_empty(cls, value: tuple[Any, ...]) -> tuple[Any, ...]:
        # checked here rather than with min_length, which also fires when an item is merely invalid
        if not value:
            raise ValueError("'all' needs at least one condition")
        return value


class AnyOf(_Strict):
    """True when at least one condition holds."""

    any_: Annotated[tuple[Condition, ...], Field(alias="any")]

    @field_validator("any_")
    @classmethod
    def _not_empty(cls, value: tuple[Any, ...]) -> tuple[Any, ...]:
        if not value:
            raise ValueError("'any' needs at least one condition")
        return value


class NotOf(_Strict):
    """True when the condition does not hold."""

    not_: Annotated[Condition, Field(alias="not")]


_CONDITION_TAGS = {"field": "{leaf}", "all": "{all}", "any": "{any}", "not": "{not}"}
_MODEL_TAGS: dict[type, str] = {Leaf: "{leaf}", AllOf: "{all}", AnyOf: "{any}", NotOf: "{not}"}


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        keys = [key for key in _CONDITION_TAGS if key in value]
        return _CONDITION_TAGS[keys[0]] if len(keys) == 1 else None
    return _MODEL_TAGS.get(type(value))


Condition = Annotated[
    Annotated[Leaf, Tag("{leaf}")]
    | Annotated[AllOf, Tag("{all}")]
    | Annotated[AnyOf, Tag("{any}")]
    | Annotated[NotOf, Tag("{not}")],
    Discriminator(
        _condition_tag,
        custom_error_type="condition",
        custom_error_message=(
            "a condition is {field: F, <operator>: value}, {all: [...]}, {any: [...]} or {not: {...}}"
        ),
    ),
]


class Cap(_Strict):
    """Lower the grade to at most this grade."""

    cap: str


class Floor(_Strict):
    """Raise the grade to at least this grade."""

    floor: str


class Require(_Strict):
    """Cap the grade while any listed field is missing."""

    require: Annotated[tuple[FieldName, ...], Field(min_length=1)]
    cap: str = DEFAULT_REQUIRE_CAP


# require is looked for first: a require effect may also carry a cap
_EFFECT_KEYS = {"require": "{require}", "cap": "{cap}", "floor": "{floor}"}
_EFFECT_MODELS: dict[type, str] = {Cap: "{cap}", Floor: "{floor}", Require: "{require}"}


def _effect_tag(value: Any) -> str | None:
    if value == "disqualify":
        return "{disqualify}"
    if isinstance(value, dict):
        return next((tag for key, tag in _EFFECT_KEYS.items() if key in value), None)
    return _EFFECT_MODELS.get(type(value))


Effect = Annotated[
    Annotated[Literal["disqualify"], Tag("{disqualify}")]
    | Annotated[Cap, Tag("{cap}")]
    | Annotated[Floor, Tag("{floor}")]
    | Annotated[Require, Tag("{require}")],
    Discriminator(
        _effect_tag,
        custom_error_type="effect",
        custom_error_message="an effect is disqualify, {cap: G}, {floor: G} or {require: [fields], cap: G}",
    ),
]


class Rule(_Strict):
    """One agreed hard rule: when it applies, what it does, and why in plain words."""

    id: str
    text: RuleText = ""
    when: Condition | None = None
    then: Effect

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if len(value) > MAX_RULE_ID:
            raise ValueError(f"id is {len(value)} characters long; at most {MAX_RULE_ID}")
        if not _RULE_ID.fullmatch(value):
            raise ValueError(
                f"id {bounded_repr(value)} must be lower-case letters, digits, '-' and '_' (e.g. 'icp-demo')"
            )
        return value

    @model_validator(mode="after")
    def _complete(self) -> Rule:
        if not in_language(self.text, "en").strip():
            raise ValueError("has no text: say what the rule means in words a seller understands")
        if isinstance(self.text, dict) and not all(text.strip() for text in self.text.values()):
            empty = ", ".join(code for code, text in self.text.items() if not text.strip())
            raise ValueError(f"text: an empty translation ({empty})")
        if self.when is None and not isinstance(self.then, Require):
            raise ValueError("has no 'when': only a require rule may apply to every lead")
        return self

    @property
    def effect(self) -> str:
        """The effect in a few words: 'disqualify', 'cap C', 'floor B' or 'require'."""
        if isinstance(self.then, Cap):
            return f"cap {self.then.cap}"
        if isinstance(self.then, Floor):
            return f"floor {self.then.floor}"
        return "require" if isinstance(self.then, Require) else "disqualify"


class AgreementFile(_Strict):
    """The file as written; checked against a profile before it becomes an Agreement."""

    version: str
    # optional: who signed is recorded where the agreement is signed (the lead store), not by the file
    signed_off: SignOff | None = None
    grades: dict[str, float]
    labels: dict[str, Label]
    follow_up_hours: dict[str, Hours] = Field(default_factory=dict)
    rules: tuple[Rule, ...] = ()

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        # YAML reads an unquoted 2026-11-01 as a date and 3 as a number; both are fine as versions
        if isinstance(value, (dt.date, int, float)) and not isinstance(value, bool):
            return str(value)
        return value.strip() if isinstance(value, str) else value

    @field_validator("version")
    @classmethod
    def _version_shape(cls, value: str) -> str:
        if not value:
            raise ValueError("is empty; give the agreement a version such as 2026-11-01")
        if len(value) > MAX_VERSION:
            raise ValueError(f"is {len(value)} characters long; at most {MAX_VERSION}")
        if not _VERSION.fullmatch(value):
            raise ValueError(f"{bounded_repr(value)} must start with a letter or digit and hold only letters, "
                             "digits, '.', '_' and '-' (e.g. 2026-11-01)")
        return value


AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()
Rule.model_rebuild()
AgreementFile.model_rebuild()

AnyCondition = Leaf | AllOf | AnyOf | NotOf


def leaves(condition: AnyCondition) -> Iterator[Leaf]:
    """Every leaf of a condition tree, in file order."""
    stack: list[AnyCondition] = [condition]
    while stack:
        node = stack.pop()
        if isinstance(node, Leaf):
            yield node
        elif isinstance(node, NotOf):
            stack.append(node.not_)
        else:
            stack.extend(reversed(node.all_ if isinstance(node, AllOf) else node.any_))


def rule_leaves(rule: Rule) -> Iterator[Leaf]:
    """Every leaf of a rule's condition; none for a rule without one."""
    return leaves(rule.when) if rule.when is not None else iter(())


def required(rule: Rule) -> tuple[str, ...]:
    """The fields a require rule asks for; () for any other rule."""
    return rule.then.require if isinstance(rule.then, Require) else ()


def moved_to(then: Any) -> tuple[Literal["cap", "floor"], str] | None:
    """Which way an effect moves the grade, and to which grade; None for disqualify."""
    if isinstance(then, Cap | Require):
        return "cap", then.cap
    return ("floor", then.floor) if isinstance(then, Floor) else None
