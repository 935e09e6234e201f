"""History loading: read a profile's source, check it, and return typed leads with their outcome."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from features.calendar import CalendarError, month_sequence_dates
from features.profile import Join, Outcome, Profile, Source, expand_env
from features.values import ValueProblem, coerce_series, is_missing

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

WON, LOST = 1.0, 0.0


class HistoryError(ValueError):
    """History that cannot be trained on, naming the column or value at fault."""


@dataclass(frozen=True)
class History:
    """Leads in time order with their typed fields, outcome (1 won, 0 lost, NaN open) and time."""

    frame: pd.DataFrame
    won: np.ndarray
    time: pd.Series
    in_time_order: bool = True

    @property
    def closed(self) -> History:
        """Only the leads with a known outcome."""
        mask = ~np.isnan(self.won)
        return History(self.frame[mask], self.won[mask], self.time[mask], self.in_time_order)

    @property
    def open(self) -> pd.DataFrame:
        """Leads still open: the live set to score."""
        live: pd.DataFrame = self.frame[np.isnan(self.won)]
        return live


def load_history(profile: Profile, data: str | Path | None = None) -> History:
    """Read, join, check and type a profile's history; `data` overrides the source path.

    Open leads may lack a lead time (e.g. a deal still prospecting has no engage date): they are never
    trained on, only scored, so they load with a missing time and sort last.
    """
    raw = with_row_id(read_source(profile, data), profile)
    raw = prepare(raw, profile)
    check_columns(raw, profile)
    frame = type_fields(raw, profile)
    won = outcome_labels(raw[profile.outcome.column], profile.outcome)
    time = lead_time(raw, profile, open_leads=np.isnan(won))
    won = lost_with_age(won, time, profile.outcome.lost_after_days)
    order = np.argsort(time.to_numpy(), kind="stable")
    frame, time = frame.iloc[order].reset_index(drop=True), time.iloc[order].reset_index(drop=True)
    return History(frame, won[order], time, in_time_order=bool((np.diff(order) > 0).all()))


def read_source(profile: Profile, data: str | Path | None = None) -> pd.DataFrame:
    """The raw table: a CSV or Parquet file, or an SQL table or query."""
    source = profile.source
    if source.url is not None and data is None:
        return _read_sql(source, sql_url(profile))
    path = Path(data) if data is not None else profile.resolve(source.path or "")
    frame = read_table(path, source.read)
    if frame.empty:
        raise HistoryError(f"history {path}: the file has no rows")
    return frame


def read_table(path: Path, options: dict[str, Any]) -> pd.DataFrame:
    """Read CSV or Parquet by suffix, with the profile's read options."""
    if not path.exists():
        raise HistoryError(f"history {path}: file not found")
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        frame: pd.DataFrame = pd.read_csv(path, **{"low_memory": False, **options})
        return frame
    except pd.errors.EmptyDataError:
        raise HistoryError(f"history {path}: the file is empty") from None
    except (ValueError, OSError) as exc:
        raise HistoryError(f"history {path}: cannot be read: {exc}") from None


def sql_url(profile: Profile) -> URL:
    """The source's SQLAlchemy URL, environment expanded; a relative SQLite file is relative to the profile."""
    import sqlalchemy as sa

    text = expand_env(profile.source.url or "")
    try:
        url = sa.make_url(text)
    except sa.exc.ArgumentError:
        raise HistoryError(f"source.url {text!r} is not an SQLAlchemy URL") from None
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database not in ("", ":memory:") and not Path(database).is_absolute():
        url = url.set(database=str(profile.resolve(database)))
    return url


def _read_sql(source: Source, url: URL) -> pd.DataFrame:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if source.table:
                return pd.read_sql_table(source.table, connection)
            return pd.read_sql_query(sa.text(source.query or ""), connection)
    except (sa.exc.SQLAlchemyError, ValueError) as exc:
        raise HistoryError(f"history {engine.url.render_as_string(hide_password=True)}: "
                           f"cannot be read: {exc.__class__.__name__}: {exc}") from None
    finally:
        engine.dispose()


def with_row_id(raw: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Add the 1-based file position as the id column (`row_id`) and as `position_column`, when set."""
    added = {"source.row_id": profile.id if profile.source.row_id else None,
             "source.position_column": profile.source.position_column}
    frame = raw
    for setting, column in added.items():
        if column is None:
            continue
        if column in frame.columns:
            raise HistoryError(f"column '{column}' is already in the history: {setting} would overwrite it; "
                               "name a new column")
        frame = frame.copy() if frame is raw else frame
        frame.insert(0, column, np.arange(1, len(raw) + 1))
    return frame


def prepare(raw: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Drop unnamed and listed columns, apply joins, value maps and missing-value markers."""
    source = profile.source
    frame = expand_json_columns(raw, source.json_columns)
    frame = frame.drop(columns=[c for c in frame.columns if str(c).startswith("Unnamed")], errors="ignore")
    frame = frame.drop(columns=[c for c in source.drop_columns if c in frame])
    for join in source.joins:
        frame = apply_join(frame, join, profile.resolve(join.path))
    frame = _map_values(frame, source.value_maps)
    if source.missing_values:
        markers = set(source.missing_values)
        frame = frame.apply(lambda col: col.mask(col.isin(markers)) if col.dtype == object or
                            pd.api.types.is_string_dtype(col) else col)
    return frame


def apply_join(frame: pd.DataFrame, join: Join, path: Path) -> pd.DataFrame:
    """Left-join one table on its key: one row per key, a key column in both, and a `matched` flag if asked."""
    if join.on not in frame.columns:
        raise HistoryError(f"join {path.name}: column '{join.on}' (on) is missing from the history")
    right_on = join.right_on or join.on
    table = _map_values(read_table(path, join.read), join.value_maps)
    if right_on not in table.columns:
        raise HistoryError(f"join {path.name}: column '{right_on}' is missing from the joined table")
    repeated = table[right_on].duplicated()
    if repeated.any() and join.duplicates == "refuse":
        raise HistoryError(f"join {path.name}: {int(repeated.sum())} rows repeat a '{right_on}' key (e.g. "
                           f"{table.loc[repeated, right_on].iloc[0]!r}); set duplicates: first to keep each "
                           "key's first row")
    table = table[~repeated]
    if join.matched is not None:
        if join.matched in frame.columns or join.matched in table.columns:
            raise HistoryError(f"join {path.name}: matched column '{join.matched}' is already a column")
        table = table.assign(**{join.matched: True})
    frame = _map_values(frame, {join.on: join.value_maps.get(join.on, {})})
    joined = frame.merge(table, how="left", left_on=join.on, right_on=right_on, suffixes=("", "_joined"))
    if join.matched is not None:
        joined[join.matched] = joined[join.matched].notna()
    return joined


def expand_json_columns(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Replace each column holding JSON objects by one column per key (a null row is an empty object)."""
    for column in columns:
        if column not in frame.columns:
            raise HistoryError(f"column '{column}' (source.json_columns) is missing from the history")
        objects = [_json_object(column, value) for value in frame[column]]
        expanded = pd.DataFrame.from_records(objects, index=frame.index)
        clash = sorted(set(expanded.columns) & (set(frame.columns) - {column}))
        if clash:
            raise HistoryError(f"column '{column}': its JSON keys {clash} are already columns of the history")
        frame = pd.concat([frame.drop(columns=[column]), expanded], axis=1)
    return frame


def _json_object(column: str, value: Any) -> dict[str, Any]:
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise HistoryError(f"column '{column}': {str(value)[:60]!r} is not JSON ({exc})") from None
    if value is None or (not isinstance(value, dict) and is_missing(value)):
        return {}
    if not isinstance(value, dict):
        raise HistoryError(f"column '{column}': expected a JSON object in every row, got {type(value).__name__}")
    return value


def _map_values(frame: pd.DataFrame, maps: dict[str, dict[str, Any]]) -> pd.DataFrame:
    frame = frame.copy()
    for column, mapping in maps.items():
        if column in frame and mapping:
            frame[column] = frame[column].astype("object").replace(mapping)
    return frame


def check_columns(frame: pd.DataFrame, profile: Profile) -> None:
    """Every column the profile names must be there; suggest the closest name."""
    needed = [profile.id, profile.outcome.column, *profile.feature_names]
    if profile.time.column:
        needed.append(profile.time.column)
    if profile.time.month_sequence:
        needed.append(profile.time.month_sequence.month_column)
    present = [str(c) for c in frame.columns]
    for column in needed:
        if column not in frame.columns:
            close = difflib.get_close_matches(column, present, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise HistoryError(f"column '{column}' is missing from the history{hint}")


def type_fields(raw: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Id, features typed by kind, attributes as text, other columns as read; a bad value names its column."""
    typed = {profile.id: raw[profile.id].astype("object").map(lambda v: None if is_missing(v) else str(v))}
    if typed[profile.id].isna().any():
        empty = int(typed[profile.id].isna().sum())
        raise HistoryError(f"column '{profile.id}' (the lead id) has {empty} empty values")
    for feature in profile.features:
        try:
            typed[feature.name] = coerce_series(raw[feature.name], feature.kind)
        except ValueProblem as exc:
            raise HistoryError(f"column '{feature.name}' ({feature.kind.value}): {exc}") from None
    for attribute in profile.attributes:
        values = raw[attribute.name] if attribute.name in raw else pd.Series(None, index=raw.index)
        typed[attribute.name] = values.astype("object").map(lambda v: None if is_missing(v) else str(v))
    # Untouched columns stay so that a champion trained on another profile can be scored on this history.
    rest = raw.drop(columns=[c for c in typed if c in raw])
    return pd.concat([pd.DataFrame(typed, index=raw.index), rest], axis=1).reset_index(drop=True)


def outcome_labels(column: pd.Series, outcome: Outcome) -> np.ndarray:
    """1 for won, 0 for lost, NaN for open (an empty outcome is open); unnamed values are refused."""
    if outcome.won_when == "filled":
        filled = ~column.map(is_missing).to_numpy(dtype=bool)
        # With an age limit the leads not won are open until lost_with_age says they are old enough.
        return np.where(filled, WON, np.nan if outcome.lost_after_days is not None else LOST)
    unknown = unknown_outcomes(column, outcome)
    if unknown:
        raise HistoryError(f"column '{outcome.column}' (the outcome): values {unknown[:5]} are "
                           "named neither won, lost nor open in the profile")
    won = {_norm(v) for v in outcome.won}
    lost = {_norm(v) for v in outcome.lost}
    values = column.map(_norm).to_numpy(dtype=object)
    labels = np.full(len(values), np.nan)
    labels[np.isin(values, list(won))] = WON
    labels[np.isin(values, list(lost))] = LOST
    return labels


def lost_with_age(won: np.ndarray, time: pd.Series, days: int | None) -> np.ndarray:
    """Open leads count as lost once `days` older than the newest lead (a lead with no time stays open)."""
    if days is None:
        return won
    moment = pd.to_datetime(time)
    age = (moment.max() - moment).dt.days.to_numpy(dtype=float)
    labels = won.copy()
    labels[np.isnan(won) & (age > days)] = LOST
    return labels


def _norm(value: Any) -> str:
    if is_missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def lead_time(raw: pd.DataFrame, profile: Profile, open_leads: np.ndarray | None = None) -> pd.Series:
    """When each lead was created: parsed dates, a sortable number, or a derived month sequence.

    A time that is missing or does not parse is refused, except on the leads `open_leads` marks.
    """
    spec = profile.time
    if spec.month_sequence is not None:
        try:
            return month_sequence_dates(raw, spec.month_sequence).reset_index(drop=True)
        except CalendarError as exc:
            raise HistoryError(str(exc)) from None
    column = raw[spec.column or ""]
    if spec.kind == "number":
        values = pd.to_numeric(column, errors="coerce")
    else:
        values = pd.to_datetime(column, errors="coerce", format=spec.format)
    unreadable = values.isna().to_numpy().copy()
    if open_leads is not None:
        unreadable &= ~np.asarray(open_leads, dtype=bool)
    if unreadable.any():
        bad = column[unreadable].iloc[0]
        raise HistoryError(f"column '{spec.column}' (the lead time): {bad!r} is not a {spec.kind} "
                           f"({int(unreadable.sum())} such rows; only open leads may lack a time)")
    return values.reset_index(drop=True)


def unknown_outcomes(column: pd.Series, outcome: Outcome) -> list[str]:
    """Outcome values the profile names neither won, lost nor open."""
    named = {_norm(v) for v in [*outcome.won, *outcome.lost, *outcome.open]}
    return sorted({_norm(v) for v in column.dropna().unique()} - named - {""})
