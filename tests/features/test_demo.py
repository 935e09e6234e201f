"""Tests for the built-in demo history generator."""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from features.demo import generate_demo, write_demo
from features.profile import load_profile

ROWS = 5_000
EXPENSIVE_MARKETS = ["IN", "NG", "PK"]


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    """One demo history shared by the read-only tests."""
    return generate_demo(rows=ROWS, seed=7)


@pytest.fixture(scope="module")
def closed(leads: pd.DataFrame) -> pd.DataFrame:
    """Won and lost leads only, with a boolean `is_won`."""
    frame = leads[leads["outcome"] != "open"].copy()
    frame["is_won"] = frame["outcome"] == "won"
    return frame


def won_rate(closed: pd.DataFrame, mask: pd.Series) -> float:
    """Won rate among the closed leads selected by `mask` (missing counts as not selected)."""
    selected = closed.loc[mask.fillna(False).astype(bool), "is_won"]
    assert len(selected) >= 30, "too few leads in the segment to judge its won rate"
    return float(selected.mean())


def test_same_seed_gives_identical_frame() -> None:
    """Generation is deterministic for a seed."""
    pd.testing.assert_frame_equal(generate_demo(rows=3_000, seed=3), generate_demo(rows=3_000, seed=3))


def test_different_seed_gives_different_frame() -> None:
    """The seed actually drives the draws."""
    first, second = generate_demo(rows=3_000, seed=3), generate_demo(rows=3_000, seed=4)
    assert not first["outcome"].equals(second["outcome"])
    assert not first["created_at"].equals(second["created_at"])


def test_columns_are_exactly_those_the_profile_declares(leads: pd.DataFrame) -> None:
    """Id, time, outcome, features, attributes and after-outcome columns, nothing else."""
    profile = load_profile("profiles/demo.yaml")
    declared = [profile.id, profile.time.column, profile.outcome.column, *profile.feature_names]
    declared += [a.name for a in profile.attributes] + [c.column for c in profile.known_after_outcome]
    assert sorted(leads.columns) == sorted(declared)
    assert len(leads) == ROWS


def test_column_dtypes(leads: pd.DataFrame) -> None:
    """Categoricals are strings, flags nullable booleans, counts floats, times datetimes."""
    for column in ["lead_source", "campaign", "country", "timeline", "budget", "company", "phone"]:
        assert pd.api.types.is_string_dtype(leads[column]), column
    for column in ["existing_customer", "webinar_attended", "demo_requested", "stated_need"]:
        assert leads[column].dtype == "boolean", column
    for column in ["website_visits", "pricing_page_views", "days_since_last_activity", "deal_value"]:
        assert leads[column].dtype == np.float64, column
    assert pd.api.types.is_datetime64_any_dtype(leads["created_at"])
    assert pd.api.types.is_datetime64_any_dtype(leads["closed_at"])


def test_lead_ids_are_unique_and_formatted(leads: pd.DataFrame) -> None:
    """Ids look like L0000001 and never repeat."""
    assert leads["lead_id"].is_unique
    assert leads["lead_id"].str.fullmatch(r"L\d{7}").all()


def test_created_at_is_sorted_and_spans_the_window(leads: pd.DataFrame) -> None:
    """Leads are in creation order over about 24 months ending on the end date."""
    created = leads["created_at"]
    assert created.is_monotonic_increasing
    assert created.min() >= pd.Timestamp("2024-11-01")
    assert created.max() < pd.Timestamp("2026-11-01")
    assert (created.max() - created.min()).days > 700
    assert created.dt.to_period("M").nunique() == 24


def test_months_and_end_are_respected() -> None:
    """A shorter window ending elsewhere is honoured."""
    created = generate_demo(rows=3_000, months=6, end=datetime.date(2025, 3, 31))["created_at"]
    assert created.min() >= pd.Timestamp("2024-10-01")
    assert created.max() < pd.Timestamp("2025-04-01")
    assert created.dt.to_period("M").nunique() == 6


def test_lead_volume_grows(leads: pd.DataFrame) -> None:
    """The last year brings more leads than the first."""
    first_year = (leads["created_at"] < pd.Timestamp("2025-11-01")).sum()
    assert ROWS - first_year > 1.1 * first_year


def test_won_rate_among_closed_is_realistic(closed: pd.DataFrame) -> None:
    """About one closed lead in eight is won."""
    assert 0.08 <= closed["is_won"].mean() <= 0.18


def test_open_leads_are_recent_and_never_alone(leads: pd.DataFrame) -> None:
    """Only leads of the last ~45 days are still open, and every month has closed leads."""
    is_open = leads["outcome"] == "open"
    assert set(leads["outcome"]) == {"won", "lost", "open"}
    assert leads.loc[is_open, "created_at"].min() >= pd.Timestamp("2026-09-15")
    closed_per_month = (~is_open).groupby(leads["created_at"].dt.to_period("M")).sum()
    assert (closed_per_month > 0).all()


def test_too_expensive_markets_almost_never_win(closed: pd.DataFrame) -> None:
    """IN, NG and PK win under 2 % where others win far more."""
    expensive = closed["country"].isin(EXPENSIVE_MARKETS)
    assert won_rate(closed, expensive) < 0.02
    assert won_rate(closed, ~expensive) > 0.08


def test_students_and_competitors_never_win(closed: pd.DataFrame) -> None:
    """Students and competitors research; they do not buy."""
    assert won_rate(closed, closed["role"] == "student") == 0.0
    assert won_rate(closed, closed["email_domain"] == "competitor") == 0.0


def test_ebook_campaign_is_big_and_rarely_wins(leads: pd.DataFrame, closed: pd.DataFrame) -> None:
    """The ebook giveaway brings about a fifth of the leads and few wins."""
    assert 0.15 <= (leads["campaign"] == "ebook-giveaway").mean() <= 0.28
    assert won_rate(closed, closed["campaign"] == "ebook-giveaway") < 0.06


def test_demo_request_and_pricing_views_raise_the_won_rate(closed: pd.DataFrame) -> None:
    """Hand-raisers and pricing-page readers win clearly more often."""
    demo = closed["demo_requested"]
    assert won_rate(closed, demo) > 2 * won_rate(closed, ~demo)
    views = closed["pricing_page_views"]
    assert won_rate(closed, views >= 2) > 2 * won_rate(closed, views == 0)


def test_long_inactivity_lowers_the_won_rate(closed: pd.DataFrame) -> None:
    """Leads idle for two months or more rarely win."""
    idle = closed["days_since_last_activity"]
    assert won_rate(closed, idle >= 60) < 0.5 * won_rate(closed, idle <= 14)


def test_referrals_beat_cold_outbound(closed: pd.DataFrame) -> None:
    """Warm sources win more than cold ones."""
    source = closed["lead_source"]
    assert won_rate(closed, source == "referral") > 2 * won_rate(closed, source == "cold_outbound")


def partial_effects(closed: pd.DataFrame) -> dict[str, float]:
    """Logistic-regression coefficients of key drivers, each adjusted for the others."""
    design = pd.DataFrame({
        "demo_requested": closed["demo_requested"].astype("float"),
        "log_pricing_views": np.log1p(closed["pricing_page_views"]),
        "idle_months": closed["days_since_last_activity"] / 30,
        "log_website_visits": np.log1p(closed["website_visits"]),
        "referral": closed["lead_source"] == "referral",
        "partner": closed["lead_source"] == "partner",
        "cold_outbound": closed["lead_source"] == "cold_outbound",
        "content_syndication": closed["lead_source"] == "content_syndication",
        "expensive_market": closed["country"].isin(EXPENSIVE_MARKETS),
        "ebook": closed["campaign"] == "ebook-giveaway",
    }).astype(float)
    complete = design.notna().all(axis=1)
    model = LogisticRegression(C=100.0, max_iter=2_000)
    model.fit(design[complete], closed.loc[complete, "is_won"])
    return dict(zip(design.columns, model.coef_[0], strict=True))


def test_partial_effects_have_the_documented_directions(closed: pd.DataFrame) -> None:
    """Engagement correlates with intent, so also check each driver's own, adjusted direction."""
    effect = partial_effects(closed)
    assert effect["demo_requested"] > 0.3
    assert effect["log_pricing_views"] > 0.3
    assert effect["idle_months"] < -0.1
    assert effect["referral"] > 0.2 and effect["partner"] > 0.1
    assert effect["cold_outbound"] < -0.2 and effect["content_syndication"] < -0.2
    assert effect["expensive_market"] < -1.5
    assert effect["ebook"] < -0.3


def test_deal_value_is_positive_exactly_for_won(leads: pd.DataFrame) -> None:
    """Only won deals carry a value, and it is positive."""
    won = leads["outcome"] == "won"
    assert (leads.loc[won, "deal_value"] > 0).all()
    assert leads.loc[~won, "deal_value"].isna().all()


def test_closed_at_follows_creation_for_closed_leads_only(leads: pd.DataFrame) -> None:
    """Won and lost leads close after creation and by the end date; open leads are not closed."""
    is_open = leads["outcome"] == "open"
    assert leads.loc[is_open, "closed_at"].isna().all()
    closed = leads[~is_open]
    assert closed["closed_at"].notna().all()
    assert (closed["closed_at"] > closed["created_at"]).all()
    assert closed["closed_at"].max() < pd.Timestamp("2026-11-01")


def test_missing_fields_look_like_a_crm(leads: pd.DataFrame) -> None:
    """Qualification fields are often blank, emails never, phones sometimes."""
    for column in ["industry", "company_size", "timeline", "budget", "stated_need", "seniority"]:
        assert 0.08 <= leads[column].isna().mean() <= 0.35, column
    assert leads["email"].notna().all()
    assert leads["email"].str.contains("@").all()
    assert 0.10 <= leads["phone"].isna().mean() <= 0.20


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_write_demo_round_trips(tmp_path: Path, suffix: str) -> None:
    """The written file reads back as the generated frame, in nested new folders."""
    target = tmp_path / "nested" / "demo" / f"leads{suffix}"
    assert write_demo(target, rows=3_000, seed=5) == target
    expected = generate_demo(rows=3_000, seed=5)
    if suffix == ".parquet":
        pd.testing.assert_frame_equal(pd.read_parquet(target), expected)
        return
    read = pd.read_csv(target, parse_dates=["created_at", "closed_at"])
    assert list(read.columns) == list(expected.columns)
    assert read["lead_id"].tolist() == expected["lead_id"].tolist()
    assert read["outcome"].tolist() == expected["outcome"].tolist()
    assert (read["created_at"] == expected["created_at"]).all()
    np.testing.assert_allclose(read["deal_value"], expected["deal_value"])
    assert read["demo_requested"].isna().sum() == expected["demo_requested"].isna().sum()


def test_write_demo_rejects_unknown_suffix(tmp_path: Path) -> None:
    """Only Parquet and CSV are written."""
    with pytest.raises(ValueError, match="parquet or .csv"):
        write_demo(tmp_path / "leads.xlsx", rows=100)
