"""`leadscore rescore` and `leadscore train` with a store configured: a new champion regrades the open leads."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from cli.rescore import serves
from features.demo import write_demo
from features.profile import Profile, load_profile
from serving.settings import Settings
from serving.store.database import LeadStore
from serving.store.scores import add_scores, lead_history
from tests.cli.test_train_command import error_line
from tests.conftest import DEMO_PROFILE, ROOT
from tests.serving.store.factories import score_record

runner = CliRunner()


@pytest.fixture()
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_profile: Profile) -> str:
    """A SQLite store with three open leads scored by an earlier model, named by LEADSCORE_STORE_URL."""
    url = f"sqlite:///{tmp_path / 'store' / 'leads.db'}"
    store = LeadStore(url)
    fields = {name: value for name, value in demo_profile.example.items() if name not in ("contact_name", "email",
                                                                                          "phone")}
    add_scores(store, [score_record(f"L-{i}", fields=fields, personal={"email": True}) for i in range(3)])
    store.close()
    monkeypatch.setenv("LEADSCORE_STORE_URL", url)
    return url


def test_rescore_without_a_champion_says_train_first(fresh_tracking: str, store_url: str) -> None:
    result = runner.invoke(app, ["rescore", "--profile", str(DEMO_PROFILE)])
    assert result.exit_code == 1
    assert "no @champion for leadscore-demo" in error_line(result.stderr)


def test_rescore_with_a_bad_store_url_names_it(fresh_tracking: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSCORE_STORE_URL", "not a url")
    result = runner.invoke(app, ["rescore"])
    assert result.exit_code == 1
    assert "LEADSCORE_STORE_URL 'not a url' is not an SQLAlchemy URL" in error_line(result.stderr)


@pytest.mark.slow
def test_a_promoted_champion_rescores_the_configured_store(tmp_path: Path, fresh_tracking: str,
                                                           store_url: str) -> None:
    data = write_demo(tmp_path / "leads.parquet", rows=1500, seed=3)
    result = runner.invoke(app, ["train", "--profile", str(DEMO_PROFILE), "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "rescored 3 open leads onto leadscore-demo/1" in result.stderr
    assert "rescoring: 0 of 3 due leads done" in result.stderr and "rescoring: 3 of 3 due leads done" in result.stderr
    store = LeadStore(store_url)
    try:
        assert {lead_history(store, f"L-{i}").latest.model_version for i in range(3)} == {"leadscore-demo/1"}
    finally:
        store.close()


def test_only_the_store_of_the_trained_profile_is_rescored(demo_profile: Profile) -> None:
    assert serves(Settings(profile=DEMO_PROFILE), demo_profile)
    assert not serves(Settings(profile=DEMO_PROFILE), load_profile(ROOT / "profiles" / "maven-crm.yaml"))
    assert not serves(Settings(profile=ROOT / "no-such-profile.yaml"), demo_profile)
