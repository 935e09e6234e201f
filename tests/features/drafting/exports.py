"""Small generated CRM exports shaped like HubSpot's, Salesforce's and Pipedrive's, in English and in the
languages of our markets (Danish, Dutch, Polish), each with a learnable signal and its true outcome counts.

Column names and values follow each CRM's export as documented: HubSpot's contact and deal properties
(internal values such as PAID_SEARCH, closedwon), Salesforce's Lead and Opportunity report columns and
default picklists, Pipedrive's "Deal - ..." / "Person - ..." export headers and open/won/lost status.
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

START = pd.Timestamp("2024-01-01")
SPAN_DAYS = 540
END = START + pd.Timedelta(days=SPAN_DAYS)  # the day the export was taken


@dataclass(frozen=True)
class Generated:
    """One written export, the frame as written, and how many of its leads are truly won, lost and open."""

    path: Path
    frame: pd.DataFrame
    won: int
    lost: int
    open: int


FIRST = {
    "en": ["James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "Emma", "Noah"],
    "da": ["Mette", "Søren", "Anne", "Jens", "Lars", "Hanne", "Mads", "Freja", "Rasmus", "Ida"],
    "nl": ["Daan", "Sanne", "Lucas", "Emma", "Bram", "Lotte", "Sem", "Julia", "Thijs", "Fleur"],
    "pl": ["Anna", "Piotr", "Katarzyna", "Krzysztof", "Małgorzata", "Tomasz", "Agnieszka", "Paweł", "Łukasz",
           "Żaneta"],
}
LAST = {
    "en": ["Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor", "Clark"],
    "da": ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen",
           "Jørgensen"],
    "nl": ["de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser", "Smit", "Meijer",
           "de Boer"],
    "pl": ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński",
           "Szymański", "Woźniak"],
}
COMPANY_STEMS = ["Nord", "Blue", "Green", "Atlas", "Vega", "Delta", "Orion", "Polar", "Lumen", "Terra", "Nova",
                 "Crest", "Pine", "Iron", "Silver", "Amber", "Cobalt", "Maple", "Falcon", "Harbor"]
SUFFIX = {"en": ["Inc.", "LLC", "Ltd", "Group"], "da": ["ApS", "A/S", "I/S", "Gruppen"],
          "nl": ["B.V.", "N.V.", "Groep", "& Zn."], "pl": ["Sp. z o.o.", "S.A.", "Sp.j.", "Grupa"]}
PHONE = {"en": "+1 ({a:03d}) 555-{b:04d}", "da": "+45 {a:02d} {b:04d} {c:02d}",
         "nl": "+31 6 {b:04d} {a:04d}", "pl": "+48 {a:03d} {b:03d} {c:03d}"}


@dataclass(frozen=True)
class Leads:
    """The latent history every export is written from: when, where from, how big, and how it ended."""

    created: pd.Series  # datetimes, oldest first
    source: np.ndarray  # index into the export's source vocabulary
    employees: np.ndarray
    segment: np.ndarray  # index into a second categorical (industry, type)
    state: np.ndarray  # "won", "lost" or "open"
    closed_at: pd.Series  # when the deal closed (or is expected to, for open leads)
    first: np.ndarray
    last: np.ndarray
    company: np.ndarray
    email: np.ndarray
    phone: np.ndarray

    @property
    def counts(self) -> tuple[int, int, int]:
        return tuple(int((self.state == s).sum()) for s in ("won", "lost", "open"))  # type: ignore[return-value]


def leads(seed: int, n: int, source_effects: list[float], segment_effects: list[float], locale: str = "en",
          source_share: list[float] | None = None) -> Leads:
    """Leads whose win rate rises with the source's effect, the company's size and its segment."""
    rng = np.random.default_rng(seed)
    offsets = np.sort(rng.uniform(0, SPAN_DAYS - 1, n))
    created = pd.Series(START + pd.to_timedelta(np.round(offsets * 24 * 60), unit="min"))
    share = np.asarray(source_share, dtype=float) if source_share else None
    source = rng.choice(len(source_effects), n, p=share / share.sum() if share is not None else None)
    employees = np.maximum(1, np.round(np.exp(rng.normal(3.5, 1.3, n)))).astype(int)
    segment = rng.choice(len(segment_effects), n)
    logit = -1.0 + np.asarray(source_effects)[source] + np.asarray(segment_effects)[segment] \
        + 0.8 * (np.log10(employees) - 1.5)
    won = rng.random(n) < 1 / (1 + np.exp(-logit))
    lag = rng.uniform(5, 90, n)  # days from creation to close
    closed_at = created + pd.to_timedelta(np.round(lag * 24 * 60), unit="min")
    closed = (closed_at <= END).to_numpy() & (rng.random(n) < 0.9)  # a deal not closed by the export is open
    state = np.where(~closed, "open", np.where(won, "won", "lost"))
    first = rng.choice(FIRST[locale], n)
    last = rng.choice(LAST[locale], n)
    pairs = rng.choice(len(COMPANY_STEMS) ** 2 * 4, n, replace=False)
    company = np.array([f"{COMPANY_STEMS[p % 20]}{COMPANY_STEMS[p // 20 % 20].lower()} {SUFFIX[locale][p // 400]}"
                        for p in pairs])
    email = np.array([f"{_ascii(f)}.{_ascii(la)}{i}@{_ascii(c.split()[0])}.{'com' if locale == 'en' else locale}"
                      for i, (f, la, c) in enumerate(zip(first, last, company, strict=True))])
    digits = rng.integers(0, 10_000, (n, 3))
    phone = np.array([PHONE[locale].format(a=a % 1000, b=b, c=c % 100) for a, b, c in digits])
    return Leads(created, source, employees, segment, state, pd.Series(closed_at), first, last, company, email,
                 phone)


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L").replace("ø", "o"))
    return "".join(c for c in plain.encode("ascii", "ignore").decode().lower() if c.isalnum())


def _pick(rng: np.random.Generator, state: np.ndarray, choices: dict[str, list[str]]) -> np.ndarray:
    return np.array([rng.choice(choices[s]) for s in state])


def _money(rng: np.random.Generator, base: Leads, scale: float = 1.0) -> np.ndarray:
    """A deal's value: bigger companies buy more, and a won deal's value is the one agreed (a bit lower)."""
    value = scale * (2_000 + 40 * base.employees) * rng.lognormal(0, 0.4, len(base.state))
    return np.round(np.where(base.state == "won", 0.9 * value, value), 2)


def _salesforce_id(rng: np.random.Generator, prefix: str, n: int, length: int = 18) -> np.ndarray:
    alphabet = np.array(list(string.ascii_letters + string.digits))
    return np.array([prefix + "5g" + "".join(rng.choice(alphabet, length - 5)) for _ in range(n)])


def _write(frame: pd.DataFrame, path: Path, base: Leads, sep: str = ",", decimal: str = ".",
           encoding: str = "utf-8") -> Generated:
    frame.to_csv(path, sep=sep, decimal=decimal, encoding=encoding, index=False)
    won, lost, still_open = base.counts
    return Generated(path, frame, won, lost, still_open)


# --- HubSpot -------------------------------------------------------------------------------------------

HUBSPOT_SOURCES = ["ORGANIC_SEARCH", "PAID_SEARCH", "EMAIL_MARKETING", "SOCIAL_MEDIA", "REFERRALS", "OFFLINE",
                   "DIRECT_TRAFFIC"]
HUBSPOT_INDUSTRIES = ["COMPUTER_SOFTWARE", "MARKETING_AND_ADVERTISING", "INFORMATION_TECHNOLOGY_AND_SERVICES",
                      "FINANCIAL_SERVICES", "RETAIL", "CONSTRUCTION"]
OPEN_DEAL_STAGES = ["appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin",
                    "contractsent"]


def hubspot_leads(seed: int = 1, n: int = 400) -> Leads:
    return leads(seed, n, [0.4, 0.2, 0.0, -0.8, 1.4, -0.4, 0.1], [0.6, 0.0, 0.3, -0.2, -0.7, -0.4])


def hubspot_contacts(folder: Path, base: Leads, seed: int = 1) -> Generated:
    """A HubSpot contacts export (internal values, as exported with "property values, not labels")."""
    rng = np.random.default_rng(seed + 100)
    n = len(base.state)
    record_ids = np.sort(rng.choice(np.arange(51, 200_000), n, replace=False))  # HubSpot ids grow over time
    lifecycle = _pick(rng, base.state, {
        "won": ["customer"], "lost": ["salesqualifiedlead", "opportunity", "other"],
        "open": ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity"]})
    status = _pick(rng, base.state, {"won": ["CONNECTED", "OPEN_DEAL"], "lost": ["UNQUALIFIED", "BAD_TIMING"],
                                     "open": ["NEW", "OPEN", "IN_PROGRESS", "ATTEMPTED_TO_CONTACT"]})
    countries = np.array(["Denmark", "Netherlands", "Poland", "Germany", "United Kingdom", "United States"])
    frame = pd.DataFrame({
        "Record ID": record_ids,
        "First Name": base.first,
        "Last Name": base.last,
        "Email": base.email,
        "Phone Number": base.phone,
        "Create Date": base.created.dt.strftime("%Y-%m-%d %H:%M"),
        "Lifecycle Stage": lifecycle,
        "Lead Status": status,
        "Original Source": np.array(HUBSPOT_SOURCES)[base.source],
        "Number of Employees": base.employees,
        "Industry": np.array(HUBSPOT_INDUSTRIES)[base.segment],
        "Country/Region": rng.choice(countries, n),
        "Unsubscribed from all email": np.where(rng.random(n) < 0.15, "true", "false"),
    })
    order = rng.permutation(n)  # HubSpot exports in the view's sort order, not by creation
    return _write(frame.iloc[order].reset_index(drop=True), folder / "hubspot-contacts.csv", base)


def hubspot_deals(folder: Path, base: Leads, contacts: Generated, seed: int = 1, won_only: bool = False,
                  key_offset: int = 0, name: str = "deals.csv") -> Path:
    """Deals of a contacts-and-deals report, one row per deal, keyed by the contact's Record ID.

    Every closed contact has a deal and half the open ones do; some won contacts have a later upsell deal
    that repeats their key. `won_only` keeps the closed-won deals alone (a "won deals" export).
    """
    rng = np.random.default_rng(seed + 200)
    ids = np.sort(contacts.frame["Record ID"].to_numpy())  # ids grow with creation: the latent order
    has_deal = (base.state != "open") | (rng.random(len(ids)) < 0.5)
    if won_only:
        has_deal = base.state == "won"
    rows = np.flatnonzero(has_deal)
    stage = np.array([{"won": "closedwon", "lost": "closedlost"}.get(s) or rng.choice(OPEN_DEAL_STAGES)
                      for s in base.state[rows]])
    created = base.created[rows] + pd.to_timedelta(rng.integers(1, 5, len(rows)), unit="D")
    deals = pd.DataFrame({
        "Record ID": ids[rows] + key_offset,
        "Deal Name": [f"{c} - New Business" for c in base.company[rows]],
        "Deal Stage": stage,
        "Pipeline": "default",
        "Amount": _money(rng, base)[rows],
        "Close Date": base.closed_at[rows].dt.strftime("%Y-%m-%d %H:%M").to_numpy(),
        "Create Date": created.dt.strftime("%Y-%m-%d %H:%M").to_numpy(),
    })
    upsell = deals[deals["Deal Stage"] == "closedwon"].head(8).copy()
    upsell["Deal Stage"] = "appointmentscheduled"
    upsell["Deal Name"] = upsell["Deal Name"].str.replace("New", "Upsell")
    deals = pd.concat([deals, upsell], ignore_index=True)
    path = folder / name
    deals.to_csv(path, index=False)
    return path


# --- Salesforce ----------------------------------------------------------------------------------------

SALESFORCE_SOURCES = ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Advertisement",
                      "Employee Referral", "Trade Show", "Other"]
SALESFORCE_INDUSTRIES = ["Technology", "Finance", "Healthcare", "Manufacturing", "Retail", "Education"]
TITLES = ["CEO", "CFO", "Marketing Manager", "Head of Sales", "IT Director", "Procurement Officer", "Founder"]


def salesforce_leads(folder: Path, seed: int = 2, n: int = 400, case_safe_id: bool = False,
                     nurture: bool = False) -> Generated:
    """A Salesforce Lead report (Reports > Export > Details only, CSV)."""
    base = leads(seed, n, [0.3, 0.5, 1.3, -1.0, -0.3, 1.0, 0.2, -0.5], [0.5, 0.2, 0.0, -0.3, -0.6, 0.1])
    rng = np.random.default_rng(seed + 100)
    open_statuses = ["Open - Not Contacted", "Working - Contacted"] + (["Nurturing", "Recycled"] if nurture else [])
    status = _pick(rng, base.state, {"won": ["Closed - Converted"], "lost": ["Closed - Not Converted"],
                                     "open": open_statuses})
    rating = _pick(rng, base.state, {"won": ["Hot", "Hot", "Warm"], "lost": ["Cold", "Cold", "Warm"],
                                     "open": ["Hot", "Warm", "Cold"]})
    lead_ids = _salesforce_id(rng, "00Q", n)
    frame = pd.DataFrame({
        "Lead ID": lead_ids,
        "First Name": base.first,
        "Last Name": base.last,
        "Title": rng.choice(TITLES, n),
        "Company": base.company,
        "Email": base.email,
        "Phone": base.phone,
        "Lead Source": np.array(SALESFORCE_SOURCES)[base.source],
        "Industry": np.array(SALESFORCE_INDUSTRIES)[base.segment],
        "Annual Revenue": np.round(base.employees * rng.lognormal(11.5, 0.5, n), -3),
        "No. of Employees": base.employees,
        "Rating": rating,
        "Lead Status": status,
        "Created Date": base.created.dt.strftime("%m/%d/%Y"),
        "Converted": (base.state == "won").astype(int),
    })
    if case_safe_id:  # the 18-character case-safe id many orgs add beside the 15-character one
        frame.insert(1, "Case Safe ID", frame["Lead ID"])
        frame["Lead ID"] = frame["Lead ID"].str[:15]
    if nurture:
        frame = frame.drop(columns=["Converted"])
    return _write(frame, folder / "salesforce-leads.csv", base)


OPPORTUNITY_STAGES = {"Prospecting": 10, "Qualification": 10, "Needs Analysis": 20, "Value Proposition": 50,
                      "Id. Decision Makers": 60, "Perception Analysis": 70, "Proposal/Price Quote": 75,
                      "Negotiation/Review": 90}
OPPORTUNITY_TYPES = ["New Customer", "Existing Customer - Upgrade", "Existing Customer - Replacement",
                     "Existing Customer - Downgrade"]


def salesforce_opportunities(folder: Path, seed: int = 3, n: int = 400) -> Generated:
    """A Salesforce Opportunity report with the default sales process's stages."""
    base = leads(seed, n, [0.3, 0.5, 1.3, -1.0, -0.3, 1.0, 0.2, -0.5], [-0.4, 1.0, 0.4, -1.0])
    rng = np.random.default_rng(seed + 100)
    stage = np.array([{"won": "Closed Won", "lost": "Closed Lost"}.get(s) or rng.choice(list(OPPORTUNITY_STAGES))
                      for s in base.state])
    probability = np.array([{"Closed Won": 100, "Closed Lost": 0}.get(s, OPPORTUNITY_STAGES.get(s, 0))
                            for s in stage])
    frame = pd.DataFrame({
        "Opportunity ID": _salesforce_id(rng, "006", n),
        "Opportunity Name": [f"{c} - {rng.integers(5, 500)} seats" for c in base.company],
        "Account Name": base.company,
        "Stage": stage,
        "Probability (%)": probability,
        "Amount": _money(rng, base),
        "Close Date": base.closed_at.dt.strftime("%m/%d/%Y"),
        "Created Date": base.created.dt.strftime("%m/%d/%Y"),
        "Lead Source": np.array(SALESFORCE_SOURCES)[base.source],
        "Type": np.array(OPPORTUNITY_TYPES)[base.segment],
        "Opportunity Owner": rng.choice(["Ava Reed", "Ben Ortiz", "Chloe Park"], n),
    })
    return _write(frame, folder / "salesforce-opportunities.csv", base)


# --- Pipedrive -----------------------------------------------------------------------------------------

PIPEDRIVE_CHANNELS = ["Organic search", "Paid search", "Email marketing", "Social media", "Referral",
                      "Web forms", "Cold outreach"]
PIPEDRIVE_EFFECTS = [0.4, 0.2, 0.0, -0.6, 1.3, 0.5, -1.0]


def pipedrive_deals(folder: Path, seed: int = 4, n: int = 400) -> Generated:
    """A Pipedrive deals export (Deals > ... > Export filter results, with person and organization fields)."""
    base = leads(seed, n, PIPEDRIVE_EFFECTS, [0.3, -0.3])
    rng = np.random.default_rng(seed + 100)
    won, lost = base.state == "won", base.state == "lost"
    stamp = "%Y-%m-%d %H:%M:%S"
    frame = pd.DataFrame({
        "Deal - ID": np.arange(1, n + 1),
        "Deal - Title": [f"{c} deal" for c in base.company],
        "Deal - Owner": rng.choice(["Ava Reed", "Ben Ortiz", "Chloe Park"], n),
        "Deal - Value": _money(rng, base),
        "Deal - Currency": "EUR",
        "Deal - Pipeline": np.array(["Sales", "Partners"])[base.segment],
        "Deal - Stage": _pick(rng, base.state, {"won": ["Negotiations Started"], "lost": ["Qualified", "Contact Made"],
                                                "open": ["Qualified", "Contact Made", "Demo Scheduled",
                                                         "Proposal Made", "Negotiations Started"]}),
        "Deal - Status": base.state,
        "Deal - Deal created": base.created.dt.strftime(stamp),
        "Deal - Won time": base.closed_at.dt.strftime(stamp).where(won),
        "Deal - Lost time": base.closed_at.dt.strftime(stamp).where(lost),
        "Deal - Lost reason": pd.Series(rng.choice(["Price", "Went with competitor", "No budget", "No response"],
                                                   n)).where(lost),
        "Deal - Expected close date": (base.closed_at + pd.Timedelta(days=3)).dt.strftime("%Y-%m-%d"),
        "Deal - Source channel": np.array(PIPEDRIVE_CHANNELS)[base.source],
        "Person - Name": [f"{f} {la}" for f, la in zip(base.first, base.last, strict=True)],
        "Person - Email": base.email,
        "Person - Phone": base.phone,
        "Organization - Name": base.company,
        "Organization - Employees": base.employees,
    })
    return _write(frame, folder / "pipedrive-deals.csv", base)


# --- Localised exports ---------------------------------------------------------------------------------


def danish_deals(folder: Path, seed: int = 5, n: int = 360) -> Generated:
    """A Pipedrive deals export in Danish, as Danish Excel saves it: Windows-1252, semicolons, decimal comma."""
    sources = ["Organisk søgning", "Betalt søgning", "E-mailmarkedsføring", "Sociale medier", "Henvisning",
               "Messe", "Kold kanvas"]
    base = leads(seed, n, PIPEDRIVE_EFFECTS, [0.4, -0.4], locale="da")
    rng = np.random.default_rng(seed + 100)
    lost = base.state == "lost"
    frame = pd.DataFrame({
        "Aftale - ID": np.arange(1001, 1001 + n),
        "Aftale - Titel": [f"{c} aftale" for c in base.company],
        "Aftale - Værdi": _money(rng, base, 6.5),
        "Aftale - Status": np.array([{"won": "Vundet", "lost": "Tabt", "open": "Åben"}[s] for s in base.state]),
        "Aftale - Oprettet": base.created.dt.strftime("%d-%m-%Y"),
        "Aftale - Forventet lukkedato": base.closed_at.dt.strftime("%d-%m-%Y"),
        "Aftale - Årsag til tab": pd.Series(rng.choice(["Pris", "Valgte konkurrent", "Intet budget"], n)).where(lost),
        "Aftale - Kilde": np.array(sources)[base.source],
        "Person - Navn": [f"{f} {la}" for f, la in zip(base.first, base.last, strict=True)],
        "Person - E-mail": base.email,
        "Person - Telefon": base.phone,
        "Person - Nyhedsbrev": np.where(rng.random(n) < 0.4, "Ja", "Nej"),
        "Organisation - Navn": base.company,
        "Organisation - Antal ansatte": base.employees,
        "Organisation - Branche": np.array(["Detailhandel", "Industri"])[base.segment],
    })
    return _write(frame, folder / "aftaler.csv", base, sep=";", decimal=",", encoding="cp1252")


def dutch_leads(folder: Path, seed: int = 6, n: int = 360) -> Generated:
    """A Dutch CRM export as Dutch Excel saves "CSV UTF-8": a byte-order mark, semicolons, decimal comma."""
    sources = ["Google Ads", "Website", "Beurs", "Doorverwijzing", "LinkedIn", "Koude acquisitie"]
    base = leads(seed, n, [0.2, 0.4, 0.6, 1.3, -0.3, -1.0], [0.5, 0.0, -0.5], locale="nl")
    rng = np.random.default_rng(seed + 100)
    status = np.array([{"won": "Gewonnen", "lost": "Verloren", "open": "Open"}[s] for s in base.state])
    phase = _pick(rng, base.state, {"won": ["Gewonnen"], "lost": ["Verloren"],
                                    "open": ["Nieuw", "Gekwalificeerd", "Offerte", "Onderhandeling"]})
    frame = pd.DataFrame({
        "ID": rng.choice(np.arange(10_000, 99_999), n, replace=False),
        "Naam": [f"{f} {la}" for f, la in zip(base.first, base.last, strict=True)],
        "E-mailadres": base.email,
        "Telefoonnummer": base.phone,
        "Bedrijfsnaam": base.company,
        "Bron": np.array(sources)[base.source],
        "Branche": np.array(["Zakelijke dienstverlening", "Bouw", "Zorg"])[base.segment],
        "Aantal medewerkers": base.employees,
        "Nieuwsbrief": np.where(rng.random(n) < 0.5, "Ja", "Nee"),
        "Aangemaakt": base.created.dt.strftime("%d-%m-%Y"),
        "Status": status,
        "Fase": phase,
        "Waarde": _money(rng, base),
        "Reden verloren": pd.Series(rng.choice(["Te duur", "Concurrent gekozen", "Geen budget"], n)).where(
            base.state == "lost"),
        "Sluitingsdatum": base.closed_at.dt.strftime("%d-%m-%Y").where(base.state != "open"),
    })
    return _write(frame, folder / "leads-nl.csv", base, sep=";", decimal=",", encoding="utf-8-sig")


POLISH_SOURCES = ["Strona internetowa", "Polecenie", "Targi branżowe", "Kampania e-mail", "Wyszukiwarka",
                  "Zimny telefon"]


def polish_deals(folder: Path, seed: int = 7, n: int = 360) -> Generated:
    """A Polish CRM export as Polish Excel saves it: Windows-1250, semicolons, decimal comma, dd.mm.yyyy."""
    base = leads(seed, n, [0.2, 1.3, 0.5, 0.3, 0.1, -1.0], [0.5, -0.5], locale="pl")
    rng = np.random.default_rng(seed + 100)
    frame = pd.DataFrame({
        "ID": np.arange(1, n + 1),
        "Imię i nazwisko": [f"{f} {la}" for f, la in zip(base.first, base.last, strict=True)],
        "E-mail": base.email,
        "Telefon": base.phone,
        "Firma": base.company,
        "Źródło": np.array(POLISH_SOURCES)[base.source],
        "Branża": np.array(["Usługi", "Produkcja"])[base.segment],
        "Liczba pracowników": base.employees,
        "Zgoda marketingowa": np.where(rng.random(n) < 0.6, "Tak", "Nie"),
        "Data utworzenia": base.created.dt.strftime("%d.%m.%Y"),
        "Status": np.array([{"won": "Wygrana", "lost": "Przegrana", "open": "Otwarta"}[s] for s in base.state]),
        "Wartość": _money(rng, base, 4.3),
        "Powód utraty": pd.Series(rng.choice(["Cena", "Wybrał konkurencję", "Brak budżetu"], n)).where(
            base.state == "lost"),
        "Data zamknięcia": base.closed_at.dt.strftime("%d.%m.%Y").where(base.state != "open"),
    })
    return _write(frame, folder / "szanse.csv", base, sep=";", decimal=",", encoding="cp1250")
