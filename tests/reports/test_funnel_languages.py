"""The funnel report in the marketer's language: texts from a gettext catalog passed in (reports never import
serving), the agreement's and the profile's words in that language, locale number formats, and share axes that
read in percent."""

from __future__ import annotations

import datetime as dt
import gettext
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

from features.profile import Profile, load_profile
from models.agreement import Agreement, load_agreement
from reports.funnel import Funnel, build_funnel
from reports.funnel_page import calibration_plot, render_report, rule_cost_plot, win_rate_plot
from reports.render import in_language
from reports.weekly import profile_labeller
from serving.language.catalog import language
from tests.conftest import DEMO_AGREEMENT, DEMO_PROFILE

LEADS = 1_200  # past a thousand, so that counts show the locale's grouping
GENERATED = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
IMAGE_ALT = re.compile(r'<img alt="([^"]+)"')
ENGLISH = ("Lead funnel", "Win rate", "win rate", "Leads scored", "agreement", "generated", "recycled", "lost",
           "What each agreed rule cost", "Grade calibration", "what it means", "closed leads", "mean predicted",
           "no verdict yet", "disqualify", "cap C", "floor B", "lead store", "(none)", "Students research")
TITLES = {"da": "Leadtragt: closed loop-rapport", "nl": "Leadfunnel: closed-loop-rapport",
          "pl": "Lejek leadów: raport zamkniętej pętli"}


@pytest.fixture(scope="module")
def profile() -> Profile:
    return load_profile(DEMO_PROFILE)


@pytest.fixture(scope="module")
def agreement(profile: Profile) -> Agreement:
    return load_agreement(DEMO_AGREEMENT, profile)


def scored() -> pd.DataFrame:
    """Scored demo leads: every agreed grade, some rules fired, outcomes of every kind, a few without a campaign."""
    rng = np.random.default_rng(3)
    probability = rng.beta(2, 5, LEADS)
    grade = np.select([probability >= 0.5, probability >= 0.25, probability >= 0.1], ["A", "B", "C"], "D")
    rules = [["student"] if i % 17 == 0 else ["curious-not-buying"] if i % 11 == 0 else [] for i in range(LEADS)]
    won = rng.random(LEADS) < probability
    outcome = np.where(rng.random(LEADS) < 0.7, np.where(won, "won", "lost"), None)
    outcome[::23] = "recycled"
    campaign = rng.choice(["partner-summit", "spring-promo", "webinar-series"], LEADS).astype(object)
    campaign[::9] = None
    return pd.DataFrame({
        "lead_id": [f"L-{i}" for i in range(LEADS)], "scored_at": pd.Timestamp("2026-02-01"),
        "probability": probability, "grade": grade, "rules": rules, "outcome": outcome,
        "lead_source": rng.choice(["referral", "web_form", "cold_outbound"], LEADS), "campaign": campaign,
    })


def funnel_in(profile: Profile, agreement: Agreement, code: str) -> Funnel:
    reader = language(code)
    return build_funnel(scored(), agreement, dt.date(2026, 1, 1), dt.date(2026, 3, 1),
                        about={reader.gettext("source"): reader.gettext("lead store")},
                        labeller=profile_labeller(profile, {}, code), code=code)


def page_in(profile: Profile, agreement: Agreement, code: str) -> str:
    return render_report(funnel_in(profile, agreement, code), generated=GENERATED, translations=language(code),
                         locale=code)


def visible(page: str) -> str:
    """The words a reader sees: tags, styles and inlined images left out."""
    body = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_english_stays_the_default(profile: Profile, agreement: Agreement) -> None:
    page = render_report(funnel_in(profile, agreement, "en"), generated=GENERATED,
                         translations=gettext.NullTranslations())
    assert '<html lang="en">' in page and "<h1>Lead funnel: closed-loop report</h1>" in page
    assert "<b>1,200 leads</b>" in page and "Leads scored from 2026-01-01 to before 2026-03-01" in page
    assert "Partner summit" in page and "(none)" in page and "cap C" in page


@pytest.mark.parametrize("code, words", [
    ("da", ("Hitrate efter karakter", "Hvad hver aftalt regel kostede", "diskvalificering", "Partnerkonference",
            "Studerende undersøger markedet", "(ikke registreret)", "fra 2026-01-01 og frem til 2026-03-01")),
    ("nl", ("Winpercentage per klasse", "Wat elke afgesproken regel kostte", "diskwalificeren", "Partnerevent",
            "Studenten onderzoeken de markt", "(niet ingevuld)", "van 2026-01-01 tot 2026-03-01")),
    ("pl", ("Odsetek wygranych według oceny", "Ile kosztowała każda uzgodniona reguła", "dyskwalifikacja",
            "Konferencja partnerska", "Studenci badają rynek", "(brak danych)", "od 2026-01-01 do 2026-03-01")),
])
def test_the_report_in_another_language(profile: Profile, agreement: Agreement, code: str,
                                        words: tuple[str, ...]) -> None:
    page = page_in(profile, agreement, code)
    assert f'<html lang="{code}">' in page and f"<h1>{TITLES[code]}</h1>" in page
    for word in words:
        assert word in page, f"{word!r} missing in {code}"
    text = visible(page)
    for english in ENGLISH:
        assert english not in text, f"{english!r} left in {code}"
    alts = " ".join(IMAGE_ALT.findall(page))
    assert alts and "Win rate" not in alts and "Rule cost" not in alts


def test_an_empty_report_in_another_language(profile: Profile, agreement: Agreement) -> None:
    empty = build_funnel(scored(), agreement, dt.date(2030, 1, 1), dt.date(2030, 2, 1), code="pl")
    page = render_report(empty, translations=language("pl"), locale="pl")
    assert "Żaden lead nie jest jeszcze wygrany ani przegrany" in page and "brak leadów" in page
    assert "No lead" not in page and "no leads" not in page


@pytest.mark.parametrize("code, thousands, share", [
    ("da", "1.200", r"\d+,\d\u00a0%"), ("nl", "1.200", r"\d+,\d%"), ("pl", "1\u00a0200", r"\d+,\d\u00a0%")])
def test_numbers_in_the_locale(profile: Profile, agreement: Agreement, code: str, thousands: str,
                               share: str) -> None:
    page = page_in(profile, agreement, code)
    assert f"<b>{thousands} leads</b>" in page or f"<b>{thousands} leadów</b>" in page
    assert re.search(share, page), f"{code} writes shares as {share}"
    assert not re.search(r"\d+\.\d\s?%", page), "no decimal points in shares"
    assert not re.search(r"\d,\d{3}\b(?!\s?%)", visible(page)), "no English thousands separators"


def tick(axes: Any, which: str, value: float) -> str:
    formatter = (axes.xaxis if which == "x" else axes.yaxis).get_major_formatter()
    return str(formatter(value, 0))


@pytest.mark.parametrize("code, half", [("en", "50 %"), ("da", "50\u00a0%"), ("nl", "50%"), ("pl", "50\u00a0%")])
def test_share_axes_read_in_percent(profile: Profile, agreement: Agreement, code: str, half: str) -> None:
    funnel = funnel_in(profile, agreement, code)
    reader = language(code)
    with in_language(reader, code):
        by_grade = win_rate_plot(funnel.by_grade, "title").axes[0]
        calibration = calibration_plot(funnel).axes[0]
        rules = rule_cost_plot(funnel)
        assert tick(by_grade, "y", 0.5) == half
        assert tick(calibration, "x", 0.5) == half and tick(calibration, "y", 0.5) == half
        assert by_grade.get_ylabel() == reader.gettext("win rate = won / (won + lost)")
        assert calibration.get_ylabel() == reader.gettext("actual win rate (%)")
        assert rules.axes[0].get_title() == reader.gettext("leads caught")
    if code != "en":
        assert by_grade.get_ylabel() != "win rate = won / (won + lost)"
