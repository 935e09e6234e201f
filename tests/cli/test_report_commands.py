"""`leadscore agreement-impact` and `leadscore report` on the demo history and the session's champion."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cli.main import app
from features.profile import Profile
from features.source import load_history
from tests.conftest import DEMO_AGREEMENT, DEMO_PROFILE
from training.job import TrainResult

BR_RULE = """
  - id: brazil-pause
    text: "We pause Brazil while the local partner is onboarded."
    when: {field: country, eq: BR}
    then: disqualify
"""
TYPO_RULE = """
  - id: brazil-pause
    text: "We pause Brazil while the local partner is onboarded."
    when: {field: contry, eq: BR}
    then: disqualify
"""


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture()
def champion_store(trained: TrainResult, tracking_uri: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The session's store, holding a champion, as the CLI's MLflow store."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking_uri)
    return tracking_uri


def proposal(tmp_path: Path, extra_rule: str) -> Path:
    """The demo agreement with one more rule and a new version."""
    text = DEMO_AGREEMENT.read_text(encoding="utf-8")
    text = text.replace('version: "2026-11-01"', 'version: "2026-12-01"')
    path = tmp_path / "proposed.yaml"
    path.write_text(text.rstrip("\n") + "\n" + extra_rule, encoding="utf-8")
    return path


def one_line_error(stderr: str) -> str:
    """The error line; MLflow may log its own lines when it creates an empty store."""
    lines = [line for line in stderr.splitlines() if " INFO mlflow." not in line and line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


def test_agreement_impact_lists_the_won_deals_a_new_rule_disqualifies(
    runner: CliRunner, champion_store: str, demo_data: Path, demo_profile: Profile, tmp_path: Path
) -> None:
    out = tmp_path / "impact" / "impact.json"
    result = runner.invoke(app, ["agreement-impact", str(proposal(tmp_path, BR_RULE)),
                                 "--current", str(DEMO_AGREEMENT), "--profile", str(DEMO_PROFILE),
                                 "--data", str(demo_data), "--json", str(out)])
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text(encoding="utf-8"))
    closed = load_history(demo_profile, demo_data).closed
    brazil = (closed.frame["country"] == "BR").to_numpy()
    won_ids = set(closed.frame.loc[brazil & (closed.won == 1.0), "lead_id"])
    # won leads are never students or competitors, so no current rule disqualified these deals
    assert figures["newly_disqualified_won"]["count"] == len(won_ids) > 0
    assert set(figures["newly_disqualified_won"]["lead_ids"]) <= won_ids
    assert len(figures["newly_disqualified_won"]["lead_ids"]) == min(20, len(won_ids))
    rules = {rule["id"]: rule for rule in figures["rules"]}
    assert (rules["brazil-pause"]["status"], rules["brazil-pause"]["caught"]) == ("new", int(brazil.sum()))
    assert rules["brazil-pause"]["won"] == len(won_ids)
    assert {rules[r]["status"] for r in rules if r != "brazil-pause"} == {"unchanged"}
    assert figures["leads"] == len(closed.frame) and figures["won"] == int(closed.won.sum())
    assert sum(g["before"] for g in figures["grades"]) == len(closed.frame)
    assert sum(g["after"] for g in figures["grades"]) == len(closed.frame)
    assert "Won deals the proposal would disqualify" in result.stdout
    assert "brazil-pause" in result.stdout


def test_agreement_impact_refuses_a_malformed_proposal_naming_rule_and_field(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["agreement-impact", str(proposal(tmp_path, TYPO_RULE))])
    assert result.exit_code == 1
    line = one_line_error(result.stderr)
    assert "rule 'brazil-pause'" in line and "field 'contry'" in line and "did you mean 'country'" in line


def test_agreement_impact_without_a_champion(runner: CliRunner, fresh_tracking: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["agreement-impact", str(proposal(tmp_path, BR_RULE))])
    assert result.exit_code == 1
    assert re.search(r"no @champion for leadscore-demo in sqlite:///.*: run `make train` first$",
                     one_line_error(result.stderr))


def test_report_writes_json_and_html(
    runner: CliRunner, champion_store: str, demo_data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "reports"
    result = runner.invoke(app, ["report", "--profile", str(DEMO_PROFILE), "--data", str(demo_data),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    figures = json.loads((out / "funnel.json").read_text(encoding="utf-8"))
    total = figures["total"]
    assert total["leads"] == 20_000 and total["won"] + total["lost"] + total["open"] == 20_000
    assert [row["key"] for row in figures["by_grade"]] == ["A", "B", "C", "D"]
    assert sum(row["leads"] for row in figures["by_source"]) == 20_000
    assert [rule["id"] for rule in figures["rules"]][:2] == ["price-too-high-market", "student"]
    student = next(rule for rule in figures["rules"] if rule["id"] == "student")
    assert student["caught"] > 0 and student["won"] == 0  # the demo's students never buy
    page = (out / "funnel.html").read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') >= 3
    assert f"wrote {out / 'funnel.json'}" in result.stderr


def test_report_for_a_period(
    runner: CliRunner, champion_store: str, demo_data: Path, demo_profile: Profile, tmp_path: Path
) -> None:
    history = load_history(demo_profile, demo_data)
    start, end = np.datetime64("2025-06-01"), np.datetime64("2025-09-01")
    times = history.time.to_numpy()
    expected = int(((times >= start) & (times < end)).sum())
    result = runner.invoke(app, ["report", "--data", str(demo_data), "--from", "2025-06-01",
                                 "--to", "2025-09-01", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    figures = json.loads((tmp_path / "funnel.json").read_text(encoding="utf-8"))
    assert figures["period"] == {"from": "2025-06-01T00:00:00", "to": "2025-09-01T00:00:00"}
    assert figures["total"]["leads"] == expected > 0


def test_report_refuses_a_bad_date(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--from", "2025-13-01", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "--from '2025-13-01' is not a date" in one_line_error(result.stderr)
    assert not (tmp_path / "funnel.html").exists()


def test_report_without_a_champion(runner: CliRunner, fresh_tracking: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "no @champion for leadscore-demo" in one_line_error(result.stderr)
    assert not (tmp_path / "funnel.json").exists()
