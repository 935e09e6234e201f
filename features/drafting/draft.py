"""A dataset profile drafted from a raw CRM export: roles, kinds, refusals and labels, each with its evidence."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import ValidationError

from features.drafting.columns import describe, missing_markers
from features.drafting.fields import place
from features.drafting.merging import merge
from features.drafting.outcome import MATCHED, OutcomeDraft, draft_outcome
from features.drafting.reading import DraftError, Export, JoinSpec, join_exports, read_export
from features.drafting.roles import Identity, identify, personal_reason
from features.drafting.writing import render
from features.profile import Profile, ProfileError, describe_errors
from features.source import HistoryError, load_history


@dataclass(frozen=True)
class Request:
    """What to draft from: a file or an SQL table, its joins, and what the user named."""

    path: Path | None = None
    url: str | None = None
    table: str | None = None
    joins: list[JoinSpec] = field(default_factory=list)
    outcome: str | None = None
    id: str | None = None
    encoding: str | None = None
    out: Path | None = None


@dataclass(frozen=True)
class Draft:
    """The drafted profile as a mapping, its evidence notes, and the lines to tell the user."""

    profile: dict[str, Any]
    notes: dict[str, str]
    report: list[str]
    source: str
    columns: list[str] = field(default_factory=list)  # every column of the export, joins included
    levels: dict[str, set[str]] = field(default_factory=dict)  # each text column's values

    @property
    def text(self) -> str:
        return render(self.profile, self.notes, self.source)


def draft_profile(request: Request) -> Draft:
    """Read the export, infer every section, and check that the result loads as a trainable history."""
    return check(_inferred(request), request.out)


def _inferred(request: Request) -> Draft:
    """The draft as inferred, not yet checked against its own export."""
    leads = _read(request)
    frame, joins = join_exports(leads, request.joins, request.encoding)
    markers = missing_markers(frame)
    frame = frame.mask(frame.isin(markers)) if markers else frame
    columns = describe(frame)
    personal = {n: r for n, c in columns.items() if (r := personal_reason(c, frame[n])) is not None}
    named = {request.outcome} if request.outcome and not request.outcome.startswith(MATCHED) else set()
    identity = identify(frame, columns, set(personal), named, request.id)
    outcome = draft_outcome(frame, columns, request.outcome, joins, identity.created)
    taken = {identity.id, outcome.spec["column"], identity.time.get("column", "")}
    placement = place(frame, columns, outcome.labels, _order(frame, identity), personal, taken, identity.created)
    if not placement.features:
        raise DraftError("no column is left to learn from: every one is the id, the outcome, the time, personal "
                         "or refused (see the refusals with --out)")
    draft = _assemble(request, leads, joins, markers, identity, outcome, placement)
    levels = {n: set(frame[n].dropna().astype(str)) for n, c in columns.items() if c.kind == "categorical"}
    return replace(draft, columns=list(map(str, frame.columns)), levels=levels)


def redraft(request: Request) -> Draft:
    """A draft, or, when `request.out` holds a profile already, that profile kept with the export's news."""
    if request.out is None or not request.out.exists():
        return draft_profile(request)
    user = _existing(request.out)
    lead_id = request.id or (None if (user.get("source") or {}).get("row_id") else user.get("id"))
    outcome = request.outcome or (user.get("outcome") or {}).get("column")
    # Only the merged profile is checked (loading the export once): it is what gets written.
    draft = _inferred(replace(request, id=lead_id, outcome=outcome))
    merged, changes = merge(user, draft.profile, draft.columns, draft.levels)
    report = [f"kept your edits in {request.out}", *(changes or ["no new columns and no vanished values"])]
    return check(Draft(merged, draft.notes, report, draft.source, draft.columns, draft.levels), request.out)


def _existing(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DraftError(f"{path}: the profile to keep cannot be read ({exc}); move it aside to draft anew") from None
    if not isinstance(raw, dict):
        raise DraftError(f"{path}: not a profile (expected a mapping at the top level)")
    return raw


def _read(request: Request) -> Export:
    if request.url is not None:
        return _read_sql(request.url, request.table or "")
    if request.path is None:
        raise DraftError("give the export's path, or --url and --table")
    return read_export(request.path, request.encoding)


def _read_sql(url: str, table: str) -> Export:
    import sqlalchemy as sa

    if not table:
        raise DraftError("--url needs --table: the table to draft from")
    try:
        engine = sa.create_engine(url)
    except sa.exc.ArgumentError:
        raise DraftError(f"--url {url!r} is not an SQLAlchemy URL") from None
    try:
        with engine.connect() as connection:
            frame = pd.read_sql_table(table, connection)
    except (sa.exc.SQLAlchemyError, ValueError) as exc:
        raise DraftError(f"table {table!r} at {engine.url.render_as_string(hide_password=True)}: cannot be read: "
                         f"{exc.__class__.__name__}: {exc}") from None
    finally:
        engine.dispose()
    if frame.empty:
        raise DraftError(f"table {table!r}: no rows")
    return Export(frame, f"{url} table {table}")


def _order(frame: pd.DataFrame, identity: Identity) -> pd.Series:
    if identity.created is not None:
        stamps: pd.Series = (identity.created - pd.Timestamp(0)).dt.total_seconds()
        return stamps
    column = identity.time["column"]
    if column in frame.columns:
        numbers: pd.Series = pd.to_numeric(frame[column], errors="coerce")
        return numbers
    return pd.Series(np.arange(len(frame), dtype="float64"))


def _assemble(request: Request, leads: Export, joins: list[dict[str, Any]], markers: list[str], identity: Identity,
              outcome: OutcomeDraft, placement: Any) -> Draft:
    base = request.out.resolve().parent if request.out else None
    source: dict[str, Any] = ({"url": request.url, "table": request.table} if request.url else
                              {"path": _relative(Path(leads.path), base)})
    notes: dict[str, str] = {}
    if leads.read:
        source["read"] = leads.read
        notes["source.read"] = "; ".join(leads.notes) or "how the file is written"
    if markers:
        source["missing_values"] = markers
        notes["source.missing_values"] = "placeholders the export writes for no answer"
    if identity.row_id:
        source["row_id"] = True
        notes["source.row_id"] = identity.id_evidence
    if identity.position_column:
        source["position_column"] = identity.position_column
        notes["source.position_column"] = identity.time_evidence
    if joins:
        source["joins"] = [{**j["entry"], "path": _relative(Path(j["entry"]["path"]), base)} for j in joins]
        notes.update({f"join:{entry['path']}": _join_note(j) for entry, j in zip(source["joins"], joins, strict=True)})
    if placement.dropped:
        source["drop_columns"] = [name for name, _ in placement.dropped]
        notes.update({f"drop:{name}": why for name, why in placement.dropped})
    profile: dict[str, Any] = {"name": _slug(Path(leads.path).stem if request.path else request.table or "crm"),
                               "description": f"Drafted from {Path(leads.path).name if request.path else leads.path}.",
                               "source": source, "id": identity.id, "outcome": outcome.spec, "time": identity.time}
    notes.update({"id": identity.id_evidence if not identity.row_id else "", "outcome": outcome.evidence,
                  "time": identity.time_evidence})
    profile["features"] = [spec for spec, _ in placement.features]
    notes.update({f"column:{spec['name']}": why for spec, why in placement.features})
    if placement.attributes:
        profile["attributes"] = [spec for spec, _ in placement.attributes]
        notes.update({f"column:{spec['name']}": why for spec, why in placement.attributes})
    if placement.after_outcome:
        profile["known_after_outcome"] = placement.after_outcome
    return Draft(profile, notes, _report(identity, outcome, placement, joins), leads.path)


def _join_note(join: dict[str, Any]) -> str:
    note = f"{join['matched_share']:.0%} of leads matched"
    if join["respelt"]:
        note += "; keys spelt differently taken as the table's: " + ", ".join(
            f"{lead!r} as {key!r}" for lead, key in join["respelt"].items())
    if join["unmatched"]:
        note += f"; keys with no row in the table: {', '.join(join['unmatched'])}"
    if join["repeated"]:
        note += f"; {join['repeated']:,} rows repeat a key: the first row per key is kept"
    return note


def _report(identity: Identity, outcome: OutcomeDraft, placement: Any, joins: list[dict[str, Any]]) -> list[str]:
    lines = [f"id: {identity.id} ({identity.id_evidence})", f"outcome: {outcome.spec['column']} ({outcome.evidence})",
             f"time: {identity.time['column']} ({identity.time_evidence})",
             f"{len(placement.features)} features, {len(placement.attributes)} personal attributes, "
             f"{len(placement.after_outcome)} refused as known after the outcome, {len(placement.dropped)} left out"]
    lines += [f"refused: {r['column']}: {r['reason']}" for r in placement.after_outcome]
    lines += [f"join {Path(j['entry']['path']).name} on {j['entry']['on']}: {_join_note(j)}" for j in joins]
    if outcome.others:
        lines.append(f"other outcome candidates: {'; '.join(outcome.others)}")
    return lines


def check(draft: Draft, out: Path | None) -> Draft:
    """Refuse a draft that does not validate or load: nothing is written for it."""
    text = draft.text
    raw = yaml.safe_load(text)
    base = out.resolve().parent if out else Path.cwd()
    try:
        profile = Profile.model_validate({**raw, "base_dir": base})
    except ValidationError as exc:
        raise DraftError(f"the draft does not validate: {describe_errors(exc)}") from None
    try:
        history = load_history(profile)
    except (HistoryError, ProfileError) as exc:
        raise DraftError(f"the draft does not load its own export: {exc}") from None
    closed = history.closed
    won = int(closed.won.sum())
    draft.report.append(f"loads {len(history.frame):,} leads: {won:,} won, {len(closed.won) - won:,} lost, "
                        f"{len(history.open):,} open")
    return draft


def _relative(path: Path, base: Path | None) -> str:
    if base is None:
        return str(path.resolve())
    return os.path.relpath(path.resolve(), base)


def _slug(stem: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-_") or "crm"
