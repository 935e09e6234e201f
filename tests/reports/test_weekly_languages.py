"""The weekly report in the marketer's language: texts from a gettext catalog passed in (reports never import
serving), locale number formats, and share axes that read in percent."""

from __future__ import annotations

import datetime as dt
import gettext
import re
from typing import Any

import pytest

from features.profile import Profile, load_profile
from models.agreement import Agreement, load_agreement
from reports.render import in_language
from reports.weekly import WeeklyReport, profile_labeller, weekly_report
from reports.weekly_page import calibration_chart, follow_up_chart, render_weekly
from serving.language.catalog import language
from tests.conftest import DEMO_AGREEMENT, DEMO_PROFILE
from tests.reports.weekly_data import generated

END = dt.date(2026, 11, 29)
IMAGE_ALT = re.compile(r'<img alt="([^"]+)"')


@pytest.fixture(scope="module")
def profile() -> Profile:
    return load_profile(DEMO_PROFILE)


@pytest.fixture(scope="module")
def agreement(profile: Profile) -> Agreement:
    return load_agreement(DEMO_AGREEMENT, profile)


def report_in(profile: Profile, agreement: Agreement, code: str) -> WeeklyReport:
    labels = profile_labeller(profile, {"campaign": "campaign", "source": "lead_source"}, code)
    return weekly_report(generated(), agreement, labels, END, weeks=4, code=code)


def test_english_stays_the_default(profile: Profile, agreement: Agreement) -> None:
    page = render_weekly(report_in(profile, agreement, "en"), translations=gettext.NullTranslations())
    assert '<html lang="en">' in page and "<h1>Weekly closed-loop report</h1>" in page
    assert "95 % interval" in page and "Qualified: grade A or B" in page


@pytest.mark.parametrize("code, title, words", [
    ("da", "Ugentlig closed loop-rapport", ("Aftalt opfølgning", "Kampagner og kilder", "Hitrate efter kampagne")),
    ("nl", "Wekelijks closed-loop-rapport", ("Afgesproken opvolging", "Campagnes en bronnen", "Kalibratie")),
    ("pl", "Tygodniowy raport zamkniętej pętli", ("Uzgodnione terminy kontaktu", "Kampanie i źródła", "Kohorty")),
])
def test_the_report_in_another_language(profile: Profile, agreement: Agreement, code: str, title: str,
                                        words: tuple[str, ...]) -> None:
    reader = language(code)
    page = render_weekly(report_in(profile, agreement, code), translations=reader, locale=code)
    assert f'<html lang="{code}">' in page and f"<h1>{title}</h1>" in page
    for word in words:
        assert word in page
    for english in ("Follow-up promises", "Campaigns and sources", "Win rate by campaign", "new leads",
                    "handed to sales", "median to first contact"):
        assert english not in page, f"{english!r} left in {code}"
    assert agreement.label_in("A", code) in page, "grades in the agreed word of the language"
    rules = re.search(r'<table id="rules-table">.*?</table>', page, re.S)
    assert rules and "disqualify" not in rules.group(0) and "cap C" not in rules.group(0), "effects in the language"
    assert f'title="{agreement.rule_text("student", code)}"' in rules.group(0), "rule texts in the language"
    assert "Win rate" not in " ".join(IMAGE_ALT.findall(page))


def test_danish_numbers_in_the_report(profile: Profile, agreement: Agreement) -> None:
    page = render_weekly(report_in(profile, agreement, "da"), translations=language("da"), locale="da")
    assert re.search(r"\d+\u00a0%", page), "Danish writes '31 %'"
    assert not re.search(r"\d+\.\d\u00a0t\b", page), "decimal commas in hours"


def tick(axes: Any, which: str, value: float) -> str:
    formatter = (axes.xaxis if which == "x" else axes.yaxis).get_major_formatter()
    return str(formatter(value, 0))


@pytest.mark.parametrize("code, half", [("en", "50 %"), ("da", "50\u00a0%"), ("nl", "50%"), ("pl", "50\u00a0%")])
def test_share_axes_read_in_percent(profile: Profile, agreement: Agreement, code: str, half: str) -> None:
    sections = report_in(profile, agreement, code).sections
    with in_language(language(code), code):
        follow_up = follow_up_chart(sections["follow_up"])
        calibration = calibration_chart(sections["calibration"]["current"])
        assert follow_up is not None and calibration is not None
        axes = follow_up.axes[0]
        assert axes.get_ylim() == (0.0, 1.0) and tick(axes, "y", 0.5) == half
        assert "(%)" in axes.get_ylabel()
        assert tick(calibration.axes[0], "x", 0.5) == half and tick(calibration.axes[0], "y", 1.0) == half.replace(
            "50", "100")
