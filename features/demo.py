"""Built-in demo history: synthetic B2B software leads from a known, documented generating process.

`generate_demo` draws one lead per row over `months` months ending at `end`; `write_demo` stores
it as Parquet or CSV. Everything is vectorised with NumPy and fully determined by the seed.
The columns are exactly those `profiles/demo.yaml` declares.

Generating process
------------------
Volume: creation times follow a density rising linearly by 40 % from the first to the last day.
Who: source, country, industry, company size and role are drawn with the shares in the tables
below; campaigns per source (CAMPAIGN_MIX); 35 % of contacts at 1-10 firms are founders (c_level);
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

Shares: the ebook-giveaway campaign brings about a fifth of all leads (won rate ~2.5 %); IN, NG and
PK together about 13 % (won rate under 1 %); paid_search's share grows from 13 % to about 21 %.
The overall won rate among closed leads is about 12 %.

Outcome: a lead created in the last 15 days is still "open" with probability 0.7, tapering linearly
to 0 at 45 days; other leads are won or lost by the model above. Won and lost leads get a
`closed_at` after `created_at` (never after `end`); won leads a `deal_value` that grows with
company size (NaN otherwise).

CRM blanks: each field is blanked with probability sigmoid(logit(base) - 0.5 z), so less engaged
leads have more blanks: industry 15 %, company_size 20 %, timeline 25 %, budget 30 %, stated_need
20 %, seniority 12 %, role 5 %, webinar_attended 4 %, the counts 3 %, country, demo_requested and
days_since_last_activity 2 %, existing_customer 3 %. Phone is missing for 15 % of leads.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pandas as pd

# --- Categorical vocabularies: name -> (share, win-logit coefficient) -------------------------

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
SOURCE_INTENT = {"referral": 0.4, "partner": 0.3, "event": 0.2, "web_form": 0.1, "organic_search": 0.1,
                 "content_syndication": -0.4, "cold_outbound": -0.5}
# Share of leads moved to paid_search by the end of the window (budget shifts to ads over time).
PAID_SEARCH_DRIFT = 0.09

CAMPAIGNS: dict[str, float] = {
    "ebook-giveaway": -1.5, "roi-calculator": 0.3, "webinar-series": 0.1, "spring-promo": 0.0,
    "industry-report": -0.1, "brand-search": 0.2, "partner-summit": 0.2, "customer-expansion": 0.4,
}
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

COUNTRIES: dict[str, tuple[float, float]] = {
    "US": (0.31, 0.1), "GB": (0.09, 0.0), "DE": (0.09, 0.0), "FR": (0.06, 0.0), "NL": (0.04, 0.0),
    "SE": (0.03, 0.0), "ES": (0.04, 0.0), "IT": (0.04, 0.0), "CA": (0.05, 0.0), "AU": (0.04, 0.0),
    "BR": (0.05, -0.3), "MX": (0.03, -0.3), "IN": (0.07, -5.0), "NG": (0.03, -5.0), "PK": (0.03, -5.0),
}
# Legal form, web domain ending and dialling code, so attributes look like the market.
COUNTRY_STYLE: dict[str, tuple[str, str, str]] = {
    "US": ("Inc", ".com", "1"), "GB": ("Ltd", ".co.uk", "44"), "DE": ("GmbH", ".de", "49"),
    "FR": ("SAS", ".fr", "33"), "NL": ("B.V.", ".nl", "31"), "SE": ("AB", ".se", "46"),
    "ES": ("S.L.", ".es", "34"), "IT": ("S.r.l.", ".it", "39"), "CA": ("Inc", ".ca", "1"),
    "AU": ("Pty Ltd", ".com.au", "61"), "BR": ("Ltda", ".com.br", "55"), "MX": ("S.A. de C.V.", ".mx", "52"),
    "IN": ("Pvt Ltd", ".in", "91"), "NG": ("Ltd", ".ng", "234"), "PK": ("Pvt Ltd", ".pk", "92"),
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
EMAIL_DOMAINS: dict[str, float] = {"corporate": 0.0, "free_mail": -0.5, "competitor": 0.0}
# Free-mail share by company size: the smaller the firm, the likelier a gmail address.
FREE_MAIL_BY_SIZE = np.array([0.45, 0.25, 0.12, 0.07, 0.05])
TIMELINES: dict[str, float] = {"now": 0.7, "this_quarter": 0.5, "this_year": 0.1, "no_timeline": -0.6}
BUDGETS: dict[str, float] = {"confirmed": 0.55, "planned": 0.25, "none": -0.3}

STUDENT_SHARE = 0.03
COMPETITOR_SHARE = 0.01

# --- Win model ---------------------------------------------------------------------------------

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
ENGAGEMENT_INFLATION = 0.12
VOLUME_GROWTH = 0.4

# Base blank rate per field (at average intent); low-intent leads get more blanks.
BLANK_RATES: dict[str, float] = {
    "industry": 0.15, "company_size": 0.20, "timeline": 0.25, "budget": 0.30, "stated_need": 0.20,
    "seniority": 0.12, "role": 0.05, "country": 0.02, "existing_customer": 0.03, "website_visits": 0.03,
    "pricing_page_views": 0.03, "content_downloads": 0.03, "email_opens": 0.03, "webinar_attended": 0.04,
    "demo_requested": 0.02, "days_since_last_activity": 0.02,
}
BLANK_INTENT = -0.5
PHONE_MISSING = 0.15

CATEGORICAL_VOCAB: dict[str, tuple[str, ...]] = {
    "lead_source": tuple(LEAD_SOURCES), "campaign": tuple(CAMPAIGNS), "country": tuple(COUNTRIES),
    "industry": tuple(INDUSTRIES), "company_size": tuple(COMPANY_SIZES), "role": tuple(ROLES),
    "seniority": tuple(SENIORITIES), "email_domain": tuple(EMAIL_DOMAINS), "timeline": tuple(TIMELINES),
    "budget": tuple(BUDGETS),
}
CATEGORICAL_COEFS: dict[str, dict[str, float]] = {
    "lead_source": {k: v[1] for k, v in LEAD_SOURCES.items()}, "campaign": CAMPAIGNS,
    "country": {k: v[1] for k, v in COUNTRIES.items()}, "industry": {k: v[1] for k, v in INDUSTRIES.items()},
    "company_size": {k: v[1] for k, v in COMPANY_SIZES.items()}, "role": {k: v[1] for k, v in ROLES.items()},
    "seniority": {k: v[1] for k, v in SENIORITIES.items()}, "email_domain": EMAIL_DOMAINS,
    "timeline": TIMELINES, "budget": BUDGETS,
}
BOOLEANS = ("existing_customer", "webinar_attended", "demo_requested", "stated_need")
FEATURE_ORDER = (
    "lead_source", "campaign", "country", "industry", "company_size", "role", "seniority", "email_domain",
    "existing_customer", "website_visits", "pricing_page_views", "content_downloads", "webinar_attended",
    "demo_requested", "email_opens", "days_since_last_activity", "stated_need", "timeline", "budget",
)

# --- Attribute vocabularies ----------------------------------------------------------------------

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

# Sales-cycle medians in days: losses are usually called sooner than wins.
WON_CYCLE_DAYS = 35.0
LOST_CYCLE_DAYS = 20.0
# Typical first-year deal value by company size.
DEAL_VALUE_BY_SIZE = np.array([5_000.0, 12_000.0, 30_000.0, 60_000.0, 120_000.0])

SECONDS_PER_DAY = 86_400

# Working columns while generating: category codes (-1 = none), booleans or numbers per lead.
Columns = dict[str, np.ndarray]


def generate_demo(
    rows: int = 20_000,
    seed: int = 7,
    months: int = 24,
    end: datetime.date = datetime.date(2026, 10, 31),
) -> pd.DataFrame:
    """Generate `rows` synthetic leads over `months` months ending at `end`; same seed, same frame."""
    if rows < 1 or months < 1:
        raise ValueError("rows and months must be at least 1")
    rng = np.random.default_rng(seed)
    created, t, age_days = _created_at(rng, rows, months, end)
    cols = _firmographics(rng, t)
    intent = _intent(rng, cols)
    cols |= _engagement(rng, cols, intent, t, age_days)
    cols |= _qualification(rng, cols, intent)
    logit = _win_logit(rng, cols, intent, t)
    outcome, closed_at, deal_value = _outcomes(rng, cols, logit, created, age_days)
    attributes = _attributes(rng, cols)
    blanks = _blank_masks(rng, intent)
    frame = pd.DataFrame({"lead_id": _lead_ids(rows), "created_at": created, "outcome": outcome})
    for name in FEATURE_ORDER:
        frame[name] = _feature_column(name, cols[name], blanks.get(name))
    for name, values in attributes.items():
        frame[name] = values
    frame["closed_at"] = closed_at
    frame["deal_value"] = deal_value
    return frame


def write_demo(path: Path, rows: int = 20_000, seed: int = 7) -> Path:
    """Generate the demo history and write it to `path` as Parquet or CSV (by suffix)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise ValueError(f"{path}: write .parquet or .csv, not {suffix or 'no suffix'}")
    frame = generate_demo(rows=rows, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path


# --- Time -----------------------------------------------------------------------------------------


def _created_at(
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


def _lead_ids(rows: int) -> pd.Series:
    """Sequential ids like L0000001, widened when there are more leads than seven digits hold."""
    width = max(7, len(str(rows)))
    return "L" + pd.Series(np.arange(1, rows + 1)).astype("str").str.zfill(width)


# --- Drawing helpers ------------------------------------------------------------------------------


def _draw(rng: np.random.Generator, n: int, shares: list[float]) -> np.ndarray:
    """Draw n category codes with fixed shares (normalised)."""
    p = np.asarray(shares, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum()).astype(np.int64)


def _draw_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Draw one code per row from row-wise probabilities (each row sums to 1)."""
    cumulative = probs.cumsum(axis=1)[:, :-1]
    return (rng.random(len(probs))[:, None] >= cumulative).sum(axis=1)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


def _code(vocab: str, value: str) -> int:
    """Code of one value in a categorical vocabulary."""
    return CATEGORICAL_VOCAB[vocab].index(value)


def _lookup(table: dict[str, float], vocab: str, codes: np.ndarray) -> np.ndarray:
    """Per-row value of `table` for category codes (values not in the table count 0)."""
    aligned = np.array([table.get(v, 0.0) for v in CATEGORICAL_VOCAB[vocab]])
    return aligned[codes]


# --- Who the lead is ------------------------------------------------------------------------------


def _firmographics(rng: np.random.Generator, t: np.ndarray) -> Columns:
    """Source, campaign, country, firm and person fields (codes into CATEGORICAL_VOCAB)."""
    n = len(t)
    source = _draw(rng, n, [s for s, _ in LEAD_SOURCES.values()])
    source[rng.random(n) < PAID_SEARCH_DRIFT * t] = _code("lead_source", "paid_search")
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
    cols["role"][student] = _code("role", "student")
    cols["seniority"][student] = _code("seniority", "student")
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
    founder = (size == _code("company_size", "1-10")) & (rng.random(len(size)) < 0.35)
    codes[founder] = _code("seniority", "c_level")
    return codes


def _email_domains(rng: np.random.Generator, size: np.ndarray, student: np.ndarray) -> np.ndarray:
    """Corporate, free-mail or competitor address kinds."""
    u = rng.random(len(size))
    free = u < np.where(student, 0.9, FREE_MAIL_BY_SIZE[size])
    codes = np.where(free, _code("email_domain", "free_mail"), _code("email_domain", "corporate"))
    competitor = (rng.random(len(size)) < COMPETITOR_SHARE) & ~student
    return np.where(competitor, _code("email_domain", "competitor"), codes)


def _existing_customers(rng: np.random.Generator, source: np.ndarray, campaign: np.ndarray) -> np.ndarray:
    """Whether the lead is an expansion of a current customer (more so via partners and referrals)."""
    p = np.full(len(source), 0.06)
    warm = np.isin(source, [_code("lead_source", "partner"), _code("lead_source", "referral")])
    p[warm] = 0.12
    p[campaign == _code("campaign", "customer-expansion")] = 0.70
    return rng.random(len(source)) < p


# --- What the lead does ---------------------------------------------------------------------------


def _intent(rng: np.random.Generator, cols: Columns) -> np.ndarray:
    """Hidden buying intent: source, campaign and customer status shift a standard normal."""
    shift = _lookup(SOURCE_INTENT, "lead_source", cols["lead_source"])
    campaign = cols["campaign"]
    # Index -1 (no campaign) would wrap to the last campaign, so mask it out.
    shift += np.where(campaign >= 0, _lookup(CAMPAIGN_INTENT, "campaign", campaign), 0.0)
    shift += 0.3 * cols["existing_customer"]
    return shift + rng.standard_normal(len(campaign))


def _engagement(
    rng: np.random.Generator, cols: Columns, z: np.ndarray, t: np.ndarray, age_days: np.ndarray
) -> Columns:
    """Engagement counts and flags, all driven by intent and inflating slightly over time."""
    inflate = np.exp(ENGAGEMENT_INFLATION * t)
    ebook = cols["campaign"] == _code("campaign", "ebook-giveaway")
    webinar_campaign = cols["campaign"] == _code("campaign", "webinar-series")
    idle = rng.exponential(np.exp(3.0 - 0.6 * z))
    return {
        "website_visits": rng.poisson(np.exp(1.2 + 0.5 * z) * inflate).astype(float),
        "pricing_page_views": rng.poisson(np.exp(-1.0 + 0.9 * z) * inflate).astype(float),
        "content_downloads": (rng.poisson(np.exp(-0.3 + 0.3 * z) * inflate) + ebook).astype(float),
        "webinar_attended": rng.random(len(z)) < _sigmoid(-2.0 + 0.6 * z + 1.5 * webinar_campaign),
        "demo_requested": rng.random(len(z)) < _sigmoid(-2.4 + 1.1 * z),
        "email_opens": rng.poisson(np.exp(1.3 + 0.4 * z) * inflate).astype(float),
        # A lead cannot have been idle longer than it has existed.
        "days_since_last_activity": np.minimum(np.round(idle), np.minimum(180.0, np.floor(age_days))),
    }


def _qualification(rng: np.random.Generator, cols: Columns, z: np.ndarray) -> Columns:
    """Stated need, buying timeline and budget: what discovery calls record."""
    n = len(z)
    timeline_score = 0.8 * z + rng.standard_normal(n)
    size_score = 0.25 * (cols["company_size"] - 2)
    budget_score = 0.6 * z + size_score + rng.standard_normal(n)
    # Higher scores land on earlier (hotter) codes: now / confirmed come first in the vocabularies.
    return {
        "stated_need": rng.random(n) < _sigmoid(-0.2 + 0.9 * z),
        "timeline": 3 - np.searchsorted([-0.6, 0.3, 1.3], timeline_score),
        "budget": 2 - np.searchsorted([-0.2, 1.0], budget_score),
    }


# --- Outcome --------------------------------------------------------------------------------------


def _win_logit(rng: np.random.Generator, cols: Columns, z: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Log-odds of winning from the true (unblanked) fields; see the module docstring."""
    logit = BASE_LOGIT + BASE_DRIFT * t + UNOBSERVED_INTENT * z + rng.normal(0.0, NOISE_SD, len(z))
    for name, table in CATEGORICAL_COEFS.items():
        codes = cols[name]
        logit += np.where(codes >= 0, _lookup(table, name, codes), 0.0)
    for name, coef in LOG_COUNT_COEFS.items():
        logit += coef * np.log1p(cols[name])
    logit += EXISTING_CUSTOMER * cols["existing_customer"] + WEBINAR * cols["webinar_attended"]
    logit += DEMO * cols["demo_requested"] + PER_IDLE_DAY * cols["days_since_last_activity"]
    logit += np.where(cols["stated_need"], STATED_NEED[True], STATED_NEED[False])
    return logit + _interactions(cols)


def _interactions(cols: Columns) -> np.ndarray:
    """Micro-firm demo requests, pricing views without budget, and stale leads (see the docstring)."""
    size, idle = cols["company_size"], cols["days_since_last_activity"]
    micro = size == _code("company_size", "1-10")
    no_budget = cols["budget"] == _code("budget", "none")
    urgent = cols["timeline"] == _code("timeline", "now")
    buyer = np.zeros(len(size), dtype=bool)
    for firm, seniority in BUYER_BY_SIZE.items():
        buyer |= (size == _code("company_size", firm)) & (cols["seniority"] == _code("seniority", seniority))
    return (MICRO_FIRM_DEMO * (cols["demo_requested"] & micro)
            + NO_BUDGET_PRICING * np.log1p(cols["pricing_page_views"]) * no_budget
            + STALE * (idle > STALE_AFTER_DAYS) + FRESH * (idle <= FRESH_WITHIN_DAYS)
            + BUYER * buyer + URGENT_NO_BUDGET * (urgent & no_budget)
            + PRICING_SEEN * (cols["pricing_page_views"] > 0)
            + HEAVY_VISITOR * ((cols["website_visits"] > HEAVY_VISITS) & (cols["pricing_page_views"] == 0)))


def _never_wins(cols: Columns) -> np.ndarray:
    """Students and competitors: they research, they do not buy."""
    student = cols["role"] == _code("role", "student")
    return student | (cols["email_domain"] == _code("email_domain", "competitor"))


def _outcomes(
    rng: np.random.Generator, cols: Columns, logit: np.ndarray, created: np.ndarray,
    age_days: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outcome, close time and deal value per lead."""
    n = len(logit)
    p_open = 0.7 * np.clip((45.0 - age_days) / 30.0, 0.0, 1.0)
    is_open = rng.random(n) < p_open
    won = (rng.random(n) < _sigmoid(logit)) & ~_never_wins(cols) & ~is_open
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


# --- CRM blanks and output columns ----------------------------------------------------------------


def _blank_masks(rng: np.random.Generator, z: np.ndarray) -> Columns:
    """Which CRM fields are empty, likelier for less engaged leads."""
    masks = {}
    for name, rate in BLANK_RATES.items():
        p = _sigmoid(np.log(rate / (1.0 - rate)) + BLANK_INTENT * z)
        masks[name] = rng.random(len(z)) < p
    return masks


def _feature_column(name: str, values: np.ndarray, blank: np.ndarray | None) -> pd.Series | np.ndarray:
    """Feature values in the output dtype: strings, nullable booleans or floats, with blanks missing."""
    blank = np.zeros(len(values), dtype=bool) if blank is None else blank
    if name in CATEGORICAL_VOCAB:
        codes = np.where(blank, -1, values)
        categories = list(CATEGORICAL_VOCAB[name])
        return pd.Series(pd.Categorical.from_codes(codes, categories=categories)).astype("str")
    if name in BOOLEANS:
        return pd.arrays.BooleanArray(values.astype(bool), blank)
    return np.where(blank, np.nan, values.astype(float))


def _attributes(rng: np.random.Generator, cols: Columns) -> dict[str, pd.Series]:
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
    host = corporate.where(kind == _code("email_domain", "corporate"), free)
    return host.where(kind != _code("email_domain", "competitor"), rival)


def _phones(rng: np.random.Generator, dialling_codes: np.ndarray) -> pd.Series:
    """International phone numbers, missing for about 15 % of leads."""
    n = len(dialling_codes)
    number = pd.Series(rng.integers(200_000_000, 1_000_000_000, size=n)).astype("str")
    phone = "+" + pd.Series(dialling_codes, dtype="str") + " " + number
    return phone.mask(rng.random(n) < PHONE_MISSING)
