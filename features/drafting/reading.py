"""Reading a raw export for a draft: the file's encoding, separator and decimal mark, and its joins."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

SNIFF_BYTES = 65_536
ENCODINGS = ("utf-8", "utf-16")  # tried in order; then the Windows code page whose letters fit the text best
CODE_PAGES = ("cp1252", "cp1250")  # Excel's Western (Danish, Dutch, German) and Central European (Polish)
# Letters of the markets' alphabets, and symbols that a Polish file read as cp1252 shows instead of them
# (ł as ³, ą as ¹, ś as œ, ż as ¿): which code page reads a file is the one that yields words, not symbols.
LETTERS = frozenset("æøåÆØÅéèëïüöäßÉÜÖÄąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
SYMBOLS = frozenset("³¹œ¿Ÿ¥Œ¼¾ª¦")


class DraftError(ValueError):
    """A draft that cannot be made, naming the file, column or value at fault."""


@dataclass(frozen=True)
class Export:
    """One table as read, with the read options a profile needs to read it the same way."""

    frame: pd.DataFrame
    path: str
    read: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_export(path: Path, encoding: str | None = None) -> Export:
    """A CSV (encoding, separator and decimal mark detected) or Parquet file, or a clear DraftError."""
    if not path.exists():
        raise DraftError(f"{path}: file not found")
    if path.is_dir():
        raise DraftError(f"{path}: is a folder, not a CSV or Parquet file")
    if path.suffix.lower() == ".parquet":
        try:
            return Export(pd.read_parquet(path), str(path))
        except (OSError, ValueError) as exc:
            raise DraftError(f"{path}: not a readable Parquet file ({exc})") from None
    return _read_csv(path, encoding)


def _read_csv(path: Path, encoding: str | None) -> Export:
    raw = path.read_bytes()
    if not raw.strip():
        raise DraftError(f"{path}: the file is empty")
    if b"\x00" in raw[:SNIFF_BYTES] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DraftError(f"{path}: holds binary data, not text: export the table as CSV or Parquet")
    name, text = _decode(path, raw, encoding)
    sep = _separator(path, text[:SNIFF_BYTES])
    decimal = "," if sep != "," and _decimal_commas(text[:SNIFF_BYTES], sep) else "."
    read: dict[str, Any] = {}
    notes = []
    if name != "utf-8":
        read["encoding"] = name
        notes.append(f"not UTF-8: read as {name}")
    if sep != ",":
        read["sep"] = sep
    if decimal != ".":
        read["decimal"] = decimal
        notes.append("numbers are written with a decimal comma")
    try:
        frame = pd.read_csv(path, low_memory=False, **read)
    except (ValueError, pd.errors.ParserError) as exc:
        raise DraftError(f"{path}: cannot be read as CSV: {exc}") from None
    frame = frame.drop(columns=[c for c in frame.columns if str(c).startswith("Unnamed") and frame[c].isna().all()])
    if frame.empty:
        raise DraftError(f"{path}: the file has a header but no rows")
    return Export(frame, str(path), read, notes)


def _decode(path: Path, raw: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding is None:
        for name in ENCODINGS:
            if name == "utf-16" and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                continue
            try:
                return name, raw.decode(name)
            except UnicodeDecodeError:
                continue
        return _code_page(path, raw)
    try:
        return encoding, raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DraftError(f"{path}: not {encoding} text: byte {raw[exc.start]:#04x} at position {exc.start} "
                         "cannot be decoded") from None
    except LookupError:
        raise DraftError(f"{path}: unknown encoding {encoding!r}") from None


def _code_page(path: Path, raw: bytes) -> tuple[str, str]:
    """The Windows code page that decodes the file into the most letters and the fewest stray symbols."""
    read = {}
    for name in CODE_PAGES:
        try:
            read[name] = raw.decode(name)
        except UnicodeDecodeError:
            continue
    if not read:
        raise DraftError(f"{path}: not text in UTF-8, UTF-16, Windows-1252 or Windows-1250: name the encoding "
                         "with --encoding")

    def fit(text: str) -> int:
        return sum(c in LETTERS for c in text) - 2 * sum(c in SYMBOLS for c in text)

    name = max(read, key=lambda n: (fit(read[n]), n == CODE_PAGES[0]))
    return name, read[name]


def _separator(path: Path, sample: str) -> str:
    try:
        return csv.Sniffer().sniff("\n".join(sample.splitlines()[:20]), delimiters=",;\t|").delimiter
    except csv.Error:
        if "\n" not in sample.strip() and "," not in sample:
            return ","
        raise DraftError(f"{path}: cannot tell how its columns are separated (tried , ; tab |)") from None


def _decimal_commas(sample: str, sep: str) -> bool:
    """True when numbers are written 1234,5 (Danish, Dutch, Polish exports): seen often, dotted ones not."""
    cells = [cell.strip('"') for line in sample.splitlines()[1:50] for cell in line.split(sep)]
    commas = sum(bool(re.fullmatch(r"-?\d+,\d+", cell)) for cell in cells)
    dots = sum(bool(re.fullmatch(r"-?\d+\.\d+", cell)) for cell in cells)
    return commas > 0 and commas > dots


@dataclass(frozen=True)
class JoinSpec:
    """A table to join onto the leads, the leads' key, and the table's when it is named otherwise."""

    path: Path
    on: str
    right_on: str | None = None

    @classmethod
    def parse(cls, path: Path, key: str) -> JoinSpec:
        """`--on KEY`, or `--on LEFT=RIGHT` when the table names the key otherwise ('Record ID=Contact ID')."""
        left, _, right = key.partition("=")
        return cls(path, left.strip(), right.strip() or None)

    @property
    def key(self) -> str:
        return self.right_on or self.on


def join_exports(leads: Export, joins: list[JoinSpec],
                 encoding: str | None) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The leads with each table left-joined on its key, and each join's profile entry with its evidence."""
    frame = leads.frame
    entries = []
    for spec in joins:
        table = read_export(spec.path, encoding)
        for name, data, column in (("the leads", frame, spec.on), (spec.path.name, table.frame, spec.key)):
            if column not in data.columns:
                raise DraftError(f"join {spec.path}: key '{column}' is not a column of {name}")
        keys = table.frame[spec.key]
        respelt = respellings(frame[spec.on], keys)
        if respelt:
            frame = frame.assign(**{spec.on: frame[spec.on].replace(respelt)})
        matched = frame[spec.on].isin(set(keys.dropna()))
        if not matched.any():
            raise DraftError(f"join {spec.path}: no lead's '{spec.on}' matches a row of the table (0 % matched; "
                             f"e.g. {frame[spec.on].iloc[0]!r} in the leads, {keys.iloc[0]!r} in the table)")
        repeated = int(keys.duplicated().sum())
        filled = frame[spec.on].notna()
        missed = frame.loc[filled & ~matched, spec.on].value_counts().head(3)
        entry: dict[str, Any] = {"path": str(spec.path.resolve()), "on": spec.on}
        if spec.right_on:
            entry["right_on"] = spec.right_on
        if table.read:
            entry["read"] = table.read
        if repeated:
            entry["duplicates"] = "first"
        if respelt:
            entry["value_maps"] = {spec.on: respelt}
        entries.append({"entry": entry, "matched_share": float(matched.mean()), "repeated": repeated,
                        "stem": _stem(spec.path), "keys": set(keys.dropna()),
                        "unmatched": [f"{value!r} ({count:,} leads)" for value, count in missed.items()],
                        "respelt": respelt,
                        "columns": [c for c in table.frame.columns if c != spec.key]})
        first = table.frame[~keys.duplicated()]
        frame = frame.merge(first, how="left", left_on=spec.on, right_on=spec.key, suffixes=("", "_joined"))
    return frame, entries


def respellings(leads: pd.Series, keys: pd.Series) -> dict[Any, Any]:
    """Lead keys with no row that match one table key but for case, spaces or punctuation ('GTXPro', 'GTX Pro')."""
    known = set(keys.dropna())
    spelt: dict[str, list[Any]] = {}
    for key in known:
        spelt.setdefault(_squeezed(key), []).append(key)
    found = {}
    for value in set(leads.dropna()) - known:
        same = spelt.get(_squeezed(value), [])
        if len(same) == 1:
            found[value] = same[0]
    return dict(sorted(found.items(), key=str))


def _squeezed(value: Any) -> str:
    return re.sub(r"[\W_]+", "", str(value).casefold())


def _stem(path: Path) -> str:
    return re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_") or "joined"
