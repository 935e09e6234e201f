"""Drafting again on a newer export: the user's profile is kept, new columns are added, vanished ones reported."""

from __future__ import annotations

import copy
from typing import Any

SECTIONS = {"features": "name", "attributes": "name", "known_after_outcome": "column"}


def mentioned(profile: dict[str, Any]) -> set[str]:
    """Every export column the profile already places somewhere (so it is not new)."""
    names = {str(item.get(key)) for section, key in SECTIONS.items() for item in profile.get(section) or []}
    source = profile.get("source") or {}
    names |= {str(c) for c in source.get("drop_columns") or []}
    names |= {str(j.get("on")) for j in source.get("joins") or []}
    time = profile.get("time") or {}
    sequence = time.get("month_sequence") or {}
    names |= {str(v) for v in (profile.get("id"), (profile.get("outcome") or {}).get("column"), time.get("column"),
                               sequence.get("month_column"), sequence.get("day_column")) if v}
    return names


def generated(profile: dict[str, Any]) -> set[str]:
    """Columns the profile makes itself (row ids, file positions, join matches): never in an export."""
    source = profile.get("source") or {}
    names = {str(j["matched"]) for j in source.get("joins") or [] if j.get("matched")}
    if source.get("row_id"):
        names.add(str(profile.get("id")))
    if source.get("position_column"):
        names.add(str(source["position_column"]))
    return names


def merge(user: dict[str, Any], draft: dict[str, Any], columns: list[str],
          levels: dict[str, set[str]]) -> tuple[dict[str, Any], list[str]]:
    """The user's profile with the draft's placement of new columns; what changed, one line each."""
    merged = copy.deepcopy(user)
    report = _new_columns(merged, draft, [c for c in columns if c not in mentioned(user)])
    report += _vanished_columns(merged, set(columns) | generated(user))
    report += _values(merged, draft, levels)
    return merged, report


def _new_columns(merged: dict[str, Any], draft: dict[str, Any], new: list[str]) -> list[str]:
    report = []
    for column in new:
        section, item = _placement(draft, column)
        if section == "drop_columns":
            merged.setdefault("source", {}).setdefault("drop_columns", []).append(column)
        elif section is not None:
            merged.setdefault(section, []).append(item)
        where = {"features": "a feature", "attributes": "a personal attribute", "drop_columns": "left out",
                 "known_after_outcome": "refused as known after the outcome"}.get(section or "", "not placed")
        report.append(f"new column '{column}': {where}")
    return report


def _placement(draft: dict[str, Any], column: str) -> tuple[str | None, Any]:
    for section, key in SECTIONS.items():
        for item in draft.get(section) or []:
            if item.get(key) == column:
                return section, item
    if column in ((draft.get("source") or {}).get("drop_columns") or []):
        return "drop_columns", column
    return None, None


def _vanished_columns(merged: dict[str, Any], present: set[str]) -> list[str]:
    report = []
    for section, key in SECTIONS.items():
        kept = []
        for item in merged.get(section) or []:
            if str(item.get(key)) in present:
                kept.append(item)
            else:
                report.append(f"column '{item.get(key)}' is no longer in the export: removed from {section}")
        if section in merged:
            merged[section] = kept
    source = merged.get("source") or {}
    if source.get("drop_columns"):
        source["drop_columns"] = [c for c in source["drop_columns"] if str(c) in present]
    return report


def _values(merged: dict[str, Any], draft: dict[str, Any], levels: dict[str, set[str]]) -> list[str]:
    report = []
    drafted = {item["name"]: item.get("values") or {} for item in draft.get("features") or []}
    for feature in merged.get("features") or []:
        name = feature.get("name")
        labels = dict(feature.get("values") or {})
        gone = sorted(code for code in labels if name in levels and str(code) not in levels[name])
        if gone:
            report.append(f"'{name}': values no longer in the export: {', '.join(map(str, gone))} (labels kept)")
        added = {code: label for code, label in drafted.get(name, {}).items() if code not in labels}
        if added:
            feature["values"] = {**labels, **added}
            report.append(f"'{name}': new values labelled: {', '.join(added)}")
    return report
