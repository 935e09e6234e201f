"""Categorical fields of a demo lead: values with their shares and win-logit coefficients, and their codes.

While generating, a categorical field is an array of codes into its vocabulary (-1: none), so the
order of each table is part of the generating process: reordering it changes every frame.
"""

from __future__ import annotations

import numpy as np

# --- name -> (share, win-logit coefficient) -------------------------------------------------------

LEAD_SOURCES: dict[str, tuple[float, float]] = {
    "web_form": (0.20, 0.0),
    "referral": (0.07, 1.0),
    "paid_search": (0.13, -0.1),
    "organic_search": (0.15, 0.1),
    "event": (0.09, 0.3),
    "partner": (0.06, 0.8),
    "cold_outbound": (0.16, -0.8),
    "content_syndication": (0.14, -0.7),
}
COUNTRIES: dict[str, tuple[float, float]] = {
    "US": (0.31, 0.1), "GB": (0.09, 0.0), "DE": (0.09, 0.0), "FR": (0.06, 0.0), "NL": (0.04, 0.0),
    "SE": (0.03, 0.0), "ES": (0.04, 0.0), "IT": (0.04, 0.0), "CA": (0.05, 0.0), "AU": (0.04, 0.0),
    "BR": (0.05, -0.3), "MX": (0.03, -0.3), "IN": (0.07, -5.0), "NG": (0.03, -5.0), "PK": (0.03, -5.0),
}
INDUSTRIES: dict[str, tuple[float, float]] = {
    "software": (0.22, 0.3), "finance": (0.14, 0.2), "manufacturing": (0.18, 0.0), "healthcare": (0.12, 0.0),
    "retail": (0.13, -0.1), "education": (0.11, -0.3), "public_sector": (0.10, -0.4),
}
COMPANY_SIZES: dict[str, tuple[float, float]] = {
    "1-10": (0.30, -0.7), "11-50": (0.28, -0.2), "51-200": (0.20, 0.3), "201-1000": (0.13, 0.5),
    "1000+": (0.09, 0.4),
}
ROLES: dict[str, tuple[float, float]] = {
    "it": (0.22, 0.2), "operations": (0.18, 0.2), "finance": (0.10, 0.1), "marketing": (0.20, 0.0),
    "sales": (0.12, 0.0), "other": (0.18, -0.3), "student": (0.0, 0.0),
}
SENIORITIES: dict[str, tuple[float, float]] = {
    "c_level": (0.08, 0.3), "vp": (0.07, 0.4), "director": (0.15, 0.4), "manager": (0.30, 0.1),
    "individual": (0.40, -0.3), "student": (0.0, 0.0),
}

# --- name -> win-logit coefficient (shares come from the population's own rules) ------------------

CAMPAIGNS: dict[str, float] = {
    "ebook-giveaway": -1.5, "roi-calculator": 0.3, "webinar-series": 0.1, "spring-promo": 0.0,
    "industry-report": -0.1, "brand-search": 0.2, "partner-summit": 0.2, "customer-expansion": 0.4,
}
EMAIL_DOMAINS: dict[str, float] = {"corporate": 0.0, "free_mail": -0.5, "competitor": 0.0}
TIMELINES: dict[str, float] = {"now": 0.7, "this_quarter": 0.5, "this_year": 0.1, "no_timeline": -0.6}
BUDGETS: dict[str, float] = {"confirmed": 0.55, "planned": 0.25, "none": -0.3}

CATEGORICAL_VOCAB: dict[str, tuple[str, ...]] = {
    "lead_source": tuple(LEAD_SOURCES), "campaign": tuple(CAMPAIGNS), "country": tuple(COUNTRIES),
    "industry": tuple(INDUSTRIES), "company_size": tuple(COMPANY_SIZES), "role": tuple(ROLES),
    "seniority": tuple(SENIORITIES), "email_domain": tuple(EMAIL_DOMAINS), "timeline": tuple(TIMELINES),
    "budget": tuple(BUDGETS),
}

# Working columns while generating: category codes (-1 = none), booleans or numbers per lead.
Columns = dict[str, np.ndarray]


def code(vocab: str, value: str) -> int:
    """Code of one value in a categorical vocabulary."""
    return CATEGORICAL_VOCAB[vocab].index(value)


def lookup(table: dict[str, float], vocab: str, codes: np.ndarray) -> np.ndarray:
    """Per-row value of `table` for category codes (values not in the table count 0)."""
    aligned = np.array([table.get(v, 0.0) for v in CATEGORICAL_VOCAB[vocab]])
    values: np.ndarray = aligned[codes]
    return values
