"""The weekly report page: every section with its chart, value labels, percent axes, sentences for empty charts."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from features.profile import Profile, load_profile
from models.agreement import Agreement, load_agreement
from reports.weekly import WeeklyReport, profile_labeller, weekly_report
from reports.weekly_page import render_weekly, weekly_charts, write_weekly
from tests.conftest import DEMO_AGREEMENT, DEMO_PROFILE
from tests.reports.weekly_data import empty, generated

IMAGE = re.compile(r'<img alt="([^"]+)" src="data:image/png;base64,[A-Za-z0-9+/=]+">')
END = dt.date(2026, 11, 29)


@pytest.fixture(scope="module")
def profile() -> Profile:
    return load_profile(DEMO_PROFILE)


@pytest.fixture(scope="module")
def agreement(profile: Profile) -> Agreement:
    return load_agreement(DEMO_AGREEMENT, profile)


@pytest.fixture(scope="module")
def report(profile: Profile, agreement: Agreement) -> WeeklyReport:
    labels = profile_labeller(profile, {"campaign": "campaign", "source": "lead_source"})
    return weekly_report(generated(), agreement, labels, END, weeks=4)


def test_every_section_has_its_chart(report: WeeklyReport) -> None:
    page = render_weekly(report)
    assert set(IMAGE.findall(page)) >= {"Trend per week", "Follow-up promises kept", "Win rate by campaign",
                                        "Win rate by lead source", "Calibration", "Rules per week",
                                        "Cohorts of grade A", "Score feedback"}
    for section in ("trend", "follow_up", "campaigns", "calibration", "rules", "cohorts", "score_feedback"):
        assert f'<section id="{section}">' in page
    assert "<script" not in page


def test_labels_are_words_not_codes(report: WeeklyReport, profile: Profile) -> None:
    page = render_weekly(report)
    campaign = next(f for f in profile.features if f.name == "campaign")
    assert campaign.value_label("webinar-series") in page
    assert "<td>webinar-series</td>" not in page and "<td>web_form</td>" not in page


def test_percent_axes_run_in_percent(report: WeeklyReport) -> None:
    from reports.weekly_page import follow_up_chart

    drawn = follow_up_chart(report.sections["follow_up"])
    assert drawn is not None
    drawn.canvas.draw()
    ticks = [tick.get_text() for tick in drawn.axes[0].get_yticklabels()]
    assert ticks[0] == "0 %" and ticks[-1] == "100 %"


def test_a_chart_with_no_data_is_a_sentence(agreement: Agreement, profile: Profile) -> None:
    nothing = weekly_report(empty(), agreement, profile_labeller(profile, {}), END)
    assert set(weekly_charts(nothing).values()) == {None}
    page = render_weekly(nothing)
    assert IMAGE.findall(page) == []
    assert "No lead was scored in these weeks: there is no trend to chart." in page
    assert "No seller reported a wrong score in the window." in page


def test_write_weekly_writes_json_html_and_csv(report: WeeklyReport, tmp_path: Path) -> None:
    written = write_weekly(report, tmp_path / "out")
    names = {path.name for path in written}
    assert {"weekly.json", "weekly.html", "weekly-campaigns.csv", "weekly-follow-up-by-grade.csv"} <= names
    assert json.loads((tmp_path / "out" / "weekly.json").read_text())["window"]["end"].startswith("2026-11-30")
    header = (tmp_path / "out" / "weekly-campaigns.csv").read_text().splitlines()[0]
    assert header.startswith("key,label,leads,qualified,waste") and "win_rate_low" in header
