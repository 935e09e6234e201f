"""Agreement what-if: a constructed pair of agreements on ten leads whose answer is worked out by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from features.profile import Profile
from models.agreement import Agreement, parse_agreement
from reports.impact import LISTED, Impact, compare_agreements
from tests.reports.shop import HEAD, shop_profile

US_DEMO = ("  - {id: us-demo, text: US demo requests are warm., "
           "when: {all: [{field: country, eq: US}, {field: demo, eq: true}]}, then: {floor: B}}\n")
XX_MARKET = ("  - {id: xx-market, text: Price too high in XX., when: {field: country, eq: XX}, "
             "then: disqualify}\n")
NO_DEMO = "  - {id: no-demo, text: No demo yet., when: {field: demo, eq: false}, then: {cap: C}}\n"

# id, country, demo, P(won), won
LEADS = [
    ("L1", "XX", True, 0.70, 1),
    ("L2", "XX", False, 0.30, 1),
    ("L3", "XX", True, 0.05, 1),
    ("L4", "XX", False, 0.20, 0),
    ("L5", "DE", True, 0.60, 1),
    ("L6", "DE", False, 0.60, 1),
    ("L7", "DE", False, 0.30, 0),
    ("L8", "US", True, 0.30, 0),
    ("L9", "US", False, 0.05, 0),
    ("L10", "US", True, 0.12, 1),
]


@pytest.fixture(scope="module")
def profile() -> Profile:
    return shop_profile("country", "demo", outcome="outcome")


def agreement(profile: Profile, version: str, *rules: str) -> Agreement:
    head = HEAD.format(version=version)
    return parse_agreement(head + "".join(rules) if rules else head.replace("rules:", "rules: []"), profile)


@pytest.fixture(scope="module")
def impact(profile: Profile) -> Impact:
    """Today: a floor for US demo requests. Proposed: drop it, disqualify XX, cap leads without a demo."""
    frame = pd.DataFrame(LEADS, columns=["lead_id", "country", "demo", "p", "won"])
    current = agreement(profile, "1", US_DEMO)
    proposed = agreement(profile, "2", XX_MARKET, NO_DEMO)
    return compare_agreements(current, proposed, frame[["lead_id", "country", "demo"]],
                              frame["p"].to_numpy(), frame["won"].to_numpy())


def test_the_won_deals_of_a_disqualified_market_are_listed(impact: Impact) -> None:
    # L3 was already graded D, but it was not disqualified: it is newly disqualified all the same
    assert impact.newly_disqualified.count == 3
    assert [(d.lead_id, d.before, d.after, d.rule) for d in impact.newly_disqualified.listed] == [
        ("L1", "A", "D", "xx-market"), ("L2", "B", "D", "xx-market"), ("L3", "D", "D", "xx-market")]


def test_won_deals_graded_lower_name_the_deciding_rule(impact: Impact) -> None:
    # L6 is capped by the new rule; L10 loses the dropped floor, so the thresholds decide its grade
    assert impact.downgraded.count == 2
    assert [(d.lead_id, d.before, d.after, d.rule) for d in impact.downgraded.listed] == [
        ("L6", "A", "C", "no-demo"), ("L10", "B", "C", None)]
    assert impact.upgraded.count == 0 and impact.upgraded.listed == ()


def test_grade_distribution_and_win_rates_before_and_after(impact: Impact) -> None:
    rows = [(g.grade, g.before, g.after, g.won_before, g.won_after) for g in impact.grades]
    assert rows == [("A", 3, 1, 3, 1), ("B", 4, 1, 2, 0), ("C", 1, 3, 0, 2), ("D", 2, 5, 1, 3)]
    assert [g.share_before for g in impact.grades] == pytest.approx([0.3, 0.4, 0.1, 0.2])
    assert [g.share_after for g in impact.grades] == pytest.approx([0.1, 0.1, 0.3, 0.5])
    assert [g.win_rate_before for g in impact.grades] == pytest.approx([1.0, 0.5, 0.0, 0.5])
    assert [g.win_rate_after for g in impact.grades] == pytest.approx([1.0, 0.0, 2 / 3, 0.6])
    assert (impact.leads, impact.won) == (10, 6)


def test_each_proposed_rule_shows_what_it_catches_and_costs(impact: Impact) -> None:
    rules = {r.id: (r.status, r.caught, r.won, r.decided, r.decided_won) for r in impact.rules}
    # no-demo catches L2 and L4 too, but xx-market decides their grade
    assert rules == {"xx-market": ("new", 4, 3, 4, 3), "no-demo": ("new", 5, 2, 2, 1)}
    assert impact.removed_rules == ("us-demo",)


def test_rule_status_compares_what_the_rule_says(profile: Profile) -> None:
    frame = pd.DataFrame(LEADS, columns=["lead_id", "country", "demo", "p", "won"])
    reworded = NO_DEMO.replace("No demo yet.", "No demo requested yet.")
    today = agreement(profile, "1", XX_MARKET, NO_DEMO)
    proposal = agreement(profile, "2", XX_MARKET, reworded)
    result = compare_agreements(today, proposal, frame, frame["p"].to_numpy(), frame["won"].to_numpy())
    assert [(r.id, r.status) for r in result.rules] == [("xx-market", "unchanged"), ("no-demo", "changed")]
    assert result.newly_disqualified.count == 0 and result.downgraded.count == 0


def test_at_most_twenty_won_deals_are_listed_but_all_are_counted(profile: Profile) -> None:
    frame = pd.DataFrame({"lead_id": [f"X{i:02d}" for i in range(25)], "country": "XX", "demo": True})
    result = compare_agreements(agreement(profile, "1"), agreement(profile, "2", XX_MARKET), frame,
                                np.full(25, 0.4), np.ones(25))
    assert result.newly_disqualified.count == 25
    assert [d.lead_id for d in result.newly_disqualified.listed] == [f"X{i:02d}" for i in range(LISTED)]


def test_json_carries_the_same_figures(impact: Impact) -> None:
    payload = json.loads(json.dumps(impact.to_dict(), allow_nan=False))
    assert payload["newly_disqualified_won"]["count"] == 3
    assert payload["newly_disqualified_won"]["lead_ids"] == ["L1", "L2", "L3"]
    assert payload["downgraded_won"]["deals"][1] == {"lead_id": "L10", "before": "B", "after": "C",
                                                     "rule": None}
    assert payload["grades"][2]["win_rate_after"] == pytest.approx(2 / 3)
    assert payload["rules"][0]["win_rate"] == 0.75
    assert payload["current_version"].startswith("1+") and payload["proposed_version"].startswith("2+")


def test_open_leads_are_refused(profile: Profile) -> None:
    frame = pd.DataFrame(LEADS, columns=["lead_id", "country", "demo", "p", "won"])
    won = frame["won"].to_numpy(dtype=float)
    won[0] = np.nan
    with pytest.raises(ValueError, match="1 leads are still open"):
        compare_agreements(agreement(profile, "1"), agreement(profile, "2"), frame, frame["p"].to_numpy(),
                           won)
