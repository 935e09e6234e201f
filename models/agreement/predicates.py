"""Rules compiled once into closures: one test for a lead mapping, one for a whole frame.

Every comparison on a missing value is False, `ne` and `not_in` included, so `{field: country, ne: US}`
does not fire on a lead without a country; only `missing` is True (and `present` False). The frame test
gives, row by row, exactly what the lead test gives.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features.texts import in_language
from features.values import is_missing
from models.agreement.fields import READERS
from models.agreement.schema import AllOf, AnyCondition, Leaf, NotOf, Rule, moved_to, required

Mask = np.ndarray[Any, np.dtype[np.bool_]]
Floats = np.ndarray[Any, np.dtype[np.float64]]
LeadTest = Callable[[Mapping[str, Any]], bool]
FrameTest = Callable[[pd.DataFrame], Mask]
ValueTest = Callable[[Any], bool]
VectorTest = Callable[[Floats], Mask]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}
_NUMPY_COMPARE: dict[str, Callable[[Floats, Any], Mask]] = {
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


def compile_condition(condition: AnyCondition, kinds: Mapping[str, str]) -> Predicate:
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

    def on_frame(frame: pd.DataFrame) -> Mask:
        fired: Mask = np.logical_and.reduce([child.frame(frame) for child in children])
        return fired

    return Predicate(on_lead, on_frame)


def _any_of(children: tuple[Predicate, ...]) -> Predicate:
    tests = tuple(child.lead for child in children)

    def on_lead(lead: Mapping[str, Any]) -> bool:
        for test in tests:
            if test(lead):
                return True
        return False

    def on_frame(frame: pd.DataFrame) -> Mask:
        fired: Mask = np.logical_or.reduce([child.frame(frame) for child in children])
        return fired

    return Predicate(on_lead, on_frame)


def _compile_leaf(leaf: Leaf, kind: str) -> Predicate:
    field, test = leaf.field, _value_test(leaf.op, leaf.value, kind)
    vector = _numeric_vector(leaf.op, leaf.value) if kind == "numeric" else None

    def on_frame(frame: pd.DataFrame) -> Mask:
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
    read = READERS[kind]
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


def _numeric_vector(op: str, value: Any) -> VectorTest:
    """The same test as _value_test on a float array, NaN being missing."""
    if op == "missing":
        return np.isnan
    if op == "present":
        return lambda values: ~np.isnan(values)
    compare = _NUMPY_COMPARE[op]
    target = tuple(map(float, value)) if op in ("in", "not_in") else float(value)

    def test(values: Floats) -> Mask:
        with np.errstate(invalid="ignore"):
            return compare(values, target) & ~np.isnan(values)

    return test


def _frame_test(frame: pd.DataFrame, field: str, test: ValueTest, vector: VectorTest | None) -> Mask:
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
    mask: Mask = table[codes]
    return mask


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

    def hits(self, frame: pd.DataFrame) -> Mask:
        """Where the rule fires, one boolean per row."""
        fired = self.when.frame(frame) if self.when is not None else np.ones(len(frame), dtype=bool)
        if self.require:
            fired = fired & np.logical_or.reduce([test.frame(frame) for test in self.require_tests])
        return fired


def compile_rule(rule: Rule, kinds: Mapping[str, str], letters: Sequence[str]) -> RuleCheck:
    """A validated rule as a RuleCheck; `letters` are the agreement's grades, best first."""
    when = compile_condition(rule.when, kinds) if rule.when is not None else None
    require = required(rule)
    moved = moved_to(rule.then)
    rank = letters.index(moved[1]) if moved else len(letters) - 1
    tests = tuple(missing_test(name, kinds[name]) for name in require)
    text = in_language(rule.text, "en").strip()
    return RuleCheck(rule.id, text, rule.effect.split()[0], rule.effect, rank, when, require, tests)
