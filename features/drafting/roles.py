"""Which column is the lead id, which is the creation time, and which fields are personal."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from features.drafting.columns import Column, parse_dates
from features.drafting.reading import DraftError
from features.drafting.vocabulary import (
    AFTER_OUTCOME_WORDS,
    CREATED_NAME_WORDS,
    ID_NAME_WORDS,
    PERSONAL_NAME_WORDS,
    SEQUENCE_NAME_WORDS,
    WON_WORDS,
    words,
)

ROW_ID = "row"  # the id a history without one gets: each row's position in the file
POSITION = "row_position"  # the time a history without one gets: the same position
# "Name" is personal unless the name is a company's, a campaign's or a product's.
NOT_A_PERSON = frozenset({"company", "organization", "organisation", "account", "campaign", "product", "deal",
                          "source", "stage", "firma", "bedrijf", "virksomhed", "firmy", "list", "form", "event",
                          "opportunity", "pipeline", "project", "aftale"})
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)
PHONE = re.compile(r"\+?[\d\s().-]{8,}")
PATTERN_SHARE = 0.5  # a column whose values mostly look like e-mail addresses or phone numbers is personal


@dataclass(frozen=True)
class Identity:
    """The id and time sections and what they rest on."""

    id: str
    id_evidence: str
    row_id: bool
    time: dict[str, Any]
    time_evidence: str
    position_column: str | None
    created: pd.Series | None  # the creation dates, when the time is a date


def personal_reason(column: Column, values: pd.Series) -> str | None:
    """Why a field is personal (kept as an attribute, never learned from), or None."""
    if column.kind == "boolean":
        return None  # a yes/no flag ("Do Not Email") holds no one's details
    name_words = set(words(column.name))
    for word in name_words:
        if word in PERSONAL_NAME_WORDS and not (word in {"name", "navn", "naam"} and name_words & NOT_A_PERSON):
            return PERSONAL_NAME_WORDS[word]
    sample = values.dropna().astype(str).head(200)
    if len(sample) and sample.map(lambda v: bool(EMAIL.fullmatch(v.strip()))).mean() > PATTERN_SHARE:
        return "an e-mail address"
    if column.kind == "categorical" and len(sample) and \
            sample.map(lambda v: bool(PHONE.fullmatch(v.strip()))).mean() > PATTERN_SHARE:
        return "a phone number"
    return None


def identify(frame: pd.DataFrame, columns: dict[str, Column], personal: set[str], exclude: set[str],
             forced_id: str | None) -> Identity:
    """The lead id and the creation time, each with its evidence."""
    lead_id, id_evidence = _lead_id(columns, personal | exclude, forced_id)
    time = _time(frame, columns, exclude | {lead_id} if lead_id else exclude)
    if lead_id is None:
        spec, evidence, created = time or ({"column": ROW_ID, "kind": "number"}, "", None)
        evidence = evidence or "no date and no running number: the file's row order, oldest first"
        return Identity(ROW_ID, id_evidence, True, spec, evidence, None, created)
    if time is None:
        return Identity(lead_id, id_evidence, False, {"column": POSITION, "kind": "number"},
                        "no date and no running number: the file's row order, oldest first", POSITION, None)
    spec, evidence, created = time
    return Identity(lead_id, id_evidence, False, spec, evidence, None, created)


def _lead_id(columns: dict[str, Column], excluded: set[str], forced: str | None) -> tuple[str | None, str]:
    if forced is not None:
        column = columns.get(forced)
        if column is None:
            raise DraftError(f"--id {forced!r} is not a column")
        if not column.unique:
            raise DraftError(f"column '{forced}' (--id): {column.rows - column.filled:,} empty and "
                             f"{column.filled - column.distinct:,} repeated values: a lead id is unique and "
                             "never empty")
        return forced, f"named with --id; unique and never empty in {column.rows:,} rows"
    unique = [c for name, c in columns.items() if c.unique and name not in excluded]
    named = [c for c in unique if set(words(c.name)) & ID_NAME_WORDS or c.name.lower().endswith("id")]
    if len(named) > 1:
        raise DraftError(f"two columns could be the lead id: {', '.join(repr(c.name) for c in named)} (each unique "
                         "and never empty, each named as an id): name one with --id")
    others = [c.name for c in unique if c not in named]
    also = f"; also unique: {', '.join(others)}" if others else ""
    if named:
        return named[0].name, f"unique and never empty in {named[0].rows:,} rows, named as an id{also}"
    texts = [c for c in unique if c.kind == "categorical"]
    if len(texts) == 1:
        return texts[0].name, f"the only text column that is unique and never empty ({texts[0].rows:,} rows)"
    sequences = [c for c in unique if c.integer_sequence]
    if sequences:
        return sequences[0].name, f"a running number, unique and never empty in {sequences[0].rows:,} rows"
    why = "; ".join(f"'{c.name}' is unique" for c in unique) or "no column is unique and never empty"
    return None, f"no lead id ({why}): each row is known by its position in the file (source.row_id)"


def _time(frame: pd.DataFrame, columns: dict[str, Column],
          excluded: set[str]) -> tuple[dict[str, Any], str, pd.Series | None] | None:
    dates = [c for name, c in columns.items() if c.kind == "date" and name not in excluded and _may_be_creation(c)]
    if dates:
        # Every lead has a creation time: a date empty for some leads (a joined deal's) is ranked after one
        # that is always filled.
        column = min(dates, key=lambda c: (not set(words(c.name)) & CREATED_NAME_WORDS, c.filled < c.rows,
                                           parse_dates(frame[c.name], c.date_format).median()))
        parsed = parse_dates(frame[column.name], column.date_format)
        spec: dict[str, Any] = {"column": column.name}
        if column.date_format is not None:
            spec["format"] = column.date_format
        empty = column.rows - column.filled
        evidence = (f"{column.date_share:.0%} of {column.filled:,} filled values parse"
                    f"{' as ' + column.date_format if column.date_format else ''}; "
                    f"{parsed.min():%Y-%m-%d} to {parsed.max():%Y-%m-%d}" + (f"; {empty:,} empty" if empty else ""))
        others = [c.name for c in dates if c is not column]
        if others:
            evidence += f"; the earliest of the dates ({', '.join([column.name, *others])})"
        return spec, evidence, parsed
    sequences = [c for name, c in columns.items() if c.integer_sequence and name not in excluded]
    ranked = sorted(sequences, key=lambda c: not set(words(c.name)) & SEQUENCE_NAME_WORDS)
    if ranked:
        number = ranked[0]
        return ({"column": number.name, "kind": "number"},
                f"no date: '{number.name}' is a running number that follows the file's order, so it stands "
                "for creation order (unverified: check it)", None)
    return None


def _may_be_creation(column: Column) -> bool:
    """A date named as a close, a win or a snapshot is never the creation time."""
    name_words = set(words(column.name))
    return not (name_words & set(AFTER_OUTCOME_WORDS)) and not (name_words & WON_WORDS)
