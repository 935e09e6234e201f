"""A profile mapping written as YAML, each line with the evidence it rests on as a comment beside it."""

from __future__ import annotations

import textwrap
from typing import Any

import yaml

HEADER = """\
# Drafted by `leadscore profile draft` from {source}: a starting point, not a finished profile.
# The comment beside each line is the evidence it rests on. Read them, then edit freely: drafting again
# on a newer export (with --out pointing at this file) keeps your edits and reports new columns and
# vanished values."""
COLUMN_LISTS = ("features", "attributes", "known_after_outcome")
ORDER = ("name", "description", "model_name", "source", "id", "outcome", "time", *COLUMN_LISTS)


def render(profile: dict[str, Any], notes: dict[str, str], source: str) -> str:
    """The YAML text: sections in the usual order, notes as comments, anything else the user added last."""
    lines = HEADER.format(source=source).splitlines()
    keys = [k for k in ORDER if k in profile] + [k for k in profile if k not in ORDER]
    for key in keys:
        value = profile[key]
        if key in COLUMN_LISTS:
            lines += [f"{key}:", *_items(value, notes, "name" if key != "known_after_outcome" else "column", "  ")]
        elif key == "source":
            lines += ["source:", *_source(value, notes)]
        elif isinstance(value, dict):
            lines += [*_comment(notes.get(key)), f"{key}:", *_block(value, "  ")]
        else:
            lines.append(_note(f"{key}: {flow(value)}", notes.get(key)))
    return "\n".join(lines) + "\n"


def flow(value: Any) -> str:
    """One value in YAML flow style, quoted where YAML needs it."""
    text: str = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**9, sort_keys=False)
    return text.removesuffix("\n...\n").strip()


def _source(source: dict[str, Any], notes: dict[str, str]) -> list[str]:
    lines = []
    for key, value in source.items():
        if key == "joins":
            lines += ["  joins:", *_items(value, notes, "path", "    ", prefix="join:")]
        elif key == "drop_columns":
            lines += ["  drop_columns:", *(_note(f"    - {flow(c)}", notes.get(f"drop:{c}")) for c in value)]
        else:
            lines.append(_note(f"  {key}: {flow(value)}", notes.get(f"source.{key}")))
    return lines


def _items(items: list[dict[str, Any]], notes: dict[str, str], key: str, indent: str,
           prefix: str = "column:") -> list[str]:
    return [_note(f"{indent}- {flow(item)}", notes.get(f"{prefix}{item.get(key)}")) for item in items] or \
        [f"{indent}[]"]


def _block(mapping: dict[str, Any], indent: str) -> list[str]:
    return [f"{indent}{flow(key)}: {flow(value)}" for key, value in mapping.items()]


def _note(line: str, note: str | None) -> str:
    return f"{line}  # {note}" if note else line


def _comment(note: str | None) -> list[str]:
    return [f"# {part}" for part in textwrap.wrap(note, 110)] if note else []
