"""How the CRM records a demo lead: blank fields, contact attributes, lead ids and the output dtypes.

CRM blanks: each field is blanked with probability sigmoid(logit(base) - 0.5 z), so less engaged
leads have more blanks: industry 15 %, company_size 20 %, timeline 25 %, budget 30 %, stated_need
20 %, seniority 12 %, role 5 %, webinar_attended 4 %, the counts 3 %, country, demo_requested and
days_since_last_activity 2 %, existing_customer 3 %. Phone is missing for 15 % of leads.
Company, contact name, email and phone look like the lead's market and email kind.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.demo.population import sigmoid
from features.demo.vocabulary import CATEGORICAL_VOCAB, Columns, code

# Base blank rate per field (at average intent); low-intent leads get more blanks.
BLANK_RATES: dict[str, float] = {
    "industry": 0.15, "company_size": 0.20, "timeline": 0.25, "budget": 0.30, "stated_need": 0.20,
    "seniority": 0.12, "role": 0.05, "country": 0.02, "existing_customer": 0.03, "website_visits": 0.03,
    "pricing_page_views": 0.03, "content_downloads": 0.03, "email_opens": 0.03, "webinar_attended": 0.04,
    "demo_requested": 0.02, "days_since_last_activity": 0.02,
}
BLANK_INTENT = -0.5
PHONE_MISSING = 0.15

# --- Output columns -------------------------------------------------------------------------------

BOOLEANS = ("existing_customer", "webinar_attended", "demo_requested", "stated_need")
FEATURE_ORDER = (
    "lead_source", "campaign", "country", "industry", "company_size", "role", "seniority", "email_domain",
    "existing_customer", "website_visits", "pricing_page_views", "content_downloads", "webinar_attended",
    "demo_requested", "email_opens", "days_since_last_activity", "stated_need", "timeline", "budget",
)

# --- Attribute vocabularies ----------------------------------------------------------------------

# Legal form, web domain ending and dialling code, so attributes look like the market.
COUNTRY_STYLE: dict[str, tuple[str, str, str]] = {
    "US": ("Inc", ".com", "1"), "GB": ("Ltd", ".co.uk", "44"), "DE": ("GmbH", ".de", "49"),
    "FR": ("SAS", ".fr", "33"), "NL": ("B.V.", ".nl", "31"), "SE": ("AB", ".se", "46"),
    "ES": ("S.L.", ".es", "34"), "IT": ("S.r.l.", ".it", "39"), "CA": ("Inc", ".ca", "1"),
    "AU": ("Pty Ltd", ".com.au", "61"), "BR": ("Ltda", ".com.br", "55"), "MX": ("S.A. de C.V.", ".mx", "52"),
    "IN": ("Pvt Ltd", ".in", "91"), "NG": ("Ltd", ".ng", "234"), "PK": ("Pvt Ltd", ".pk", "92"),
}
FIRST_NAMES = (
    "Anna", "Ben", "Carla", "David", "Elena", "Felix", "Grace", "Hiro", "Ines", "Jonas", "Karin", "Liam",
    "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera", "Will", "Ximena",
    "Yusuf", "Zoe", "Aisha", "Bruno", "Chloe", "Dev", "Emma", "Femi", "Gita", "Hugo", "Ivy", "Jan",
)
LAST_NAMES = (
    "Adams", "Bauer", "Costa", "Dubois", "Eriksson", "Fischer", "Garcia", "Hansen", "Ivanova", "Jensen",
    "Khan", "Lopez", "Moreau", "Nakamura", "Okafor", "Patel", "Quist", "Rossi", "Smith", "Tanaka",
    "Usman", "Visser", "Weber", "Xu", "Young", "Zimmer", "Brown", "Silva", "Novak", "Murphy",
)
COMPANY_PREFIXES = (
    "Acme", "Northwind", "Bluepeak", "Brightline", "Cedar", "Clearwater", "Copper", "Evergreen", "Falcon",
    "Granite", "Harbor", "Ironwood", "Juniper", "Keystone", "Lakeside", "Meridian", "Nimbus", "Oakridge",
    "Pinnacle", "Quartz", "Redwood", "Silverline", "Summit", "Tidewater", "Union", "Vantage", "Westgate",
    "Willow", "Zenith", "Atlas",
)
COMPANY_CORES = (
    "Analytics", "Logistics", "Systems", "Health", "Foods", "Energy", "Capital", "Labs", "Robotics", "Media",
    "Retail", "Works", "Solutions", "Partners", "Software", "Motors", "Pharma", "Learning", "Dynamics",
    "Networks",
)
FREE_MAIL_HOSTS = ("gmail.com", "outlook.com", "yahoo.com", "hotmail.com")
COMPETITOR_HOSTS = ("pipelinepro.com", "rivalcrm.io", "dealflowhq.com")


def lead_ids(rows: int) -> pd.Series:
    """Sequential ids like L0000001, widened when there are more leads than seven digits hold."""
    width = max(7, len(str(rows)))
    return "L" + pd.Series(np.arange(1, rows + 1)).astype("str").str.zfill(width)


def blank_masks(rng: np.random.Generator, z: np.ndarray) -> Columns:
    """Which CRM fields are empty, likelier for less engaged leads."""
    masks = {}
    for name, rate in BLANK_RATES.items():
        p = sigmoid(np.log(rate / (1.0 - rate)) + BLANK_INTENT * z)
        masks[name] = rng.random(len(z)) < p
    return masks


def feature_column(
    name: str, values: np.ndarray, blank: np.ndarray | None
) -> pd.Series | pd.arrays.BooleanArray | np.ndarray:
    """Feature values in the output dtype: strings, nullable booleans or floats, with blanks missing."""
    blank = np.zeros(len(values), dtype=bool) if blank is None else blank
    if name in CATEGORICAL_VOCAB:
        codes = np.where(blank, -1, values)
        categories = pd.Index(CATEGORICAL_VOCAB[name])
        return pd.Series(pd.Categorical.from_codes(codes, categories=categories)).astype("str")
    if name in BOOLEANS:
        return pd.arrays.BooleanArray(values.astype(bool), blank)
    return np.where(blank, np.nan, values.astype(float))


def attributes(rng: np.random.Generator, cols: Columns) -> dict[str, pd.Series]:
    """Company, contact name, email and phone, consistent with country and email kind."""
    n = len(cols["country"])
    first = rng.integers(len(FIRST_NAMES), size=n)
    last = rng.integers(len(LAST_NAMES), size=n)
    prefix = rng.integers(len(COMPANY_PREFIXES), size=n)
    core = rng.integers(len(COMPANY_CORES), size=n)
    forms, tlds, codes = (np.array(v, dtype=object) for v in zip(*COUNTRY_STYLE.values(), strict=True))
    country = cols["country"]
    brand, kind = _strings(COMPANY_PREFIXES, prefix), _strings(COMPANY_CORES, core)
    company = brand + " " + kind + " " + _strings(forms, country)
    corporate_host = (brand + kind).str.lower()
    host = _email_hosts(rng, cols["email_domain"], corporate_host + _strings(tlds, country))
    local = (_strings(FIRST_NAMES, first) + "." + _strings(LAST_NAMES, last)).str.lower()
    return {
        "company": company,
        "contact_name": _strings(FIRST_NAMES, first) + " " + _strings(LAST_NAMES, last),
        "email": local + "@" + host,
        "phone": _phones(rng, codes[country]),
    }


def _strings(vocab: tuple[str, ...] | np.ndarray, index: np.ndarray) -> pd.Series:
    """Strings picked from a small vocabulary, as a pandas string column."""
    return pd.Series(np.asarray(vocab, dtype=object)[index], dtype="str")


def _email_hosts(rng: np.random.Generator, kind: np.ndarray, corporate: pd.Series) -> pd.Series:
    """Email host per lead: the company's domain, a free-mail host or a competitor's domain."""
    n = len(kind)
    free = _strings(FREE_MAIL_HOSTS, rng.integers(len(FREE_MAIL_HOSTS), size=n))
    rival = _strings(COMPETITOR_HOSTS, rng.integers(len(COMPETITOR_HOSTS), size=n))
    host = corporate.where(kind == code("email_domain", "corporate"), free)
    return host.where(kind != code("email_domain", "competitor"), rival)


def _phones(rng: np.random.Generator, dialling_codes: np.ndarray) -> pd.Series:
    """International phone numbers, missing for about 15 % of leads."""
    n = len(dialling_codes)
    number = pd.Series(rng.integers(200_000_000, 1_000_000_000, size=n)).astype("str")
    phone = "+" + pd.Series(dialling_codes, dtype="str") + " " + number
    return phone.mask(rng.random(n) < PHONE_MISSING)
