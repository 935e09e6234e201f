"""The bounds of an agreement, and the walk that checks its shape before anything recurses into it.

A proposal comes from a person with a key and is parsed by a shared service, so it is bounded the way a
request body is: in bytes, in YAML nodes and aliases, in rules, in conditions and in nesting. The shape
is checked on the data YAML gives, before pydantic, the compiler or the serialiser walk the condition
tree recursively: a `not` nested 250 deep is refused here, by an iterative walk, with the rule's id.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from features.values import bounded_repr

MAX_BYTES = 256 * 1024  # the YAML text; the demo agreement is 3 KiB
MAX_MERGE_DEPTH = 20  # YAML merge keys (<<) inside merged mappings
MAX_ALIASES = 100  # YAML alias uses (*name); an agreement needs none
MAX_NODES = 20_000  # YAML nodes once aliases are expanded; the demo has 166, 200 full rules ~8,000
MAX_RULES = 200
MAX_CONDITIONS = 1_000  # leaves and all/any/not in the whole file
MAX_DEPTH = 32  # levels of conditions: a leaf alone is one level, {not: leaf} two
MAX_GRADES = 25  # grade bounds A to Y; the grade below the last bound is the next letter
MAX_HOURS = 8_760.0  # a follow-up promise of at most a year

MAX_RULE_TEXT = 1_000
MAX_LABEL = 60
MAX_VERSION = 64
MAX_RULE_ID = 64
MAX_NAME = 100  # a signer's name
MAX_FIELD = 200  # a field name in a rule
MAX_VALUE = 200  # a text a field is compared with

_COMBINATORS = ("all", "any", "not")


def shape_problems(raw: Mapping[str, Any]) -> list[str]:
    """Rules, conditions or nesting past the bounds, one phrase each; [] when within them."""
    rules = raw.get("rules")
    if not isinstance(rules, list):
        return []  # the schema says what is wrong with it
    if len(rules) > MAX_RULES:
        return [f"rules: {len(rules)} rules; an agreement holds at most {MAX_RULES} rules"]
    problems: list[str] = []
    total = 0
    for number, rule in enumerate(rules, start=1):
        when = rule.get("when") if isinstance(rule, dict) else None
        if when is None:
            continue  # a require rule may apply to every lead
        name, count = rule_name(rule, number), 0
        for count, depth in _walk(when):
            if depth > MAX_DEPTH:
                problems.append(f"rule {name}: when: conditions nested more than {MAX_DEPTH} levels deep; "
                                f"at most {MAX_DEPTH} levels")
                break
            if total + count > MAX_CONDITIONS:
                return [*problems, f"rule {name}: when: the file passes {MAX_CONDITIONS} conditions here "
                                   f"(leaves and all/any/not); at most {MAX_CONDITIONS} in the whole file"]
        total += count
    return problems


def _walk(condition: Any) -> Iterator[tuple[int, int]]:
    """(conditions seen so far, depth of the latest) for each condition of a raw tree, depth first."""
    stack, count = [(condition, 1)], 0
    while stack:
        node, depth = stack.pop()
        count += 1  # an item of all/any that is not a mapping counts too: it is meant as a condition
        yield count, depth
        if not isinstance(node, dict):
            continue  # the schema refuses it without descending
        for key in _COMBINATORS:
            children = node.get(key)
            if isinstance(children, list):
                stack.extend((child, depth + 1) for child in reversed(children))
            elif isinstance(children, dict):
                stack.append((children, depth + 1))


def rule_name(rule: Any, number: int) -> str:
    """How a message names a raw rule: its quoted id when it has one, else its position (#3)."""
    rule_id = rule.get("id") if isinstance(rule, dict) else None
    return bounded_repr(rule_id) if isinstance(rule_id, str) else f"#{number}"
