"""The real-history profiles load and validate against the shared files, and the loader features they need."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from features.profile import Profile, ProfileError, load_profile
from features.source import History, HistoryError, load_history
from tests.conftest import needs_shared_data

ROOT = Path(__file__).resolve().parents[2]
REAL = {"xeducation": "xeducation-leads/Leads.csv", "bank-marketing": "bank-marketing/bank-additional-full.csv",
        "maven-crm": "maven-crm/sales_pipeline.csv"}


def real_profile(name: str) -> Profile:
    return load_profile(ROOT / "profiles" / f"{name}.yaml")


@pytest.fixture(scope="module")
def histories() -> dict[str, History]:
    """Each real history loaded once through its profile."""
    return {name: load_history(real_profile(name)) for name in REAL}


@pytest.mark.parametrize("name", list(REAL))
def test_the_default_source_path_reaches_the_shared_folder(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEADSCORE_SHARED_DATA", raising=False)
    profile = real_profile(name)
    assert profile.resolve(profile.source.path or "") == (ROOT.parent / "shared" / "data" / REAL[name]).resolve()


@needs_shared_data
def test_xeducation_loads_closed_leads_in_lead_number_order(histories: dict[str, History]) -> None:
    history = histories["xeducation"]
    assert len(history.frame) == 9240 and len(history.open) == 0
    assert int(history.won.sum()) == 3561
    assert history.time.is_monotonic_increasing and history.time.iloc[0] == 579533
    assert not any(str(c).startswith("Unnamed") for c in history.frame.columns)


@needs_shared_data
def test_xeducation_reads_select_as_missing_and_merges_spellings(histories: dict[str, History]) -> None:
    frame = histories["xeducation"].frame
    assert not (frame["Specialization"] == "Select").any()
    assert frame["City"].isna().sum() == 1420 + 2249  # blank plus "Select"
    assert "google" not in set(frame["Lead Source"].dropna())


def test_xeducation_marks_the_sales_teams_fields_as_known_after_the_outcome() -> None:
    profile = real_profile("xeducation")
    after = {c.column for c in profile.known_after_outcome}
    assert {"Tags", "Lead Quality", "Lead Profile", "Last Activity", "Last Notable Activity"} <= after
    assert {"Asymmetrique Activity Index", "Asymmetrique Profile Score"} <= after
    assert not after & set(profile.feature_names)


@needs_shared_data
def test_bank_marketing_numbers_rows_and_derives_dates(histories: dict[str, History]) -> None:
    history = histories["bank-marketing"]
    assert len(history.frame) == 41188 and int(history.won.sum()) == 4640
    assert list(history.frame["row"].iloc[:3]) == ["1", "2", "3"] and history.frame["row"].is_unique
    assert history.time.is_monotonic_increasing
    assert (history.time.iloc[0], history.time.iloc[-1].strftime("%Y-%m")) == (pd.Timestamp("2008-05-01"), "2010-11")
    assert sorted(history.time.dt.year.unique()) == [2008, 2009, 2010]


@needs_shared_data
def test_bank_marketing_reads_unknown_and_999_as_missing(histories: dict[str, History]) -> None:
    frame = histories["bank-marketing"].frame
    assert frame["pdays"].max() < 999 and frame["pdays"].notna().sum() == 41188 - 39673
    assert "unknown" not in set(frame["job"].dropna()) and frame["default"].isna().sum() == 8597
    assert "duration" not in real_profile("bank-marketing").feature_names


@needs_shared_data
def test_maven_joins_its_tables_and_keeps_open_deals_without_a_date(histories: dict[str, History]) -> None:
    history = histories["maven-crm"]
    closed, open_deals = history.closed, history.open
    assert (len(closed.won), int(closed.won.sum()), len(open_deals)) == (6711, 4238, 2089)
    assert history.time.isna().sum() == 500 and closed.time.notna().all()
    assert history.frame["series"].notna().all()  # every product, GTXPro included, found its row
    assert (history.frame.loc[history.frame["product"] == "GTX Pro", "sales_price"] == 4821).all()
    assert "technolgy" not in set(history.frame["sector"].dropna())
    assert history.frame["manager"].notna().all()
    assert open_deals["account"].isna().sum() == 1425 and closed.frame["account"].notna().all()


# --- the loader features these profiles need, on small generated files -------------------------------------

BASE: dict[str, Any] = {
    "name": "crm",
    "source": {"path": "leads.csv"},
    "id": "lead_id",
    "outcome": {"column": "stage", "won": ["won"], "lost": ["lost"], "open": ["open"]},
    "time": {"column": "created"},
    "features": [{"name": "visits", "kind": "numeric"}],
}


def setup(tmp_path: Path, rows: dict[str, list[Any]], **changes: Any) -> Profile:
    (tmp_path / "profile.yaml").write_text(yaml.safe_dump({**BASE, **changes}))
    pd.DataFrame(rows).to_csv(tmp_path / "leads.csv", index=False)
    return load_profile(tmp_path / "profile.yaml")


def test_open_leads_may_lack_a_time_and_sort_last(tmp_path: Path) -> None:
    rows = {"lead_id": ["a", "b", "c"], "created": ["2026-02-01", None, "2026-01-01"], "stage": ["won", "open", "lost"],
            "visits": [1, 2, 3]}
    history = load_history(setup(tmp_path, rows))
    assert list(history.frame["lead_id"]) == ["c", "a", "b"]
    assert list(history.open["lead_id"]) == ["b"] and history.closed.time.notna().all()


def test_a_closed_lead_without_a_time_is_refused(tmp_path: Path) -> None:
    rows = {"lead_id": ["a", "b"], "created": ["2026-02-01", "someday"], "stage": ["won", "lost"], "visits": [1, 2]}
    with pytest.raises(HistoryError, match=r"'someday' is not a datetime \(1 such rows; only open leads"):
        load_history(setup(tmp_path, rows))


def test_row_id_numbers_the_rows_of_the_file(tmp_path: Path) -> None:
    rows = {"created": ["2026-02-01", "2026-01-01"], "stage": ["won", "lost"], "visits": [1, 2]}
    history = load_history(setup(tmp_path, rows, id="row", source={"path": "leads.csv", "row_id": True}))
    assert list(history.frame["row"]) == ["2", "1"]


def test_row_id_refuses_to_overwrite_a_column(tmp_path: Path) -> None:
    rows = {"row": [7, 8], "created": ["2026-02-01", "2026-01-01"], "stage": ["won", "lost"], "visits": [1, 2]}
    with pytest.raises(HistoryError, match="column 'row' is already in the history"):
        load_history(setup(tmp_path, rows, id="row", source={"path": "leads.csv", "row_id": True}))


def test_a_month_sequence_can_spread_rows_over_their_month(tmp_path: Path) -> None:
    rows = {"lead_id": list("abcde"), "month": ["nov", "nov", "dec", "mar", "mar"],
            "stage": ["won", "lost", "won", "lost", "won"], "visits": [1, 2, 3, 4, 5]}
    spec = {"month_sequence": {"month_column": "month", "start_year": 2008, "spread_in_month": True}}
    history = load_history(setup(tmp_path, rows, time=spec))
    assert list(history.time.astype(str)) == ["2008-11-01 00:00:00", "2008-11-16 00:00:00", "2008-12-01 00:00:00",
                                               "2009-03-01 00:00:00", "2009-03-16 12:00:00"]


def test_value_maps_may_name_numbers_and_a_yaml_on_key_is_the_join_column(tmp_path: Path) -> None:
    pd.DataFrame({"region": ["north"], "size": [40]}).to_csv(tmp_path / "regions.csv", index=False)
    rows = {"lead_id": ["a", "b"], "created": ["2026-01-01", "2026-02-01"], "stage": ["won", "lost"],
            "visits": [999, 3], "region": ["north", "south"]}
    (tmp_path / "profile.yaml").write_text(yaml.safe_dump({**BASE, "features": [
        {"name": "visits", "kind": "numeric"}, {"name": "size", "kind": "numeric"}]}).replace(
        "source:\n  path: leads.csv", "source:\n  path: leads.csv\n  value_maps: {visits: {999: null}}\n"
                                      "  joins:\n  - {path: regions.csv, on: region}"))
    pd.DataFrame(rows).to_csv(tmp_path / "leads.csv", index=False)
    frame = load_history(load_profile(tmp_path / "profile.yaml")).frame
    assert np.isnan(frame["visits"].iloc[0]) and frame["size"].iloc[0] == 40 and np.isnan(frame["size"].iloc[1])


@pytest.mark.parametrize(("training", "message"), [
    ({"model": "forest"}, "training.model"),
    ({"params": {"seed": 3}}, "set by the estimator"),
    ({"model": "trees", "decay": 0}, "greater than 0"),
    ({"params": {"num_leaves": 4}}, "name the family in 'model' too"),
    ({"linear_c": [0.1]}, "training.linear_c"),
    ({"calibration": "platt"}, "training.calibration"),
])
def test_a_bad_training_section_is_refused(tmp_path: Path, training: dict[str, Any], message: str) -> None:
    (tmp_path / "profile.yaml").write_text(yaml.safe_dump({**BASE, "training": training}))
    with pytest.raises(ProfileError, match=message):
        load_profile(tmp_path / "profile.yaml")
