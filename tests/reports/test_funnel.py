"""Marketing report figures: outcomes by grade, source and campaign, rule cost and calibration, by hand."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest

from features.profile import Profile
from features.source import History
from models.agreement import Agreement, parse_agreement
from reports.funnel import Funnel, FunnelError, Outcomes, build_funnel, funnel_from_history
from tests.reports.shop import HEAD, XX_MARKET, shop_profile

AGREEMENT = HEAD.format(version="2026-01-01") + XX_MARKET + """\
  - {id: curious, text: No demo yet., when: {field: demo, eq: false}, then: {cap: C}}
  - {id: icp, text: Big firm asked for a demo., when: {field: demo, eq: true}, then: {floor: B}}
"""

# 12 leads in [2026-01-01, 2026-04-01) and two just outside it (L13 before, L14 on the end day).
# L11 carries a rule of an older agreement version.
ROWS = [
    ("L01", "2026-01-05", 0.70, "A", [], "won", "referral", "summit"),
    ("L02", "2026-01-10", 0.60, "A", [], "lost", "referral", None),
    ("L03", "2026-01-15", 0.55, "A", [], "won", "web", "promo"),
    ("L04", "2026-01-20", 0.30, "B", ["icp"], "won", "web", "promo"),
    ("L05", "2026-02-01", 0.30, "B", [], "lost", "web", "promo"),
    ("L06", "2026-02-03", 0.28, "B", [], None, "event", "summit"),
    ("L07", "2026-02-10", 0.15, "C", ["curious"], "lost", "web", None),
    ("L08", "2026-02-12", 0.12, "C", [], "recycled", "event", None),
    ("L09", "2026-02-20", 0.60, "D", ["xx-market"], "won", "referral", "summit"),
    ("L10", "2026-02-25", 0.05, "D", ["xx-market"], "lost", "web", "promo"),
    ("L11", "2026-03-01", 0.05, "D", ["old-rule"], "lost", "event", None),
    ("L12", "2026-03-31 23:59", 0.08, "D", [], None, "web", "promo"),
    ("L13", "2025-12-31 23:59", 0.90, "A", [], "won", "referral", "summit"),
    ("L14", "2026-04-01", 0.90, "A", [], "won", "referral", "summit"),
]
START, END = dt.date(2026, 1, 1), dt.date(2026, 4, 1)


@pytest.fixture(scope="module")
def profile() -> Profile:
    return shop_profile("country", "demo", "lead_source", "campaign")


@pytest.fixture(scope="module")
def agreement(profile: Profile) -> Agreement:
    return parse_agreement(AGREEMENT, profile)


@pytest.fixture()
def scored() -> pd.DataFrame:
    columns = ["lead_id", "scored_at", "probability", "grade", "rules", "outcome", "lead_source", "campaign"]
    frame = pd.DataFrame(ROWS, columns=columns)
    frame["scored_at"] = pd.to_datetime(frame["scored_at"], format="ISO8601")
    return frame


@pytest.fixture()
def funnel(scored: pd.DataFrame, agreement: Agreement) -> Funnel:
    return build_funnel(scored, agreement, START, END)


def counts(row: Outcomes) -> tuple[str, int, int, int, int, int]:
    return row.key, row.leads, row.won, row.lost, row.recycled, row.open


def test_the_period_is_half_open(funnel: Funnel) -> None:
    assert funnel.total.leads == 12  # L13 is a minute early, L14 is on the excluded end day
    assert funnel.start == dt.datetime(2026, 1, 1) and funnel.end == dt.datetime(2026, 4, 1)


def test_totals_and_win_rate_ignore_recycled_and_open(funnel: Funnel) -> None:
    assert counts(funnel.total) == ("all leads", 12, 4, 5, 1, 2)
    assert funnel.total.win_rate == pytest.approx(4 / 9)


def test_by_grade_in_agreed_order(funnel: Funnel) -> None:
    assert [counts(row) for row in funnel.by_grade] == [
        ("A", 3, 2, 1, 0, 0),
        ("B", 3, 1, 1, 0, 1),
        ("C", 2, 0, 1, 1, 0),
        ("D", 4, 1, 2, 0, 1),
    ]
    assert [row.win_rate for row in funnel.by_grade] == pytest.approx([2 / 3, 1 / 2, 0.0, 1 / 3])


def test_by_source_most_leads_first(funnel: Funnel) -> None:
    assert [counts(row) for row in funnel.by_source] == [
        ("web", 6, 2, 3, 0, 1),
        ("event", 3, 0, 1, 1, 1),
        ("referral", 3, 2, 1, 0, 0),
    ]
    assert [row.win_rate for row in funnel.by_source] == pytest.approx([2 / 5, 0.0, 2 / 3])


def test_by_campaign_puts_leads_without_one_last(funnel: Funnel) -> None:
    assert [counts(row) for row in funnel.by_campaign] == [
        ("promo", 5, 2, 2, 0, 1),
        ("summit", 3, 2, 0, 0, 1),
        ("(none)", 4, 0, 3, 1, 0),
    ]


def test_rule_cost_lists_every_agreed_rule_then_older_ones(funnel: Funnel) -> None:
    rules = {rule.id: rule for rule in funnel.rules}
    assert list(rules) == ["xx-market", "curious", "icp", "old-rule"]
    market = rules["xx-market"]
    assert (market.caught, market.outcomes.won, market.outcomes.lost) == (2, 1, 1)
    assert (rules["curious"].caught, rules["curious"].outcomes.won) == (1, 0)
    assert (rules["icp"].caught, rules["icp"].outcomes.won) == (1, 1)
    assert rules["xx-market"].effect == "disqualify" and rules["icp"].effect == "floor B"
    assert rules["old-rule"].effect is None and rules["old-rule"].caught == 1


def test_a_rule_that_never_fired_still_shows_with_zero(scored: pd.DataFrame, agreement: Agreement) -> None:
    scored["rules"] = [[] for _ in range(len(scored))]
    funnel = build_funnel(scored, agreement)
    assert [(rule.id, rule.caught, rule.outcomes.win_rate) for rule in funnel.rules] == [
        ("xx-market", 0, None), ("curious", 0, None), ("icp", 0, None)]


def test_calibration_per_band_of_closed_leads(funnel: Funnel) -> None:
    bands = [(b.grade, b.lower, b.upper, b.leads, b.won) for b in funnel.calibration]
    assert bands == [("A", 0.5, 1.0, 4, 3), ("B", 0.25, 0.5, 2, 1), ("C", 0.1, 0.25, 1, 0),
                     ("D", 0.0, 0.1, 2, 0)]
    assert [b.mean_probability for b in funnel.calibration] == pytest.approx([0.6125, 0.30, 0.15, 0.05])
    assert [b.win_rate for b in funnel.calibration] == pytest.approx([0.75, 0.5, 0.0, 0.0])


def test_json_has_every_figure_and_no_nan(scored: pd.DataFrame, agreement: Agreement) -> None:
    empty = build_funnel(scored, agreement, dt.date(2030, 1, 1), dt.date(2030, 2, 1))
    payload = json.loads(json.dumps(empty.to_dict(), allow_nan=False))
    assert payload["total"] == {"key": "all leads", "leads": 0, "won": 0, "lost": 0, "recycled": 0, "open": 0,
                                "win_rate": None}
    assert payload["period"] == {"from": "2030-01-01T00:00:00", "to": "2030-02-01T00:00:00"}
    assert [band["mean_probability"] for band in payload["calibration"]] == [None] * 4
    assert payload["by_source"] == [] and payload["by_grade"][0]["win_rate"] is None


def test_json_matches_the_figures(funnel: Funnel) -> None:
    payload = funnel.to_dict()
    assert payload["by_grade"][0] == {"key": "A", "leads": 3, "won": 2, "lost": 1, "recycled": 0, "open": 0,
                                      "win_rate": pytest.approx(2 / 3)}
    assert payload["rules"][0] == {"id": "xx-market", "effect": "disqualify", "text": "Price too high there.",
                                   "caught": 2, "won": 1, "lost": 1, "recycled": 0, "open": 0,
                                   "win_rate": 0.5}
    assert payload["agreement_version"].startswith("2026-01-01+")


def test_aware_times_with_naive_bounds_read_as_utc(scored: pd.DataFrame, agreement: Agreement) -> None:
    scored["scored_at"] = scored["scored_at"].dt.tz_localize("UTC").dt.tz_convert("Europe/Berlin")
    assert build_funnel(scored, agreement, START, END).total.leads == 12


def test_rules_read_back_from_parquet_as_arrays(scored: pd.DataFrame, agreement: Agreement) -> None:
    scored["rules"] = [np.array(ids, dtype=object) for ids in scored["rules"]]
    scored.loc[0, "rules"] = None
    funnel = build_funnel(scored, agreement, START, END)
    assert funnel.rules[0].caught == 2


def test_an_unknown_outcome_names_the_value_and_the_lead(scored: pd.DataFrame, agreement: Agreement) -> None:
    scored.loc[3, "outcome"] = "pending"
    with pytest.raises(FunnelError, match=r"outcome 'pending' of lead 'L04'"):
        build_funnel(scored, agreement)


def test_a_missing_column_is_named(scored: pd.DataFrame, agreement: Agreement) -> None:
    with pytest.raises(FunnelError, match=r"column 'probability' is missing"):
        build_funnel(scored.drop(columns=["probability"]), agreement)


def test_a_period_needs_dates(scored: pd.DataFrame, agreement: Agreement) -> None:
    scored["scored_at"] = np.arange(len(scored))
    assert build_funnel(scored, agreement).total.leads == 14  # no period: times are not read
    with pytest.raises(FunnelError, match=r"'scored_at' holds int64, not dates"):
        build_funnel(scored, agreement, START)


def test_funnel_from_history_grades_and_keeps_lead_fields(agreement: Agreement) -> None:
    frame = pd.DataFrame({
        "lead_id": ["H1", "H2", "H3"], "country": ["XX", "DE", "DE"], "demo": [True, False, True],
        "lead_source": ["web", "event", None], "campaign": [None, "promo", "promo"],
        "result": ["won", "lost", "open"],  # the raw outcome column stays in a History's frame
    })
    time = pd.Series(pd.to_datetime(["2026-01-02", "2026-01-03", "2026-01-04"]))
    history = History(frame, np.array([1.0, 0.0, math.nan]), time)
    table = funnel_from_history(history, np.array([0.6, 0.6, 0.2]), agreement)
    assert table["lead_id"].tolist() == ["H1", "H2", "H3"]
    assert table["grade"].tolist() == ["D", "C", "B"]  # disqualified, capped, floored
    assert [list(ids) for ids in table["rules"]] == [["xx-market", "icp"], ["curious"], ["icp"]]
    assert table["outcome"].tolist() == ["won", "lost", None]
    assert table["scored_at"].tolist() == time.tolist()
    assert table["lead_source"].tolist()[:2] == ["web", "event"]
    funnel = build_funnel(table, agreement)
    assert counts(funnel.total) == ("all leads", 3, 1, 1, 0, 1)


def test_funnel_from_history_asks_the_model(agreement: Agreement) -> None:
    class Model:
        class estimator:  # noqa: N801 - mimics LeadModel.estimator
            @staticmethod
            def predict_proba(leads: pd.DataFrame) -> np.ndarray:
                return np.full(len(leads), 0.7)

    frame = pd.DataFrame({"id": ["a", "b"], "country": ["DE", "DE"], "demo": [True, True]})
    history = History(frame, np.array([1.0, 0.0]), pd.Series(pd.to_datetime(["2026-01-01", "2026-01-02"])))
    table = funnel_from_history(history, Model(), agreement, id_column="id")
    assert table["probability"].tolist() == [0.7, 0.7] and table["grade"].tolist() == ["A", "A"]
    assert table["lead_id"].tolist() == ["a", "b"] and "id" not in table.columns
