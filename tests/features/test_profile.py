"""Dataset profile validation: good profiles load, bad ones are refused naming field and problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from features.profile import FeatureKind, ProfileError, expand_env, load_profile

BASE: dict[str, Any] = {
    "name": "crm",
    "source": {"path": "leads.csv"},
    "id": "lead_id",
    "outcome": {"column": "stage", "won": ["won"], "lost": ["lost"], "open": ["open"]},
    "time": {"column": "created"},
    "features": [{"name": "source", "kind": "categorical", "display": "Lead source"},
                 {"name": "visits", "kind": "numeric", "monotone": 1}],
    "attributes": [{"name": "phone", "personal": True}],
    "known_after_outcome": [{"column": "value", "reason": "set when won"}],
}


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def changed(**overrides: Any) -> dict[str, Any]:
    return {**BASE, **overrides}


def test_a_good_profile_loads(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, BASE))
    assert profile.feature_names == ["source", "visits"]
    assert profile.feature("source").kind is FeatureKind.categorical
    assert profile.feature("visits").label == "Visits"
    assert profile.lead_fields == ["source", "visits", "phone"]
    assert profile.registered_model == "leadscore-crm"
    assert profile.resolve("leads.csv") == (tmp_path / "leads.csv").resolve()


def test_the_demo_profile_loads(demo_profile: Any) -> None:
    assert demo_profile.name == "demo"
    assert "demo_requested" in demo_profile.feature_names


@pytest.mark.parametrize(("data", "message"), [
    (changed(features=[{"name": "x", "kind": "text"}]), "features.0.kind"),
    (changed(features=[]), "at least one feature"),
    (changed(features=[{"name": "x", "kind": "numeric"}, {"name": "x", "kind": "numeric"}]), "more than once"),
    (changed(features=[{"name": "value", "kind": "numeric"}]), "known_after_outcome"),
    (changed(features=[{"name": "stage", "kind": "categorical"}]), "id or outcome column"),
    (changed(features=[{"name": "x", "kind": "categorical", "monotone": 1}]), "monotone needs a numeric"),
    (changed(outcome={"column": "stage", "won": ["won"], "lost": ["won"]}), "both won and lost"),
    (changed(outcome={"column": "stage", "won": [], "lost": ["lost"]}), "at least one value"),
    (changed(source={"path": "a.csv", "url": "sqlite://"}), "exactly one of 'path'"),
    (changed(source={"url": "sqlite://"}), "exactly one of 'table' or 'query'"),
    (changed(time={}), "exactly one of 'column' or 'month_sequence'"),
    (changed(name="Bad Name"), "name"),
    (changed(surprise=1), "surprise: Extra inputs are not permitted"),
    (changed(attributes=[{"name": "source"}]), "already features"),
])
def test_bad_profiles_are_refused(tmp_path: Path, data: dict[str, Any], message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        load_profile(write(tmp_path, data))


@pytest.mark.parametrize(("text", "message"), [
    ("a: [1, 2", "not valid YAML"),
    ("- just\n- a list\n", "mapping at the top level"),
    ("!!python/object/apply:os.system ['echo hacked']", "not valid YAML"),
])
def test_unreadable_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        load_profile(write(tmp_path, text))


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="nowhere.yaml: file not found"):
        load_profile(tmp_path / "nowhere.yaml")


def test_environment_expansion(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LS_DIR", "/data")
    monkeypatch.delenv("LS_UNSET", raising=False)
    assert expand_env("${LS_DIR}/a.csv") == "/data/a.csv"
    assert expand_env("${LS_UNSET:-/fallback}/a.csv") == "/fallback/a.csv"
    with pytest.raises(ProfileError, match="LS_UNSET is not set"):
        expand_env("${LS_UNSET}/a.csv")
