"""Checks of a well-formed agreement file against a dataset profile: grades, labels, fields and values."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from features.profile import Profile
from features.values import bounded_repr, read_datetime
from models.agreement.fields import FITS, READERS, field_kinds
from models.agreement.limits import MAX_GRADES
from models.agreement.schema import OPERATORS, AgreementFile, Leaf, Require, Rule, moved_to, rule_leaves

_PLAIN = re.compile(r"[A-Za-z0-9]{1,8}")  # a grade key shown as written; any other is quoted and cut


def problems(spec: AgreementFile, profile: Profile) -> list[str]:
    """Everything wrong with a well-formed file for this profile, one phrase each."""
    found = _grade_problems(spec.grades)
    letters = grade_letters(spec.grades) if not found else ()
    if letters:
        found += _label_problems(spec.labels, letters) + _follow_up_problems(spec.follow_up_hours, letters)
    found += _duplicate_ids(spec.rules)
    kinds = field_kinds(profile)
    for rule in spec.rules:
        found += [f"rule {rule.id!r}: {p}" for p in _rule_problems(rule, kinds, letters, profile.name)]
    return found


def grade_letters(grades: Mapping[str, float]) -> tuple[str, ...]:
    """Grade letters best first, with the bottom grade (below the last bound) at the end."""
    ordered = sorted(grades)
    return (*ordered, chr(ord(ordered[-1]) + 1))


def _grade_problems(grades: Mapping[str, float]) -> list[str]:
    if not grades:
        return ["grades: at least one grade bound is needed, e.g. {A: 0.5, B: 0.25, C: 0.1}"]
    if len(grades) > MAX_GRADES:
        return [f"grades: {len(grades)} grade bounds; at most {MAX_GRADES} (A to Y, below them Z)"]
    expected = [chr(ord("A") + i) for i in range(len(grades))]
    if sorted(grades) != expected:
        got = ", ".join(key if _PLAIN.fullmatch(key) else bounded_repr(key) for key in sorted(grades))
        return [f"grades: the grades must be {', '.join(expected)}, got {got}"]
    found = [
        f"grades: {letter} = {bound!r} is not a probability strictly between 0 and 1"
        for letter, bound in sorted(grades.items())
        if not 0.0 < bound < 1.0
    ]
    for upper, lower in zip(expected, expected[1:], strict=False):
        if not grades[upper] > grades[lower]:
            found.append(
                f"grades: {lower} ({grades[lower]!r}) must be below {upper} ({grades[upper]!r}); "
                f"bounds must fall from A to {expected[-1]}"
            )
    return found


def _label_problems(labels: Mapping[str, Any], letters: Sequence[str]) -> list[str]:
    known = ", ".join(letters)
    found = [f"labels: {bounded_repr(g)} is not a grade (grades are {known})" for g in labels if g not in letters]
    found += [f"labels: grade {g!r} has no label" for g in letters if g not in labels]
    found += [f"labels: grade {g!r} has an empty label" for g, text in labels.items()
              if g in letters and not all(t.strip() for t in ([text] if isinstance(text, str) else text.values()))]
    return found


def _follow_up_problems(hours: Mapping[str, float], letters: Sequence[str]) -> list[str]:
    known = ", ".join(letters)
    return [f"follow_up_hours: {bounded_repr(g)} is not a grade (grades are {known})"
            for g in hours if g not in letters]


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
    found = [p for leaf in rule_leaves(rule) for p in _leaf_problems(leaf, kinds, profile)]
    if isinstance(rule.then, Require):
        unknown = [name for name in rule.then.require if name not in kinds]
        found += [f"require: {_unknown_field(name, kinds, profile)}" for name in unknown]
    moved = moved_to(rule.then)
    if moved is not None and letters and moved[1] not in letters:
        found.append(f"{moved[0]} {bounded_repr(moved[1])} is not a grade (grades are {', '.join(letters)})")
    return found


def _unknown_field(field: str, kinds: Mapping[str, str], profile: str) -> str:
    close = difflib.get_close_matches(field, list(kinds), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"field {field!r} is not a lead field of profile {profile!r}{hint}"


def _leaf_problems(leaf: Leaf, kinds: Mapping[str, str], profile: str) -> list[str]:
    kind = kinds.get(leaf.field)
    if kind is None:
        return [_unknown_field(leaf.field, kinds, profile)]
    if leaf.op not in FITS[kind]:
        fits = ", ".join(op for op in OPERATORS if op in FITS[kind])
        return [f"field {leaf.field!r} is {kind}: operator {leaf.op!r} does not apply to it; use {fits}"]
    if leaf.op in ("missing", "present"):
        return []
    values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
    return [f"field {leaf.field!r} is {kind}: {p}" for v in values if (p := _value_problem(kind, v))]


def _value_problem(kind: str, value: Any) -> str | None:
    """Why a rule's value cannot be compared with this kind of field, or None."""
    shown = bounded_repr(value)
    if kind in ("categorical", "text"):
        if isinstance(value, bool):
            return f"{shown} is a yes/no value (YAML reads unquoted yes, no, on, off as booleans); quote it"
        if not isinstance(value, (str, int, float)):
            return f"{shown} is not text; quote it"
    elif kind == "numeric" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return f"{shown} is not a number (YAML reads 1e3 as text: write 1000 or 1.0e+3)"
    elif kind == "boolean" and not isinstance(value, bool):
        return f"{shown} is not true or false"
    elif kind == "date" and (isinstance(value, (int, float)) or read_datetime(value) is None):
        return f"{shown} is not a date (write YYYY-MM-DD)"
    if READERS[kind](value) is None:
        return f"{shown} is empty; to test for no value use missing: true"
    return None
