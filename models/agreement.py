"""The agreement sales and marketing signed: grade thresholds, labels and hard rules, loaded as data.

An agreement file is YAML read with a safe loader; nothing in it is ever executed. Its shape:

    version: "2026-11-01"
    signed_off: {sales: "Head of Sales", marketing: "Head of Marketing", date: 2026-11-01}
    grades: {A: 0.50, B: 0.25, C: 0.10}      # calibrated P(won) lower bounds; below the last is D
    labels: {A: hot, B: warm, C: cold, D: not now}
    follow_up_hours: {A: 4, B: 24, C: 72}    # optional, per grade
    rules:
      - id: some-rule                        # lower-case letters, digits, '-' and '_'
        text: "What the rule means, in words a seller understands."
        when: <condition>                    # optional for a require rule only
        then: disqualify | {cap: C} | {floor: B} | {require: [phone, email], cap: C}

A condition is a leaf `{field: F, <operator>: value}` with exactly one operator among eq, ne, in,
not_in, lt, le, gt, ge, `missing: true`, `present: true`, or `{all: [...]}`, `{any: [...]}`,
`{not: {...}}`, nested freely.

Missing values: None, NaN, NA, NaT, an absent key and a blank text all count as missing. Every
comparison on a missing value is False, `ne` and `not_in` included, so `{field: country, ne: US}` does
not fire on a lead without a country; only `missing` is True (and `present` False). A value that cannot
be read as the field's kind (a word in a numeric field) is present but never compares True either.
Text and categorical values are compared as text with surrounding spaces ignored (10 and "10" match);
booleans accept true/false (and the yes/no words of features.values); dates accept dates and ISO text.

Precedence (applied in models.grading): start from the model grade; raise to the highest fired
floor; lower to the lowest fired cap (require rules cap too), so a cap beats a floor; a fired
disqualify beats everything (bottom grade, flagged disqualified).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal, get_args

import numpy as np
import pandas as pd
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from features.profile import Profile
from features.values import (  # one meaning of "missing" service-wide, one way to read each kind
    is_missing,
    read_boolean,
    read_datetime,
    read_number,
    read_text,
)

Operator = Literal["eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "missing", "present"]
OPERATORS: tuple[str, ...] = get_args(Operator)
_EQUALITY = frozenset({"eq", "ne", "in", "not_in", "missing", "present"})
_FITS = {  # which operators make sense for each kind of field
    "categorical": _EQUALITY,
    "text": _EQUALITY,
    "boolean": _EQUALITY,
    "numeric": frozenset(OPERATORS),
    "date": frozenset(OPERATORS),
}
DISQUALIFIED = "disqualified"
DEFAULT_REQUIRE_CAP = "C"
_SCALAR_TYPES = (str, int, float, bool, dt.date)
_RULE_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")


class AgreementError(ValueError):
    """An agreement file that cannot be used: names the file, the rule, the field and the problem."""


# --- schema -------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SignOff(_Strict):
    """Who signed the agreement for each team, and when."""

    sales: Annotated[str, Field(min_length=1)]
    marketing: Annotated[str, Field(min_length=1)]
    date: dt.date


class Leaf(_Strict):
    """A test of one lead field: `{field: F, <operator>: value}` in the file."""

    field: Annotated[str, Field(min_length=1)]
    op: Operator
    value: Any

    @model_validator(mode="before")
    @classmethod
    def _from_file(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        field = data.get("field")
        ops = [key for key in data if key != "field"]
        unknown = [key for key in ops if key not in OPERATORS]
        if unknown:
            raise ValueError(
                f"field {field!r}: unknown operator {unknown[0]!r}; use one of {', '.join(OPERATORS)}"
            )
        if not ops:
            raise ValueError(f"field {field!r}: no operator; give one of {', '.join(OPERATORS)}")
        if len(ops) > 1:
            raise ValueError(
                f"field {field!r}: two operators {ops[0]!r} and {ops[1]!r} in one condition; "
                "give exactly one and combine conditions with all/any"
            )
        return {"field": field, "op": ops[0], "value": _leaf_value(field, ops[0], data[ops[0]])}

    @model_serializer
    def _to_file(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"field": self.field, self.op: value}


def _leaf_value(field: Any, op: str, value: Any) -> Any:
    """Check the value's shape for its operator; kinds are checked later against the profile."""
    if op in ("missing", "present"):
        if value is not True:
            raise ValueError(f"field {field!r}: '{op}' takes only true, got {value!r}")
        return True
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise ValueError(f"field {field!r}: '{op}' needs a non-empty list, got {value!r}")
        if not all(isinstance(item, _SCALAR_TYPES) for item in value):
            raise ValueError(f"field {field!r}: '{op}' needs a list of plain values, got {value!r}")
        return tuple(value)
    if value is None:
        raise ValueError(f"field {field!r}: '{op}' has no value; to test for no value use missing: true")
    if not isinstance(value, _SCALAR_TYPES):
        raise ValueError(f"field {field!r}: '{op}' needs a single plain value, got {value!r}")
    return value


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
_MODEL_TAGS = {Leaf: "{leaf}", AllOf: "{all}", AnyOf: "{any}", NotOf: "{not}"}


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

    require: Annotated[tuple[Annotated[str, Field(min_length=1)], ...], Field(min_length=1)]
    cap: str = DEFAULT_REQUIRE_CAP


# require is looked for first: a require effect may also carry a cap
_EFFECT_KEYS = {"require": "{require}", "cap": "{cap}", "floor": "{floor}"}
_EFFECT_MODELS = {Cap: "{cap}", Floor: "{floor}", Require: "{require}"}


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
    text: str = ""
    when: Condition | None = None
    then: Effect

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _RULE_ID.fullmatch(value):
            raise ValueError(
                f"id {value!r} must be lower-case letters, digits, '-' and '_' (e.g. 'icp-demo')"
            )
        return value

    @model_validator(mode="after")
    def _complete(self) -> Rule:
        if not self.text.strip():
            raise ValueError("has no text: say what the rule means in words a seller understands")
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

    version: Annotated[str, Field(min_length=1)]
    signed_off: SignOff
    grades: dict[str, float]
    labels: dict[str, str]
    follow_up_hours: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)
    rules: tuple[Rule, ...] = ()

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        # YAML reads an unquoted 2026-11-01 as a date and 3 as a number; both are fine as versions
        if isinstance(value, (dt.date, int, float)) and not isinstance(value, bool):
            return str(value)
        return value.strip() if isinstance(value, str) else value


AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()
Rule.model_rebuild()
AgreementFile.model_rebuild()


def _rule_leaves(rule: Rule) -> Iterator[Leaf]:
    return leaves(rule.when) if rule.when is not None else iter(())


def leaves(condition: Leaf | AllOf | AnyOf | NotOf) -> Iterator[Leaf]:
    """Every leaf of a condition tree, in file order."""
    if isinstance(condition, Leaf):
        yield condition
    elif isinstance(condition, NotOf):
        yield from leaves(condition.not_)
    else:
        for child in condition.all_ if isinstance(condition, AllOf) else condition.any_:
            yield from leaves(child)


_READERS: dict[str, Callable[[Any], Any]] = {  # a lead's value as its kind compares it; None when missing
    "categorical": read_text,
    "text": read_text,
    "numeric": read_number,
    "boolean": read_boolean,
    "date": read_datetime,
}


# --- checks against the profile -----------------------------------------------------------------


def field_kinds(profile: Profile) -> dict[str, str]:
    """Each lead field's kind; attributes are text."""
    kinds = {feature.name: feature.kind.value for feature in profile.features}
    return kinds | {attribute.name: "text" for attribute in profile.attributes}


def _problems(spec: AgreementFile, profile: Profile) -> list[str]:
    """Everything wrong with a well-formed file for this profile, one phrase each."""
    problems = _grade_problems(spec.grades)
    letters = _letters(spec.grades) if not problems else ()
    if letters:
        problems += _label_problems(spec.labels, letters) + _follow_up_problems(spec.follow_up_hours, letters)
    problems += _duplicate_ids(spec.rules)
    kinds = field_kinds(profile)
    for rule in spec.rules:
        problems += [f"rule {rule.id!r}: {p}" for p in _rule_problems(rule, kinds, letters, profile.name)]
    return problems


def _grade_problems(grades: Mapping[str, float]) -> list[str]:
    if not grades:
        return ["grades: at least one grade bound is needed, e.g. {A: 0.5, B: 0.25, C: 0.1}"]
    expected = [chr(ord("A") + i) for i in range(len(grades))]
    if sorted(grades) != expected:
        return [f"grades: the grades must be {', '.join(expected)}, got {', '.join(sorted(grades))}"]
    problems = [
        f"grades: {letter} = {bound!r} is not a probability strictly between 0 and 1"
        for letter, bound in sorted(grades.items())
        if not 0.0 < bound < 1.0
    ]
    for upper, lower in zip(expected, expected[1:], strict=False):
        if not grades[upper] > grades[lower]:
            problems.append(
                f"grades: {lower} ({grades[lower]!r}) must be below {upper} ({grades[upper]!r}); "
                f"bounds must fall from A to {expected[-1]}"
            )
    return problems


def _letters(grades: Mapping[str, float]) -> tuple[str, ...]:
    """Grade letters best first, with the bottom grade (below the last bound) at the end."""
    ordered = sorted(grades)
    return (*ordered, chr(ord(ordered[-1]) + 1))


def _label_problems(labels: Mapping[str, str], letters: Sequence[str]) -> list[str]:
    known = ", ".join(letters)
    problems = [f"labels: {g!r} is not a grade (grades are {known})" for g in labels if g not in letters]
    problems += [f"labels: grade {g!r} has no label" for g in letters if g not in labels]
    problems += [f"labels: grade {g!r} has an empty label" for g, text in labels.items() if not text.strip()]
    return problems


def _follow_up_problems(hours: Mapping[str, float], letters: Sequence[str]) -> list[str]:
    known = ", ".join(letters)
    return [f"follow_up_hours: {g!r} is not a grade (grades are {known})" for g in hours if g not in letters]


def _duplicate_ids(rules: Sequence[Rule]) -> list[str]:
    positions: dict[str, list[int]] = {}
    for number, rule in enumerate(rules, start=1):
        positions.setdefault(rule.id, []).append(number)
    return [
        f"rule {rule_id!r}: the id is used by more than one rule (rules {', '.join(map(str, found))})"
        for rule_id, found in positions.items()
        if len(found) > 1
    ]


def _rule_problems(rule: Rule, kinds: Mapping[str, str], letters: Sequence[str], profile: str) -> list[str]:
    problems = [p for leaf in _rule_leaves(rule) for p in _leaf_problems(leaf, kinds, profile)]
    if isinstance(rule.then, Require):
        unknown = [name for name in rule.then.require if name not in kinds]
        problems += [f"require: {_unknown_field(name, kinds, profile)}" for name in unknown]
    moved = _moved_to(rule.then)
    if moved is not None and letters and moved[1] not in letters:
        problems.append(f"{moved[0]} {moved[1]!r} is not a grade (grades are {', '.join(letters)})")
    return problems


def _moved_to(then: Any) -> tuple[Literal["cap", "floor"], str] | None:
    """Which way an effect moves the grade, and to which grade; None for disqualify."""
    if isinstance(then, Cap | Require):
        return "cap", then.cap
    return ("floor", then.floor) if isinstance(then, Floor) else None


def _unknown_field(field: str, kinds: Mapping[str, str], profile: str) -> str:
    close = difflib.get_close_matches(field, list(kinds), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"field {field!r} is not a lead field of profile {profile!r}{hint}"


def _leaf_problems(leaf: Leaf, kinds: Mapping[str, str], profile: str) -> list[str]:
    kind = kinds.get(leaf.field)
    if kind is None:
        return [_unknown_field(leaf.field, kinds, profile)]
    if leaf.op not in _FITS[kind]:
        fits = ", ".join(op for op in OPERATORS if op in _FITS[kind])
        return [f"field {leaf.field!r} is {kind}: operator {leaf.op!r} does not apply to it; use {fits}"]
    if leaf.op in ("missing", "present"):
        return []
    values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
    return [f"field {leaf.field!r} is {kind}: {p}" for v in values if (p := _value_problem(kind, v))]


def _value_problem(kind: str, value: Any) -> str | None:
    """Why a rule's value cannot be compared with this kind of field, or None."""
    if kind in ("categorical", "text"):
        if isinstance(value, bool):
            return f"{value!r} is a yes/no value (YAML reads unquoted yes, no, on, off as booleans); quote it"
        if not isinstance(value, (str, int, float)):
            return f"{value!r} is not text; quote it"
    elif kind == "numeric" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return f"{value!r} is not a number (YAML reads 1e3 as text: write 1000 or 1.0e+3)"
    elif kind == "boolean" and not isinstance(value, bool):
        return f"{value!r} is not true or false"
    elif kind == "date" and (isinstance(value, (int, float)) or read_datetime(value) is None):
        return f"{value!r} is not a date (write YYYY-MM-DD)"
    if _READERS[kind](value) is None:
        return f"{value!r} is empty; to test for no value use missing: true"
    return None


# --- compiled, fast evaluation ------------------------------------------------------------------

LeadTest = Callable[[Mapping[str, Any]], bool]
FrameTest = Callable[[pd.DataFrame], np.ndarray]
ValueTest = Callable[[Any], bool]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}
_NUMPY_COMPARE: dict[str, Callable[[np.ndarray, Any], np.ndarray]] = {
    "eq": np.equal,
    "ne": np.not_equal,
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
    "in": lambda values, members: np.isin(values, np.fromiter(members, float)),
    "not_in": lambda values, members: ~np.isin(values, np.fromiter(members, float)),
}


@dataclass(frozen=True, slots=True)
class Predicate:
    """A condition compiled once: one function for a lead mapping, one for a whole frame."""

    lead: LeadTest
    frame: FrameTest


def compile_condition(condition: Leaf | AllOf | AnyOf | NotOf, kinds: Mapping[str, str]) -> Predicate:
    """Turn a validated condition into closures; nothing is parsed when a lead is graded."""
    if isinstance(condition, Leaf):
        return _compile_leaf(condition, kinds[condition.field])
    if isinstance(condition, NotOf):
        inner = compile_condition(condition.not_, kinds)
        return Predicate(lambda lead: not inner.lead(lead), lambda frame: ~inner.frame(frame))
    if isinstance(condition, AllOf):
        return _all_of(tuple(compile_condition(child, kinds) for child in condition.all_))
    return _any_of(tuple(compile_condition(child, kinds) for child in condition.any_))


def _all_of(children: tuple[Predicate, ...]) -> Predicate:
    tests = tuple(child.lead for child in children)

    def on_lead(lead: Mapping[str, Any]) -> bool:
        for test in tests:
            if not test(lead):
                return False
        return True

    return Predicate(on_lead, lambda frame: np.logical_and.reduce([child.frame(frame) for child in children]))


def _any_of(children: tuple[Predicate, ...]) -> Predicate:
    tests = tuple(child.lead for child in children)

    def on_lead(lead: Mapping[str, Any]) -> bool:
        for test in tests:
            if test(lead):
                return True
        return False

    return Predicate(on_lead, lambda frame: np.logical_or.reduce([child.frame(frame) for child in children]))


def _compile_leaf(leaf: Leaf, kind: str) -> Predicate:
    field, test = leaf.field, _value_test(leaf.op, leaf.value, kind)
    vector = _numeric_vector(leaf.op, leaf.value) if kind == "numeric" else None

    def on_frame(frame: pd.DataFrame) -> np.ndarray:
        return _frame_test(frame, field, test, vector)

    return Predicate(lambda lead: test(lead.get(field)), on_frame)


def missing_test(field: str, kind: str) -> Predicate:
    """True where the field is missing."""
    return _compile_leaf(Leaf.model_validate({"field": field, "missing": True}), kind)


def _value_test(op: str, value: Any, kind: str) -> ValueTest:
    if op == "missing":
        return is_missing
    if op == "present":
        return lambda candidate: not is_missing(candidate)
    read = _READERS[kind]
    if op in ("in", "not_in"):
        members, wanted = frozenset(map(read, value)), op == "in"

        def test_membership(candidate: Any) -> bool:
            read_value = read(candidate)
            return read_value is not None and (read_value in members) is wanted

        return test_membership
    compare, target = _COMPARE[op], read(value)

    def test(candidate: Any) -> bool:
        read_value = read(candidate)
        return read_value is not None and compare(read_value, target)

    return test


def _numeric_vector(op: str, value: Any) -> Callable[[np.ndarray], np.ndarray]:
    """The same test as _value_test on a float array, NaN being missing."""
    if op == "missing":
        return np.isnan
    if op == "present":
        return lambda values: ~np.isnan(values)
    compare = _NUMPY_COMPARE[op]
    target = tuple(map(float, value)) if op in ("in", "not_in") else float(value)

    def test(values: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return compare(values, target) & ~np.isnan(values)

    return test


def _frame_test(
    frame: pd.DataFrame, field: str, test: ValueTest, vector: Callable[[np.ndarray], np.ndarray] | None
) -> np.ndarray:
    """Apply a value test to a column; distinct values are tested once, so results match per lead."""
    if field not in frame.columns:
        return np.full(len(frame), test(None), dtype=bool)
    column = frame[field]
    if vector is not None and _is_number_dtype(column.dtype):
        return np.asarray(vector(column.to_numpy(dtype=float, na_value=np.nan)), dtype=bool)
    if column.dtype == object:  # mixed Python values: factorizing could merge True with 1
        return np.fromiter(map(test, column), dtype=bool, count=len(column))
    codes, uniques = pd.factorize(column)
    table = np.fromiter(map(test, [*uniques, None]), dtype=bool)  # code -1 (missing) picks the last
    return table[codes]


def _is_number_dtype(dtype: Any) -> bool:
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


@dataclass(frozen=True, slots=True, eq=False)
class RuleCheck:
    """One rule compiled for grading: its effect, the grade it moves to, and its tests."""

    id: str
    text: str
    effect: str  # disqualify, cap, floor or require
    summary: str
    rank: int
    when: Predicate | None
    require: tuple[str, ...]
    require_tests: tuple[Predicate, ...]

    def hit(self, lead: Mapping[str, Any]) -> tuple[str, ...] | None:
        """None when the rule does not fire, else the required fields that are missing (or ())."""
        if self.when is not None and not self.when.lead(lead):
            return None
        if not self.require:
            return ()
        missing = tuple([name for name, test in zip(self.require, self.require_tests, strict=True) if test.lead(lead)])
        return missing or None

    def hits(self, frame: pd.DataFrame) -> np.ndarray:
        """Where the rule fires, one boolean per row."""
        fired = self.when.frame(frame) if self.when is not None else np.ones(len(frame), dtype=bool)
        if self.require:
            fired = fired & np.logical_or.reduce([test.frame(frame) for test in self.require_tests])
        return fired


def _compile_rule(rule: Rule, kinds: Mapping[str, str], letters: Sequence[str]) -> RuleCheck:
    when = compile_condition(rule.when, kinds) if rule.when is not None else None
    require = rule.then.require if isinstance(rule.then, Require) else ()
    moved = _moved_to(rule.then)
    effect = rule.effect.split()[0]
    rank = letters.index(moved[1]) if moved else len(letters) - 1
    tests = tuple(missing_test(name, kinds[name]) for name in require)
    return RuleCheck(rule.id, rule.text.strip(), effect, rule.effect, rank, when, require, tests)


# --- the agreement ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Agreement:
    """A validated, compiled agreement; immutable once loaded."""

    declared_version: str
    version: str
    signed_off: SignOff
    grades: Mapping[str, float]
    labels: Mapping[str, str]
    follow_up_hours: Mapping[str, float]
    rules: tuple[Rule, ...]
    fields: tuple[str, ...]
    letters: tuple[str, ...]
    bounds: tuple[float, ...]
    checks: tuple[RuleCheck, ...]
    source: str = "<string>"

    def __repr__(self) -> str:
        return f"Agreement(version={self.version!r}, source={self.source!r}, rules={len(self.rules)})"

    @property
    def bottom(self) -> str:
        """The lowest grade: below every bound, and the grade of a disqualified lead."""
        return self.letters[-1]

    def model_rank(self, probability: float) -> int:
        """The model grade as an index into `letters` (0 is the best)."""
        if not 0.0 <= probability <= 1.0:  # NaN fails this too
            raise ValueError(f"probability {probability!r} is not between 0 and 1")
        for rank, bound in enumerate(self.bounds):
            if probability >= bound:
                return rank
        return len(self.bounds)

    def model_grade(self, probability: float) -> str:
        """The grade the agreed thresholds give this calibrated P(won), before any rule."""
        return self.letters[self.model_rank(probability)]

    def rank(self, grade: str) -> int:
        """A grade letter's index into `letters`."""
        try:
            return self.letters.index(grade)
        except ValueError:
            raise ValueError(f"unknown grade {grade!r}; grades are {', '.join(self.letters)}") from None

    def label(self, grade: str) -> str:
        """The agreed word for a grade (e.g. 'hot')."""
        self.rank(grade)
        return self.labels[grade]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view of the whole agreement."""
        return {
            "version": self.version,
            "declared_version": self.declared_version,
            "signed_off": self.signed_off.model_dump(mode="json"),
            "grades": dict(self.grades),
            "letters": list(self.letters),
            "labels": dict(self.labels),
            "follow_up_hours": dict(self.follow_up_hours),
            "rules": [_rule_dict(rule) for rule in self.rules],
            "fields": list(self.fields),
        }


def _rule_dict(rule: Rule) -> dict[str, Any]:
    view = rule.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {**view, "effect": rule.effect}


def _mentioned_fields(rules: Sequence[Rule]) -> tuple[str, ...]:
    """Every field any rule reads, in order of first mention."""
    names: dict[str, None] = {}
    for rule in rules:
        names.update((leaf.field, None) for leaf in _rule_leaves(rule))
        names.update((name, None) for name in (rule.then.require if isinstance(rule.then, Require) else ()))
    return tuple(names)


def _assemble(spec: AgreementFile, digest: str, profile: Profile, source: str) -> Agreement:
    letters, kinds, hours = _letters(spec.grades), field_kinds(profile), spec.follow_up_hours
    return Agreement(
        declared_version=spec.version,
        version=f"{spec.version}+{digest}",
        signed_off=spec.signed_off,
        grades=MappingProxyType({g: float(spec.grades[g]) for g in letters[:-1]}),
        labels=MappingProxyType({g: spec.labels[g].strip() for g in letters}),
        follow_up_hours=MappingProxyType({g: hours[g] for g in letters if g in hours}),
        rules=spec.rules,
        fields=_mentioned_fields(spec.rules),
        letters=letters,
        bounds=tuple(float(spec.grades[g]) for g in letters[:-1]),
        checks=tuple(_compile_rule(rule, kinds, letters) for rule in spec.rules),
        source=source,
    )


# --- loading ------------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """The safe loader, refusing a key given twice (YAML would silently keep the last one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)):
                continue  # an unhashable key is refused later by the schema
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice in one mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_agreement(path: str | Path, profile: Profile) -> Agreement:
    """Read, validate against the profile, and compile an agreement file."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise AgreementError(f"agreement {source}: file not found") from None
    except OSError as exc:
        raise AgreementError(f"agreement {source}: cannot be read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AgreementError(f"agreement {source}: not UTF-8 text (byte {exc.start})") from None
    return _build(text, _digest(data), profile, source)


def parse_agreement(text: str, profile: Profile, source: str = "<string>") -> Agreement:
    """Validate and compile an agreement given as YAML text."""
    return _build(text, _digest(text.encode("utf-8")), profile, source)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:8]


def _build(text: str, digest: str, profile: Profile, source: str) -> Agreement:
    raw = _read_yaml(text, source)
    try:
        spec = AgreementFile.model_validate(raw)
    except ValidationError as exc:
        raise AgreementError(f"agreement {source}: {_describe(exc, raw)}") from None
    problems = _problems(spec, profile)
    if problems:
        raise AgreementError(f"agreement {source}: {'; '.join(problems)}")
    return _assemble(spec, digest, profile, source)


def _read_yaml(text: str, source: str) -> dict[str, Any]:
    try:
        raw = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.constructor.ConstructorError as exc:
        # this is where a !!python/object tag ends up: the safe loader knows no such constructor
        raise AgreementError(f"agreement {source}: refused: {_one_line(exc)}") from None
    except yaml.YAMLError as exc:
        raise AgreementError(f"agreement {source}: not valid YAML: {_one_line(exc)}") from None
    if not isinstance(raw, dict):
        got = "an empty file" if raw is None else type(raw).__name__
        raise AgreementError(f"agreement {source}: expected a mapping at the top level, got {got}")
    return raw


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _describe(exc: ValidationError, raw: Mapping[str, Any]) -> str:
    """One phrase per problem, naming the rule by its id and the place inside it."""
    return "; ".join(_describe_error(error, raw) for error in exc.errors())


def _describe_error(error: Any, raw: Mapping[str, Any]) -> str:
    loc = [part for part in error["loc"] if not (isinstance(part, str) and part.startswith("{"))]
    prefix = ""
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        prefix, loc = f"rule {_rule_name(raw, loc[1])}: ", loc[2:]
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] in ("condition", "effect"):
        message += f", got {_short(error['input'])}"
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")
    return f"{prefix}{where}: {message}" if where else f"{prefix}{message}"


def _rule_name(raw: Mapping[str, Any], index: int) -> str:
    rules = raw.get("rules")
    rule = rules[index] if isinstance(rules, list) and index < len(rules) else None
    rule_id = rule.get("id") if isinstance(rule, dict) else None
    return repr(rule_id) if isinstance(rule_id, str) else f"#{index + 1}"


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
