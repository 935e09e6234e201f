"""Refusals of an agreement, worded for the people who wrote it: the rule by its id, the place, the problem.

These messages reach users as HTTP 422 bodies, so everything quoted from the file is cut while it is
written (a bounded repr) and escaped (a lone surrogate in a key must not break the JSON answer).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from features.values import bounded_repr
from models.agreement.limits import rule_name

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")  # a key shown as it is; any other is quoted and cut
_MAX_PROBLEMS = 20  # a file wrong everywhere gets the first 20 problems, not a page per condition


class AgreementError(ValueError):
    """An agreement file that cannot be used: names the file, the rule, the field and the problem."""


def refusal(source: str, problems: list[str]) -> AgreementError:
    """One error for a file's problems, the first few of them when there are many."""
    shown = problems[:_MAX_PROBLEMS]
    more = len(problems) - len(shown)
    tail = f"; and {more} more problems" if more else ""
    return AgreementError(f"agreement {source}: {'; '.join(shown)}{tail}")


def describe(exc: ValidationError, raw: Mapping[str, Any]) -> list[str]:
    """One phrase per schema problem, naming the rule by its id and the place inside it."""
    return [_describe_error(error, raw) for error in exc.errors(include_url=False)]


def _describe_error(error: ErrorDetails, raw: Mapping[str, Any]) -> str:
    loc = [part for part in error["loc"] if not (isinstance(part, str) and part.startswith("{"))]
    prefix = ""
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        prefix, loc = f"rule {_rule_at(raw, loc[1])}: ", loc[2:]
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] in ("condition", "effect"):
        message += f", got {bounded_repr(error['input'])}"
    where = "".join(_place(part) for part in loc).lstrip(".")
    return f"{prefix}{where}: {message}" if where else f"{prefix}{message}"


def _place(part: str | int) -> str:
    if isinstance(part, int):
        return f"[{part}]"
    return f".{part}" if _PLAIN_KEY.fullmatch(part) else f"[{bounded_repr(part)}]"


def _rule_at(raw: Mapping[str, Any], index: int) -> str:
    rules = raw.get("rules")
    return rule_name(rules[index] if isinstance(rules, list) and index < len(rules) else None, index + 1)
