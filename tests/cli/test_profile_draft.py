"""`leadscore profile draft`: a profile written whole or not at all, SQL sources, and drafting again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from cli.main import app
from features.profile import load_profile
from features.source import load_history


def leads(rows: int = 400, seed: int = 3) -> pd.DataFrame:
    """A small CRM export with a learnable outcome: referrals win, cold calls rarely do."""
    rng = np.random.default_rng(seed)
    source = rng.choice(["referral", "web_form", "cold_outbound"], rows)
    chance = np.select([source == "referral", source == "web_form"], [0.6, 0.3], 0.08)
    status = np.where(rng.random(rows) < chance, "Won", "Lost").astype(object)
    status[rng.random(rows) < 0.1] = "Working"
    return pd.DataFrame({
        "Lead ID": [f"L{i:05d}" for i in range(rows)],
        "Email": [f"person{i}@example.com" for i in range(rows)],
        "Created": pd.date_range("2025-01-01", periods=rows, freq="6h").strftime("%Y-%m-%d %H:%M:%S"),
        "Lead Source": source,
        "Employees": rng.integers(1, 500, rows),
        "Status": status,
        "Close Date": np.where(status == "Working", "", "2026-01-01"),
    })


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def draft(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["profile", "draft", *args])
    return result.exit_code, result.output


def test_the_draft_is_written_and_trains_as_it_is(runner: CliRunner, tmp_path: Path) -> None:
    export, out = tmp_path / "leads.csv", tmp_path / "profiles" / "leads.yaml"
    leads().to_csv(export, index=False)
    code, output = draft(runner, str(export), "--out", str(out))
    assert code == 0, output
    profile = load_profile(out)
    assert (profile.id, profile.outcome.column, profile.time.column) == ("Lead ID", "Status", "Created")
    assert {"Won"} == set(profile.outcome.won) and {"Working"} == set(profile.outcome.open)
    assert [a.name for a in profile.attributes if a.personal] == ["Email"]
    assert "Close Date" in {c.column for c in profile.known_after_outcome}
    assert profile.feature("Lead Source").values["cold_outbound"] == "Cold outbound"
    assert len(load_history(profile).closed.won) == int((leads()["Status"] != "Working").sum())


def test_without_out_the_draft_goes_to_stdout(runner: CliRunner, tmp_path: Path) -> None:
    export = tmp_path / "leads.csv"
    leads().to_csv(export, index=False)
    code, output = draft(runner, str(export))
    assert code == 0, output
    assert "id: Lead ID" in output and "features:" in output


def test_a_failing_draft_writes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    export, out = tmp_path / "leads.csv", tmp_path / "leads.yaml"
    leads().drop(columns=["Status"]).to_csv(export, index=False)
    code, output = draft(runner, str(export), "--out", str(out))
    assert code == 1
    assert "no column looks like the outcome" in output and "Lead Source" in output
    assert not out.exists() and not list(tmp_path.glob(".leads.yaml*"))


def test_a_join_needs_its_key(runner: CliRunner, tmp_path: Path) -> None:
    export = tmp_path / "leads.csv"
    leads().to_csv(export, index=False)
    code, output = draft(runner, str(export), "--join", str(export))
    assert code == 1 and "one --on per --join" in output


def test_a_sql_table_is_drafted(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    engine = sa.create_engine(url)
    leads().to_sql("leads", engine, index=False)
    engine.dispose()
    out = tmp_path / "crm.yaml"
    code, output = draft(runner, "--url", url, "--table", "leads", "--out", str(out))
    assert code == 0, output
    profile = load_profile(out)
    assert profile.source.table == "leads" and profile.id == "Lead ID"
    assert len(load_history(profile).frame) == 400


def test_a_missing_sql_table_is_named(runner: CliRunner, tmp_path: Path) -> None:
    code, output = draft(runner, "--url", f"sqlite:///{tmp_path / 'none.db'}", "--table", "leads")
    assert code == 1 and "'leads'" in output


def test_drafting_again_keeps_the_edits_and_reports_what_changed(runner: CliRunner, tmp_path: Path) -> None:
    export, out = tmp_path / "leads.csv", tmp_path / "leads.yaml"
    leads().to_csv(export, index=False)
    assert draft(runner, str(export), "--out", str(out))[0] == 0
    edited = yaml.safe_load(out.read_text())
    edited["name"] = "our-leads"
    source = next(f for f in edited["features"] if f["name"] == "Lead Source")
    source["display"] = "Where the lead came from"
    source["values"]["cold_outbound"] = "Cold call"
    out.write_text(yaml.safe_dump(edited, sort_keys=False))

    newer = leads(seed=4).drop(columns=["Employees"]).assign(Country=lambda f: np.where(f.index % 2, "DK", "PL"))
    newer.loc[newer["Lead Source"] == "web_form", "Lead Source"] = "paid_search"
    newer.to_csv(export, index=False)
    code, output = draft(runner, str(export), "--out", str(out))
    assert code == 0, output
    profile = load_profile(out)
    assert profile.name == "our-leads"
    assert profile.feature("Lead Source").display == "Where the lead came from"
    assert profile.feature("Lead Source").values["cold_outbound"] == "Cold call"
    assert profile.feature("Lead Source").values["paid_search"] == "Paid search"
    assert "Country" in profile.feature_names and "Employees" not in profile.feature_names
    assert "new column 'Country'" in output
    assert "column 'Employees' is no longer in the export" in output
    assert "values no longer in the export: web_form" in output


@pytest.mark.slow
def test_the_three_commands_draft_train_and_explain_with_labels(runner: CliRunner, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's own-export path: draft, train unedited, then reasons read the value labels."""
    export, out, scored = tmp_path / "leads.csv", tmp_path / "ours.yaml", tmp_path / "scored.csv"
    leads(rows=1200).to_csv(export, index=False)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert draft(runner, str(export), "--out", str(out))[0] == 0
    trained = runner.invoke(app, ["train", "--profile", str(out)])
    assert trained.exit_code == 0, trained.output
    starter = Path(__file__).resolve().parents[2] / "agreements" / "starter.yaml"
    result = runner.invoke(app, ["score", "--profile", str(out), "--agreement", str(starter), "--out", str(scored)])
    assert result.exit_code == 0, result.output
    reasons = " ".join(pd.read_csv(scored)["reasons"].fillna("").astype(str))
    assert "Cold outbound" in reasons or "Web form" in reasons
    assert "cold_outbound" not in reasons and "web_form" not in reasons


def test_a_join_key_named_otherwise_is_given_as_left_equals_right(runner: CliRunner, tmp_path: Path) -> None:
    export, deals, out = tmp_path / "leads.csv", tmp_path / "deals.csv", tmp_path / "leads.yaml"
    frame = leads().drop(columns=["Status", "Close Date"])
    frame.to_csv(export, index=False)
    won = frame[frame["Lead Source"] == "referral"].head(60)
    pd.DataFrame({"Contact ID": won["Lead ID"], "Deal Stage": "closedwon"}).to_csv(deals, index=False)
    code, output = draft(runner, str(export), "--join", str(deals), "--on", "Lead ID=Contact ID",
                         "--outcome", "matched:deals", "--out", str(out))
    assert code == 0, output
    profile = load_profile(out)
    join = profile.source.joins[0]
    assert (join.on, join.right_on, join.matched) == ("Lead ID", "Contact ID", "in_deals")
    history = load_history(profile)
    assert (int(history.closed.won.sum()), len(history.closed.won)) == (60, 400)
    assert "Deal Stage" in {c.column for c in profile.known_after_outcome}  # filled for won leads only
