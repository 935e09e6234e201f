"""How a demo lead's outcome arises: the win model, still-open leads, close times and deal values.

P(won) for a closed lead is sigmoid of the sum of these terms (true values, before CRM blanks):

- base -4.0, drifting by -0.25 * t (the market gets tougher while engagement inflates, so the won
  rate moves by one to two points across the window); unobserved intent +0.35 z; noise N(0, 1.0),
  which keeps a holdout ROC AUC of a good model near 0.85 rather than near 1.
- lead_source: referral +1.0, partner +0.8, event +0.3, organic_search +0.1, web_form 0,
  paid_search -0.1, content_syndication -0.7, cold_outbound -0.8.
- campaign: ebook-giveaway -1.5, customer-expansion +0.4, roi-calculator +0.3, partner-summit +0.2,
  brand-search +0.2, webinar-series +0.1, spring-promo 0, industry-report -0.1, none 0.
- country: IN, NG, PK -5.0 (our price is too high there); BR, MX -0.3; US +0.1; others 0.
- industry: software +0.3, finance +0.2, manufacturing 0, healthcare 0, retail -0.1,
  education -0.3, public_sector -0.4.
- company_size: 1-10 -0.7, 11-50 -0.2, 51-200 +0.3, 201-1000 +0.5, 1000+ +0.4.
- role: it +0.2, operations +0.2, finance +0.1, marketing 0, sales 0, other -0.3.
- seniority: vp +0.4, director +0.4, c_level +0.3, manager +0.1, individual -0.3.
- email_domain: free_mail -0.5; existing_customer +0.9.
- engagement: +0.15 log1p(website_visits), +0.3 log1p(pricing_page_views) and +0.6 for any view,
  +0.05 log1p(content_downloads), +0.1 log1p(email_opens), webinar_attended +0.3,
  demo_requested +1.1, days_since_last_activity -0.006 per day; more than 40 visits without a single
  pricing view -1.0 (researchers and bots).
- interactions and thresholds: a demo request from a 1-10 firm -1.2 (mostly curiosity); pricing page
  views without budget -0.6 log1p(pricing_page_views) (price shopping); more than 30 idle days a further
  -1.2 (leads rot) and activity within 3 days +0.5; the person who signs at a firm of that size
  (c_level up to 50 employees, director up to 1000, vp above) +0.8; timeline "now" without budget -0.8.
- stated_need: yes +0.6, no -0.3; timeline: now +0.7, this_quarter +0.5, this_year +0.1,
  no_timeline -0.6; budget: confirmed +0.55, planned +0.25, none -0.3.
- students (role and seniority "student", ~3 %) and competitors (email_domain "competitor", ~1 %)
  never win.

Outcome: a lead created in the last 15 days is still "open" with probability 0.7, tapering linearly
to 0 at 45 days; other leads are won or lost by the model above. Won and lost leads get a
`closed_at` after `created_at` (never after `end`); won leads a `deal_value` that grows with
company size (NaN otherwise).
"""

from __future__ import annotations

import numpy as np

from features.demo.population import SECONDS_PER_DAY, sigmoid
from features.demo.vocabulary import (
    BUDGETS,
    CAMPAIGNS,
    COMPANY_SIZES,
    COUNTRIES,
    EMAIL_DOMAINS,
    INDUSTRIES,
    LEAD_SOURCES,
    ROLES,
    SENIORITIES,
    TIMELINES,
    Columns,
    code,
    lookup,
)

BASE_LOGIT = -4.0
BASE_DRIFT = -0.25
UNOBSERVED_INTENT = 0.35
NOISE_SD = 1.0
EXISTING_CUSTOMER = 0.9
LOG_COUNT_COEFS = {"website_visits": 0.15, "pricing_page_views": 0.3, "content_downloads": 0.05,
                   "email_opens": 0.1}
WEBINAR = 0.3
DEMO = 1.1
PER_IDLE_DAY = -0.006
STATED_NEED = {True: 0.6, False: -0.3}
# Interactions practitioners describe, which a model additive in the raw fields cannot express.
MICRO_FIRM_DEMO = -1.2  # a demo request from a 1-10 firm is mostly curiosity
NO_BUDGET_PRICING = -0.6  # per log1p(pricing views) without budget: price shopping, not buying
STALE_AFTER_DAYS = 30
STALE = -1.2  # leads rot: a month without activity is a step down, not a slope
FRESH_WITHIN_DAYS = 3
FRESH = 0.5  # active this week: the buying window is open
BUYER_BY_SIZE = {"1-10": "c_level", "11-50": "c_level", "51-200": "director", "201-1000": "director",
                 "1000+": "vp"}
BUYER = 0.8  # the person who signs at a firm of that size (founders at small firms, directors/VPs above)
URGENT_NO_BUDGET = -0.8  # "we need it now" without any budget rarely closes
PRICING_SEEN = 0.6  # one pricing-page visit is the signal; more adds little (on top of the log term)
HEAVY_VISITS = 40
HEAVY_VISITOR = -1.0  # scores of visits without a pricing look: researchers and bots, not buyers

CATEGORICAL_COEFS: dict[str, dict[str, float]] = {
    "lead_source": {k: v[1] for k, v in LEAD_SOURCES.items()}, "campaign": CAMPAIGNS,
    "country": {k: v[1] for k, v in COUNTRIES.items()}, "industry": {k: v[1] for k, v in INDUSTRIES.items()},
    "company_size": {k: v[1] for k, v in COMPANY_SIZES.items()}, "role": {k: v[1] for k, v in ROLES.items()},
    "seniority": {k: v[1] for k, v in SENIORITIES.items()}, "email_domain": EMAIL_DOMAINS,
    "timeline": TIMELINES, "budget": BUDGETS,
}

# Sales-cycle medians in days: losses are usually called sooner than wins.
WON_CYCLE_DAYS = 35.0
LOST_CYCLE_DAYS = 20.0
# Typical first-year deal value by company size.
DEAL_VALUE_BY_SIZE = np.array([5_000.0, 12_000.0, 30_000.0, 60_000.0, 120_000.0])


def win_logit(rng: np.random.Generator, cols: Columns, z: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Log-odds of winning from the true (unblanked) fields; see the module docstring."""
    logit = BASE_LOGIT + BASE_DRIFT * t + UNOBSERVED_INTENT * z + rng.normal(0.0, NOISE_SD, len(z))
    for name, table in CATEGORICAL_COEFS.items():
        codes = cols[name]
        logit += np.where(codes >= 0, lookup(table, name, codes), 0.0)
    for name, coef in LOG_COUNT_COEFS.items():
        logit += coef * np.log1p(cols[name])
    logit += EXISTING_CUSTOMER * cols["existing_customer"] + WEBINAR * cols["webinar_attended"]
    logit += DEMO * cols["demo_requested"] + PER_IDLE_DAY * cols["days_since_last_activity"]
    logit += np.where(cols["stated_need"], STATED_NEED[True], STATED_NEED[False])
    total: np.ndarray = logit + _interactions(cols)
    return total


def _interactions(cols: Columns) -> np.ndarray:
    """Micro-firm demo requests, pricing views without budget, and stale leads (see the docstring)."""
    size, idle = cols["company_size"], cols["days_since_last_activity"]
    micro = size == code("company_size", "1-10")
    no_budget = cols["budget"] == code("budget", "none")
    urgent = cols["timeline"] == code("timeline", "now")
    buyer = np.zeros(len(size), dtype=bool)
    for firm, seniority in BUYER_BY_SIZE.items():
        buyer |= (size == code("company_size", firm)) & (cols["seniority"] == code("seniority", seniority))
    terms: np.ndarray = (
        MICRO_FIRM_DEMO * (cols["demo_requested"] & micro)
        + NO_BUDGET_PRICING * np.log1p(cols["pricing_page_views"]) * no_budget
        + STALE * (idle > STALE_AFTER_DAYS) + FRESH * (idle <= FRESH_WITHIN_DAYS)
        + BUYER * buyer + URGENT_NO_BUDGET * (urgent & no_budget)
        + PRICING_SEEN * (cols["pricing_page_views"] > 0)
        + HEAVY_VISITOR * ((cols["website_visits"] > HEAVY_VISITS) & (cols["pricing_page_views"] == 0)))
    return terms


def _never_wins(cols: Columns) -> np.ndarray:
    """Students and competitors: they research, they do not buy."""
    student = cols["role"] == code("role", "student")
    never: np.ndarray = student | (cols["email_domain"] == code("email_domain", "competitor"))
    return never


def resolve(
    rng: np.random.Generator, cols: Columns, logit: np.ndarray, created: np.ndarray,
    age_days: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outcome, close time and deal value per lead."""
    n = len(logit)
    p_open = 0.7 * np.clip((45.0 - age_days) / 30.0, 0.0, 1.0)
    is_open = rng.random(n) < p_open
    won = (rng.random(n) < sigmoid(logit)) & ~_never_wins(cols) & ~is_open
    outcome = np.where(is_open, "open", np.where(won, "won", "lost")).astype(object)
    closed_at = _closed_at(rng, won, is_open, created, age_days)
    value = DEAL_VALUE_BY_SIZE[cols["company_size"]] * rng.lognormal(0.0, 0.5, n)
    value *= np.where(cols["existing_customer"], 0.6, 1.0)  # expansions are smaller than new logos
    deal_value = np.where(won, np.round(value, 2), np.nan)
    return outcome, closed_at, deal_value


def _closed_at(
    rng: np.random.Generator, won: np.ndarray, is_open: np.ndarray, created: np.ndarray, age_days: np.ndarray
) -> np.ndarray:
    """Close times after creation and no later than the end of the window; NaT for open leads."""
    n = len(won)
    won_cycle = WON_CYCLE_DAYS * rng.lognormal(0.0, 0.6, n)
    cycle = np.where(won, won_cycle, LOST_CYCLE_DAYS * rng.lognormal(0.0, 0.8, n))
    # Deals that would close after the snapshot closed within the time they had.
    late = cycle >= age_days
    cycle = np.where(late, age_days * rng.uniform(0.1, 0.95, n), cycle)
    seconds = np.maximum((cycle * SECONDS_PER_DAY).astype(np.int64), 1)
    closed = created + seconds.astype("timedelta64[s]")
    return np.where(is_open, np.datetime64("NaT", "ns"), closed)
