"""Who the demo leads are and what they do: creation times, firmographics, hidden intent and its signals.

Volume: creation times follow a density rising linearly by 40 % from the first to the last day.
Who: source, country, industry, company size and role are drawn with the shares in the vocabulary
tables; campaigns per source (CAMPAIGN_MIX); 35 % of contacts at 1-10 firms are founders (c_level);
free-mail addresses fall from 45 % (1-10) to 5 % (1000+); 6 % of leads are existing customers
(12 % via partner or referral, 70 % in the customer-expansion campaign).
A hidden, per-lead *intent* z ~ N(0, 1) is shifted by the source (referral +0.4, partner +0.3,
event +0.2, web_form and organic_search +0.1, content_syndication -0.4, cold_outbound -0.5),
by the campaign (ebook-giveaway -0.6, roi-calculator and brand-search +0.2) and by being an
existing customer (+0.3). Intent drives the observed signals, so they correlate as in a real CRM:

- website_visits ~ Poisson(exp(1.2 + 0.5 z)), email_opens ~ Poisson(exp(1.3 + 0.4 z)),
  pricing_page_views ~ Poisson(exp(-1.0 + 0.9 z)), content_downloads ~ Poisson(exp(-0.3 + 0.3 z))
  (+1 for ebook-giveaway leads); all rates inflate by exp(0.12 t) over the window (t: 0 -> 1).
- demo_requested ~ Bernoulli(sigmoid(-2.4 + 1.1 z)); webinar_attended ~ Bernoulli(sigmoid(-2.0 + 0.6 z),
  +1.5 on the logit for the webinar-series campaign).
- days_since_last_activity ~ Exponential(mean exp(3.0 - 0.6 z)), rounded, capped at 180 and the lead's age.
- stated_need ~ Bernoulli(sigmoid(-0.2 + 0.9 z)); timeline and budget are ordinal cuts of intent plus
  noise (budget also rises with company size).
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from features.demo.vocabulary import (
    CATEGORICAL_VOCAB,
    COMPANY_SIZES,
    COUNTRIES,
    INDUSTRIES,
    LEAD_SOURCES,
    ROLES,
    SENIORITIES,
    Columns,
    code,
    lookup,
)

SOURCE_INTENT = {"referral": 0.4, "partner": 0.3, "event": 0.2, "web_form": 0.1, "organic_search": 0.1,
                 "content_syndication": -0.4, "cold_outbound": -0.5}
# Share of leads moved to paid_search by the end of the window (budget shifts to ads over time).
PAID_SEARCH_DRIFT = 0.09

CAMPAIGN_INTENT = {"ebook-giveaway": -0.6, "roi-calculator": 0.2, "brand-search": 0.2}
# Campaign mix per source; the rest of each source's leads carry no campaign.
CAMPAIGN_MIX: dict[str, dict[str, float]] = {
    "web_form": {"ebook-giveaway": 0.25, "roi-calculator": 0.15, "webinar-series": 0.15,
                 "spring-promo": 0.10, "industry-report": 0.10},
    "referral": {"customer-expansion": 0.15},
    "paid_search": {"ebook-giveaway": 0.35, "brand-search": 0.35, "spring-promo": 0.15,
                    "roi-calculator": 0.15},
    "organic_search": {"ebook-giveaway": 0.10, "industry-report": 0.10, "roi-calculator": 0.10},
    "event": {"webinar-series": 0.30, "partner-summit": 0.30},
    "partner": {"partner-summit": 0.50, "customer-expansion": 0.10},
    "cold_outbound": {"spring-promo": 0.10, "industry-report": 0.10},
    "content_syndication": {"ebook-giveaway": 0.75, "industry-report": 0.25},
}

# Free-mail share by company size: the smaller the firm, the likelier a gmail address.
FREE_MAIL_BY_SIZE = np.array([0.45, 0.25, 0.12, 0.07, 0.05])

STUDENT_SHARE = 0.03
COMPETITOR_SHARE = 0.01
ENGAGEMENT_INFLATION = 0.12
VOLUME_GROWTH = 0.4

SECONDS_PER_DAY = 86_400


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function."""
    p: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return p


# --- Time -----------------------------------------------------------------------------------------


def created_at(
    rng: np.random.Generator, rows: int, months: int, end: datetime.date
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted creation times with linearly growing volume, their window position t and age in days."""
    start = (pd.Timestamp(end) - pd.DateOffset(months=months) + pd.Timedelta(days=1)).to_datetime64()
    stop = (pd.Timestamp(end) + pd.Timedelta(days=1)).to_datetime64()
    span = int((stop - start) / np.timedelta64(1, "s"))
    u = np.sort(rng.random(rows))
    g = VOLUME_GROWTH
    # Inverse CDF of the density (1 + g t) / (1 + g / 2) on [0, 1].
    position = (np.sqrt(1.0 + 2.0 * g * u * (1.0 + g / 2.0)) - 1.0) / g
    seconds = np.minimum((position * span).astype(np.int64), span - 1)
    created = (start.astype("datetime64[s]") + seconds).astype("datetime64[ns]")
    return created, seconds / span, (span - seconds) / SECONDS_PER_DAY


# --- Drawing helpers ------------------------------------------------------------------------------


def _draw(rng: np.random.Generator, n: int, shares: list[float]) -> np.ndarray:
    """Draw n category codes with fixed shares (normalised)."""
    p = np.asarray(shares, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum()).astype(np.int64)


def _draw_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Draw one code per row from row-wise probabilities (each row sums to 1)."""
    cumulative = probs.cumsum(axis=1)[:, :-1]
    codes: np.ndarray = (rng.random(len(probs))[:, None] >= cumulative).sum(axis=1)
    return codes


# --- Who the lead is ------------------------------------------------------------------------------


def firmographics(rng: np.random.Generator, t: np.ndarray) -> Columns:
    """Source, campaign, country, firm and person fields (codes into CATEGORICAL_VOCAB)."""
    n = len(t)
    source = _draw(rng, n, [s for s, _ in LEAD_SOURCES.values()])
    source[rng.random(n) < PAID_SEARCH_DRIFT * t] = code("lead_source", "paid_search")
    size = _draw(rng, n, [s for s, _ in COMPANY_SIZES.values()])
    cols = {
        "lead_source": source,
        "campaign": _campaigns(rng, source),
        "country": _draw(rng, n, [s for s, _ in COUNTRIES.values()]),
        "industry": _draw(rng, n, [s for s, _ in INDUSTRIES.values()]),
        "company_size": size,
        "role": _draw(rng, n, [s for s, _ in ROLES.values()]),
        "seniority": _seniority(rng, size),
    }
    student = rng.random(n) < STUDENT_SHARE
    cols["role"][student] = code("role", "student")
    cols["seniority"][student] = code("seniority", "student")
    cols["email_domain"] = _email_domains(rng, size, student)
    cols["existing_customer"] = _existing_customers(rng, source, cols["campaign"])
    return cols


def _campaigns(rng: np.random.Generator, source: np.ndarray) -> np.ndarray:
    """Campaign codes drawn per source; -1 means the lead came without a campaign."""
    names = CATEGORICAL_VOCAB["campaign"]
    table = np.zeros((len(LEAD_SOURCES), len(names) + 1))
    for i, src in enumerate(LEAD_SOURCES):
        for campaign, share in CAMPAIGN_MIX[src].items():
            table[i, names.index(campaign)] = share
        table[i, -1] = 1.0 - table[i, :-1].sum()
    codes = _draw_rows(rng, table[source])
    return np.where(codes == len(names), -1, codes)


def _seniority(rng: np.random.Generator, size: np.ndarray) -> np.ndarray:
    """Seniority codes; in the smallest firms the contact is often the founder."""
    codes = _draw(rng, len(size), [s for s, _ in SENIORITIES.values()])
    founder = (size == code("company_size", "1-10")) & (rng.random(len(size)) < 0.35)
    codes[founder] = code("seniority", "c_level")
    return codes


def _email_domains(rng: np.random.Generator, size: np.ndarray, student: np.ndarray) -> np.ndarray:
    """Corporate, free-mail or competitor address kinds."""
    u = rng.random(len(size))
    free = u < np.where(student, 0.9, FREE_MAIL_BY_SIZE[size])
    codes = np.where(free, code("email_domain", "free_mail"), code("email_domain", "corporate"))
    competitor = (rng.random(len(size)) < COMPETITOR_SHARE) & ~student
    return np.where(competitor, code("email_domain", "competitor"), codes)


def _existing_customers(rng: np.random.Generator, source: np.ndarray, campaign: np.ndarray) -> np.ndarray:
    """Whether the lead is an expansion of a current customer (more so via partners and referrals)."""
    p = np.full(len(source), 0.06)
    warm = np.isin(source, [code("lead_source", "partner"), code("lead_source", "referral")])
    p[warm] = 0.12
    p[campaign == code("campaign", "customer-expansion")] = 0.70
    return rng.random(len(source)) < p


# --- What the lead does ---------------------------------------------------------------------------


def intent(rng: np.random.Generator, cols: Columns) -> np.ndarray:
    """Hidden buying intent: source, campaign and customer status shift a standard normal."""
    shift = lookup(SOURCE_INTENT, "lead_source", cols["lead_source"])
    campaign = cols["campaign"]
    # Index -1 (no campaign) would wrap to the last campaign, so mask it out.
    shift += np.where(campaign >= 0, lookup(CAMPAIGN_INTENT, "campaign", campaign), 0.0)
    shift += 0.3 * cols["existing_customer"]
    return shift + rng.standard_normal(len(campaign))


def engagement(
    rng: np.random.Generator, cols: Columns, z: np.ndarray, t: np.ndarray, age_days: np.ndarray
) -> Columns:
    """Engagement counts and flags, all driven by intent and inflating slightly over time."""
    inflate = np.exp(ENGAGEMENT_INFLATION * t)
    ebook = cols["campaign"] == code("campaign", "ebook-giveaway")
    webinar_campaign = cols["campaign"] == code("campaign", "webinar-series")
    idle = rng.exponential(np.exp(3.0 - 0.6 * z))
    return {
        "website_visits": rng.poisson(np.exp(1.2 + 0.5 * z) * inflate).astype(float),
        "pricing_page_views": rng.poisson(np.exp(-1.0 + 0.9 * z) * inflate).astype(float),
        "content_downloads": (rng.poisson(np.exp(-0.3 + 0.3 * z) * inflate) + ebook).astype(float),
        "webinar_attended": rng.random(len(z)) < sigmoid(-2.0 + 0.6 * z + 1.5 * webinar_campaign),
        "demo_requested": rng.random(len(z)) < sigmoid(-2.4 + 1.1 * z),
        "email_opens": rng.poisson(np.exp(1.3 + 0.4 * z) * inflate).astype(float),
        # A lead cannot have been idle longer than it has existed.
        "days_since_last_activity": np.minimum(np.round(idle), np.minimum(180.0, np.floor(age_days))),
    }


def qualification(rng: np.random.Generator, cols: Columns, z: np.ndarray) -> Columns:
    """Stated need, buying timeline and budget: what discovery calls record."""
    n = len(z)
    timeline_score = 0.8 * z + rng.standard_normal(n)
    size_score = 0.25 * (cols["company_size"] - 2)
    budget_score = 0.6 * z + size_score + rng.standard_normal(n)
    # Higher scores land on earlier (hotter) codes: now / confirmed come first in the vocabularies.
    return {
        "stated_need": rng.random(n) < sigmoid(-0.2 + 0.9 * z),
        "timeline": 3 - np.searchsorted([-0.6, 0.3, 1.3], timeline_score),
        "budget": 2 - np.searchsorted([-0.2, 1.0], budget_score),
    }
