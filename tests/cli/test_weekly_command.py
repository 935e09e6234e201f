"""`leadscore weekly`: the weekly report from the lead store as JSON, HTML and CSV files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from serving.store.database import LeadStore
from serving.store.scores import add_scores
from tests.conftest import DEMO_AGREEMENT, DEMO_PROFILE
from tests.serving.store.factories import score_record


def test_weekly_writes_json_html_and_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    store = LeadStore(url)
    add_scores(store, [score_record("L-1", grade="A"), score_record("L-2", grade="C", source="event")])
    store.close()
    monkeypatch.setenv("LEADSCORE_STORE_URL", url)
    result = CliRunner().invoke(app, ["weekly", "--profile", str(DEMO_PROFILE), "--agreement", str(DEMO_AGREEMENT),
                                      "--end", "2026-11-23", "--weeks", "2", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    body = json.loads((tmp_path / "out" / "weekly.json").read_text())
    assert body["trend"][-1]["leads"] == 2 and body["window"]["end"].startswith("2026-11-30")
    assert (tmp_path / "out" / "weekly.html").read_text().count("data:image/png;base64,") >= 3
    assert (tmp_path / "out" / "weekly-sources.csv").read_text().splitlines()[0].startswith("key,label,")


def test_a_bad_day_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSCORE_STORE_URL", f"sqlite:///{tmp_path / 'leads.db'}")
    result = CliRunner().invoke(app, ["weekly", "--end", "someday", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "someday" in result.output


def test_weekly_writes_the_report_in_a_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    store = LeadStore(url)
    add_scores(store, [score_record("L-1", grade="A"), score_record("L-2", grade="C", source="event")])
    store.close()
    monkeypatch.setenv("LEADSCORE_STORE_URL", url)
    result = CliRunner().invoke(app, ["weekly", "--profile", str(DEMO_PROFILE), "--agreement", str(DEMO_AGREEMENT),
                                      "--end", "2026-11-23", "--weeks", "2", "--out", str(tmp_path / "out"),
                                      "--language", "pl"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "out" / "weekly.html").read_text()
    assert '<html lang="pl">' in page and "Tygodniowy raport zamkniętej pętli" in page
    refused = CliRunner().invoke(app, ["weekly", "--language", "sv", "--out", str(tmp_path / "out")])
    assert refused.exit_code == 1 and "sv" in refused.output
