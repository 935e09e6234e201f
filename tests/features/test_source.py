"""History loading: typed fields, outcomes, time order, and one-line errors for bad history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from features.profile import Profile, load_profile
from features.source import HistoryError, load_history

PROFILE: dict[str, Any] = {
    "name": "crm",
    "source": {"path": "leads.csv", "missing_values": ["Select"]},
    "id": "lead_id",
    "outcome": {"column": "stage", "won": ["won"], "lost": ["lost"], "open": ["open"]},
    "time": {"column": "created"},
    "features": [{"name": "source", "kind": "categorical"}, {"name": "visits", "kind": "numeric"},
                 {"name": "demo", "kind": "boolean"}],
}
ROWS = {
    "lead_id": ["a", "b", "c", "d"],
    "created": ["2026-03-01", "2026-01-01", "2026-02-01", "2026-04-01"],
    "stage": ["won", "lost", "open", "lost"],
    "source": ["web", "Select", "event", "web"],
    "visits": ["3", "", "1", "7"],
    "demo": ["yes", "no", None, "true"],
}


def setup(tmp_path: Path, rows: dict[str, list[Any]] | None = None, **profile: Any) -> Profile:
    (tmp_path / "profile.yaml").write_text(yaml.safe_dump({**PROFILE, **profile}))
    pd.DataFrame(rows or ROWS).to_csv(tmp_path / "leads.csv", index=False)
    return load_profile(tmp_path / "profile.yaml")


def test_history_is_typed_ordered_and_labelled(tmp_path: Path) -> None:
    history = load_history(setup(tmp_path))
    assert list(history.frame["lead_id"]) == ["b", "c", "a", "d"]
    assert list(history.time.dt.month) == [1, 2, 3, 4]
    np.testing.assert_array_equal(history.won, [0.0, np.nan, 1.0, 0.0])
    assert pd.isna(history.frame["source"].iloc[0])  # "Select" is a missing-value marker
    np.testing.assert_array_equal(history.frame["visits"], [np.nan, 1.0, 3.0, 7.0])
    np.testing.assert_array_equal(history.frame["demo"], [0.0, np.nan, 1.0, 1.0])
    assert list(history.closed.frame["lead_id"]) == ["b", "a", "d"]
    assert list(history.open["lead_id"]) == ["c"]


def test_a_misnamed_column_is_named_with_a_suggestion(tmp_path: Path) -> None:
    rows = {("visit" if k == "visits" else k): v for k, v in ROWS.items()}
    with pytest.raises(HistoryError, match=r"column 'visits' is missing from the history \(did you mean 'visit'\?\)"):
        load_history(setup(tmp_path, rows))


@pytest.mark.parametrize(("column", "bad", "message"), [
    ("visits", "lots", r"column 'visits' \(numeric\): 'lots' is not a number"),
    ("demo", "maybe", r"column 'demo' \(boolean\): 'maybe' is not a yes/no value"),
    ("created", "someday", r"column 'created' \(the lead time\): 'someday' is not a datetime"),
    ("stage", "pending", r"column 'stage' \(the outcome\): values \['pending'\] are named neither"),
    ("lead_id", None, r"column 'lead_id' \(the lead id\) has 1 empty values"),
])
def test_bad_values_name_their_column(tmp_path: Path, column: str, bad: Any, message: str) -> None:
    rows = {k: list(v) for k, v in ROWS.items()}
    rows[column][0] = bad
    with pytest.raises(HistoryError, match=message):
        load_history(setup(tmp_path, rows))


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    profile = setup(tmp_path)
    (tmp_path / "leads.csv").write_text("")
    with pytest.raises(HistoryError, match="leads.csv: the file is empty"):
        load_history(profile)


def test_a_header_only_file_is_refused(tmp_path: Path) -> None:
    profile = setup(tmp_path)
    (tmp_path / "leads.csv").write_text(",".join(ROWS) + "\n")
    with pytest.raises(HistoryError, match="the file has no rows"):
        load_history(profile)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="nope.csv: file not found"):
        load_history(setup(tmp_path), tmp_path / "nope.csv")


def test_an_sql_table_is_a_source(tmp_path: Path) -> None:
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'crm.db'}"
    engine = sa.create_engine(url)
    pd.DataFrame(ROWS).to_sql("leads", engine, index=False)
    engine.dispose()
    history = load_history(setup(tmp_path, source={"url": url, "table": "leads", "missing_values": ["Select"]}))
    assert len(history.frame) == 4
    query = setup(tmp_path, source={"url": url, "query": "SELECT * FROM leads WHERE stage != 'open'"})
    assert len(load_history(query).frame) == 3
