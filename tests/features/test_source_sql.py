"""SQL sources: the URL's environment and relative SQLite file, and JSON columns expanded into fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
import yaml

from features.profile import Profile, load_profile
from features.source import HistoryError, expand_json_columns, load_history, sql_url
from tests.features.test_source import PROFILE, ROWS

QUERY = "SELECT lead_id, created, stage, fields FROM leads"


def stored(folder: Path, fields: list[Any] | None = None) -> Path:
    """ROWS in a SQLite table, the features packed into one JSON text column as the lead store keeps them."""
    frame = pd.DataFrame(ROWS)
    packed = fields if fields is not None else [
        json.dumps({"source": s, "visits": v, "demo": d}) for s, v, d in zip(frame["source"], frame["visits"],
                                                                                frame["demo"], strict=True)]
    path = folder / "data" / "crm.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(f"sqlite:///{path}")
    frame[["lead_id", "created", "stage"]].assign(fields=packed).to_sql("leads", engine, index=False)
    engine.dispose()
    return path


def profile_at(folder: Path, url: str) -> Profile:
    (folder / "profiles").mkdir(exist_ok=True)
    source = {"url": url, "query": QUERY, "json_columns": ["fields"], "missing_values": ["Select"]}
    (folder / "profiles" / "crm.yaml").write_text(yaml.safe_dump({**PROFILE, "source": source}))
    return load_profile(folder / "profiles" / "crm.yaml")


def test_a_relative_sqlite_file_is_relative_to_the_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stored(tmp_path)
    monkeypatch.chdir(tmp_path / "data")  # anywhere but the profile's folder
    profile = profile_at(tmp_path, "sqlite:///../data/crm.db")
    assert sql_url(profile).database == str(tmp_path / "data" / "crm.db")
    assert list(load_history(profile).frame["lead_id"]) == ["b", "c", "a", "d"]


def test_the_url_takes_environment_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = stored(tmp_path)
    profile = profile_at(tmp_path, "${CRM_STORE_URL:-sqlite:///nowhere.db}")
    monkeypatch.setenv("CRM_STORE_URL", f"sqlite:///{path}")
    assert sql_url(profile).database == str(path)
    monkeypatch.setenv("CRM_STORE_URL", "not a url")
    with pytest.raises(HistoryError, match="'not a url' is not an SQLAlchemy URL"):
        load_history(profile)


def test_json_fields_load_and_type_like_columns(tmp_path: Path) -> None:
    stored(tmp_path)
    history = load_history(profile_at(tmp_path, "sqlite:///../data/crm.db"))
    assert "fields" not in history.frame.columns
    assert list(history.frame["visits"].fillna(-1)) == [-1.0, 1.0, 3.0, 7.0]
    assert list(history.frame["demo"].fillna(-1)) == [0.0, -1.0, 1.0, 1.0]
    assert pd.isna(history.frame["source"].iloc[0])  # "Select" inside the JSON is still a missing marker


def test_json_objects_from_the_driver_and_nulls_expand_too() -> None:
    frame = pd.DataFrame({"lead_id": ["a", "b", "c"], "fields": [{"visits": 3}, None, '{"visits": 5, "demo": true}']})
    expanded = expand_json_columns(frame, ["fields"])
    assert list(expanded.columns) == ["lead_id", "visits", "demo"]
    assert expanded["visits"].tolist()[0] == 3 and pd.isna(expanded["visits"].tolist()[1])


@pytest.mark.parametrize(("fields", "message"), [
    (["{not json"] * 4, "column 'fields': '{not json' is not JSON"),
    (["[1, 2]"] * 4, "expected a JSON object in every row, got list"),
    ([json.dumps({"stage": "won"})] * 4, r"JSON keys \['stage'\] are already columns"),
])
def test_bad_json_columns_are_named(tmp_path: Path, fields: list[str], message: str) -> None:
    stored(tmp_path, fields)
    with pytest.raises(HistoryError, match=message):
        load_history(profile_at(tmp_path, "sqlite:///../data/crm.db"))


def test_a_missing_json_column_is_named() -> None:
    with pytest.raises(HistoryError, match=r"column 'fields' \(source.json_columns\) is missing"):
        expand_json_columns(pd.DataFrame({"lead_id": ["a"]}), ["fields"])
