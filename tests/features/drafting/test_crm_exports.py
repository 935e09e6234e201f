"""Drafting profiles from generated CRM exports: HubSpot, Salesforce and Pipedrive, in English, Danish,
Dutch and Polish, and the bad input a new user brings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from features.drafting.draft import Draft, Request, draft_profile
from features.drafting.reading import DraftError, JoinSpec
from features.leakage import single_feature_auc
from features.profile import FeatureKind, Profile, load_profile
from features.source import History, load_history
from tests.features.drafting import exports
from tests.features.drafting.exports import Generated


def _features(draft: Draft) -> dict[str, dict[str, Any]]:
    return {spec["name"]: spec for spec in draft.profile["features"]}


def _refused(draft: Draft) -> dict[str, str]:
    return {entry["column"]: entry["reason"] for entry in draft.profile.get("known_after_outcome", [])}


def _attributes(draft: Draft) -> dict[str, dict[str, Any]]:
    return {spec["name"]: spec for spec in draft.profile.get("attributes", [])}


def _left_out(draft: Draft) -> list[str]:
    dropped: list[str] = draft.profile["source"].get("drop_columns", [])
    return dropped


def _counts(history: History) -> tuple[int, int, int]:
    closed = history.closed.won
    return int(closed.sum()), int(len(closed) - closed.sum()), len(history.open)


def _loaded(draft: Draft, folder: Path) -> History:
    """The draft's text loads both ways: validated as a mapping, and as a profile file on disk."""
    profile = Profile.model_validate(yaml.safe_load(draft.text) | {"base_dir": folder})
    history = load_history(profile)
    written = folder / "drafted.yaml"
    written.write_text(draft.text, encoding="utf-8")
    from_file = load_history(load_profile(written))
    assert _counts(from_file) == _counts(history)
    assert list(from_file.frame.columns) == list(history.frame.columns)
    return history


def _hubspot(folder: Path, **deals: Any) -> tuple[Generated, Path]:
    base = exports.hubspot_leads()
    contacts = exports.hubspot_contacts(folder, base)
    return contacts, exports.hubspot_deals(folder, base, contacts, **deals)


# --- HubSpot -------------------------------------------------------------------------------------------


def test_hubspot_contacts_joined_to_deals_draft_the_deal_stage(tmp_path: Path) -> None:
    contacts, deals = _hubspot(tmp_path)
    draft = draft_profile(Request(path=contacts.path, joins=[JoinSpec(deals, "Record ID")], outcome="Deal Stage"))
    profile = draft.profile

    assert profile["id"] == "Record ID"
    assert profile["time"] == {"column": "Create Date", "format": "%Y-%m-%d %H:%M"}  # the contact's, not the deal's
    assert profile["outcome"]["won"] == ["closedwon"] and profile["outcome"]["lost"] == ["closedlost"]
    assert set(profile["outcome"]["open"]) == set(exports.OPEN_DEAL_STAGES)
    assert "not recognised" not in draft.notes["outcome"]
    assert profile["source"]["joins"][0]["duplicates"] == "first"  # upsell deals repeat a contact

    refused = _refused(draft)
    for column in ("Close Date", "Amount", "Lifecycle Stage", "Lead Status", "Create Date_joined"):
        assert column in refused, column
    assert set(_attributes(draft)) == {"First Name", "Last Name", "Email", "Phone Number"}
    assert all(spec["personal"] is True for spec in _attributes(draft).values())
    assert "Deal Name" in _left_out(draft)
    assert {"Original Source", "Number of Employees", "Industry", "Country/Region"} <= set(_features(draft))

    history = _loaded(draft, tmp_path)
    assert _counts(history) == (contacts.won, contacts.lost, contacts.open)


def test_hubspot_outcome_is_proposed_from_the_deal_stage_not_a_yes_no_flag(tmp_path: Path) -> None:
    contacts, deals = _hubspot(tmp_path)
    draft = draft_profile(Request(path=contacts.path, joins=[JoinSpec(deals, "Record ID")]))

    assert draft.profile["outcome"]["column"] == "Deal Stage"
    assert "proposed" in draft.notes["outcome"]
    assert _features(draft)["Unsubscribed from all email"]["kind"] == "boolean"


def test_hubspot_codes_get_value_labels(tmp_path: Path) -> None:
    contacts, deals = _hubspot(tmp_path)
    draft = draft_profile(Request(path=contacts.path, joins=[JoinSpec(deals, "Record ID")], outcome="Deal Stage"))
    features = _features(draft)

    assert features["Original Source"]["values"] == {
        "ORGANIC_SEARCH": "Organic search", "PAID_SEARCH": "Paid search", "EMAIL_MARKETING": "Email marketing",
        "SOCIAL_MEDIA": "Social media", "REFERRALS": "Referrals", "OFFLINE": "Offline",
        "DIRECT_TRAFFIC": "Direct traffic"}
    industry = features["Industry"]["values"]
    assert industry["MARKETING_AND_ADVERTISING"] == "Marketing and advertising"
    assert industry["INFORMATION_TECHNOLOGY_AND_SERVICES"] == "Information technology and services"
    assert industry["RETAIL"] == "Retail"
    assert "values" not in features["Country/Region"]  # already words

    profile = load_profile(_write(draft, tmp_path))
    assert profile.feature("Original Source").value_label("PAID_SEARCH") == "Paid search"


def test_won_when_the_contact_has_a_row_in_the_won_deals_table(tmp_path: Path) -> None:
    contacts, deals = _hubspot(tmp_path, won_only=True)
    draft = draft_profile(Request(path=contacts.path, joins=[JoinSpec(deals, "Record ID")],
                                  outcome="matched:deals"))

    join = draft.profile["source"]["joins"][0]
    assert join["matched"] == "in_deals"
    assert draft.profile["outcome"] == {"column": "in_deals", "won": [True], "lost": [False]}
    refused = _refused(draft)
    assert "Amount" in refused and "Close Date" in refused and "Deal Stage" in refused

    history = _loaded(draft, tmp_path)
    assert _counts(history) == (contacts.won, contacts.lost + contacts.open, 0)


# --- Salesforce ----------------------------------------------------------------------------------------


def test_salesforce_lead_report_proposes_converted(tmp_path: Path) -> None:
    leads = exports.salesforce_leads(tmp_path)
    draft = draft_profile(Request(path=leads.path))
    profile = draft.profile

    assert profile["id"] == "Lead ID"
    assert profile["time"] == {"column": "Created Date", "format": "%m/%d/%Y"}
    assert profile["outcome"] == {"column": "Converted", "won": [1], "lost": [0]}
    assert "'Lead Status' (" in next(line for line in draft.report if line.startswith("other outcome"))
    refused = _refused(draft)
    assert "Rating" in refused and "Lead Status" in refused
    assert set(_attributes(draft)) == {"First Name", "Last Name", "Email", "Phone"}
    assert "Company" in _left_out(draft)
    kinds = {name: spec["kind"] for name, spec in _features(draft).items()}
    assert kinds == {"Title": "categorical", "Lead Source": "categorical", "Industry": "categorical",
                     "Annual Revenue": "numeric", "No. of Employees": "numeric"}

    history = _loaded(draft, tmp_path)
    assert _counts(history) == (leads.won, leads.lost + leads.open, 0)  # not converted yet counts as lost


def test_two_id_candidates_are_named_and_id_resolves_them(tmp_path: Path) -> None:
    leads = exports.salesforce_leads(tmp_path, case_safe_id=True)
    with pytest.raises(DraftError, match="two columns could be the lead id") as caught:
        draft_profile(Request(path=leads.path, outcome="Converted"))
    assert "'Lead ID'" in str(caught.value) and "'Case Safe ID'" in str(caught.value)
    assert "--id" in str(caught.value)

    draft = draft_profile(Request(path=leads.path, outcome="Converted", id="Lead ID"))
    assert draft.profile["id"] == "Lead ID"
    assert "Case Safe ID" in _left_out(draft)
    assert _counts(_loaded(draft, tmp_path))[0] == leads.won


def test_salesforce_lead_status_with_nurture_and_recycled_stages_open(tmp_path: Path) -> None:
    leads = exports.salesforce_leads(tmp_path, nurture=True)
    draft = draft_profile(Request(path=leads.path, outcome="Lead Status"))
    outcome = draft.profile["outcome"]

    assert outcome["won"] == ["Closed - Converted"] and outcome["lost"] == ["Closed - Not Converted"]
    assert set(outcome["open"]) == {"Open - Not Contacted", "Working - Contacted", "Nurturing", "Recycled"}
    assert "not recognised" not in draft.notes["outcome"]
    assert _counts(_loaded(draft, tmp_path)) == (leads.won, leads.lost, leads.open)


def test_salesforce_opportunities_refuse_what_the_close_sets(tmp_path: Path) -> None:
    opportunities = exports.salesforce_opportunities(tmp_path)
    draft = draft_profile(Request(path=opportunities.path))
    outcome = draft.profile["outcome"]

    assert draft.profile["id"] == "Opportunity ID"
    assert outcome["column"] == "Stage" and outcome["won"] == ["Closed Won"] and outcome["lost"] == ["Closed Lost"]
    assert set(outcome["open"]) == set(exports.OPPORTUNITY_STAGES)
    assert "not recognised" not in draft.notes["outcome"]
    refused = _refused(draft)
    assert "AUC" in refused["Probability (%)"]
    for column in ("Amount", "Close Date", "Opportunity Owner"):
        assert column in refused, column
    assert "Opportunity Name" not in _attributes(draft)  # an opportunity's name is no person's
    assert {"Opportunity Name", "Account Name"} <= set(_left_out(draft))
    assert set(_features(draft)) == {"Lead Source", "Type"}
    assert _counts(_loaded(draft, tmp_path)) == (opportunities.won, opportunities.lost, opportunities.open)


# --- Pipedrive -----------------------------------------------------------------------------------------


def test_pipedrive_deals_status_and_refusals(tmp_path: Path) -> None:
    deals = exports.pipedrive_deals(tmp_path)
    draft = draft_profile(Request(path=deals.path))
    profile = draft.profile

    assert profile["id"] == "Deal - ID"
    assert profile["time"] == {"column": "Deal - Deal created", "format": "%Y-%m-%d %H:%M:%S"}
    assert profile["outcome"] == {"column": "Deal - Status", "won": ["won"], "lost": ["lost"], "open": ["open"]}
    refused = _refused(draft)
    for column in ("Deal - Value", "Deal - Won time", "Deal - Lost time", "Deal - Lost reason", "Deal - Stage",
                   "Deal - Expected close date", "Deal - Owner"):
        assert column in refused, column
    assert set(_attributes(draft)) == {"Person - Name", "Person - Email", "Person - Phone"}
    assert {"Deal - Title", "Organization - Name", "Deal - Currency"} <= set(_left_out(draft))
    assert {"Deal - Source channel", "Organization - Employees"} <= set(_features(draft))
    assert _counts(_loaded(draft, tmp_path)) == (deals.won, deals.lost, deals.open)


def test_won_when_the_won_time_is_filled_lost_after_days(tmp_path: Path) -> None:
    deals = exports.pipedrive_deals(tmp_path)
    draft = draft_profile(Request(path=deals.path, outcome="Deal - Won time"))
    outcome = draft.profile["outcome"]

    assert outcome["column"] == "Deal - Won time" and outcome["won_when"] == "filled"
    days = outcome["lost_after_days"]
    assert 60 <= days <= 90  # the generator closes deals 5 to 90 days after creation
    assert "Deal - Status" in _refused(draft)

    created = pd.to_datetime(deals.frame["Deal - Deal created"])
    won = deals.frame["Deal - Won time"].notna().to_numpy()
    old = ((created.max() - created).dt.days > days).to_numpy()
    expected = (int(won.sum()), int((~won & old).sum()), int((~won & ~old).sum()))
    assert expected[1] > 0 and expected[2] > 0
    assert _counts(_loaded(draft, tmp_path)) == expected


# --- Localised exports ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Localised:
    write: Callable[[Path], Generated]
    read: dict[str, str]
    status: str
    words: tuple[str, str, str]  # won, lost, open
    created: str
    date_format: str
    flag: str  # a yes/no field in the language
    after: tuple[str, ...]  # known only after the outcome
    personal: frozenset[str]


LOCALISED = {
    "danish": Localised(exports.danish_deals, {"encoding": "cp1252", "sep": ";", "decimal": ","}, "Aftale - Status",
                        ("Vundet", "Tabt", "Åben"), "Aftale - Oprettet", "%d-%m-%Y", "Person - Nyhedsbrev",
                        ("Aftale - Værdi", "Aftale - Årsag til tab", "Aftale - Forventet lukkedato"),
                        frozenset({"Person - Navn", "Person - E-mail", "Person - Telefon"})),
    "dutch": Localised(exports.dutch_leads, {"sep": ";", "decimal": ","}, "Status", ("Gewonnen", "Verloren", "Open"),
                       "Aangemaakt", "%d-%m-%Y", "Nieuwsbrief", ("Waarde", "Reden verloren", "Sluitingsdatum", "Fase"),
                       frozenset({"Naam", "E-mailadres", "Telefoonnummer"})),
}


@pytest.mark.parametrize("locale", sorted(LOCALISED))
def test_localised_exports(tmp_path: Path, locale: str) -> None:
    case = LOCALISED[locale]
    generated = case.write(tmp_path)
    draft = draft_profile(Request(path=generated.path))
    profile = draft.profile

    assert profile["source"]["read"] == case.read
    won, lost, still_open = case.words
    assert profile["outcome"] == {"column": case.status, "won": [won], "lost": [lost], "open": [still_open]}
    assert profile["time"] == {"column": case.created, "format": case.date_format}
    assert _features(draft)[case.flag]["kind"] == "boolean"  # Ja / Nej, Ja / Nee
    refused = _refused(draft)
    for column in case.after:
        assert column in refused, column
    assert set(_attributes(draft)) == case.personal
    assert _counts(_loaded(draft, tmp_path)) == (generated.won, generated.lost, generated.open)


@pytest.mark.parametrize("named", [None, "cp1250"])
def test_a_polish_cp1250_export_is_read_in_its_code_page(tmp_path: Path, named: str | None) -> None:
    """Found by which code page gives Polish letters rather than stray symbols (ł, not ³), or named."""
    deals = exports.polish_deals(tmp_path)
    draft = draft_profile(Request(path=deals.path, encoding=named))
    profile = draft.profile
    assert profile["source"]["read"] == {"encoding": "cp1250", "sep": ";", "decimal": ","}
    assert profile["outcome"] == {"column": "Status", "won": ["Wygrana"], "lost": ["Przegrana"], "open": ["Otwarta"]}
    assert profile["time"] == {"column": "Data utworzenia", "format": "%d.%m.%Y"}
    features = _features(draft)
    assert features["Zgoda marketingowa"]["kind"] == "boolean"  # Tak / Nie
    assert "Źródło" in features and "Liczba pracowników" in features
    refused = _refused(draft)
    for column in ("Wartość", "Powód utraty", "Data zamknięcia"):
        assert column in refused, column
    assert set(_attributes(draft)) == {"Imię i nazwisko", "E-mail", "Telefon"}

    history = _loaded(draft, tmp_path)
    assert set(history.frame["Źródło"].dropna()) == set(exports.POLISH_SOURCES)  # decoded, not mojibake
    assert _counts(history) == (deals.won, deals.lost, deals.open)


# --- Every export loads and keeps its signal -----------------------------------------------------------

WRITERS: dict[str, Callable[[Path], Generated]] = {
    "salesforce-leads": exports.salesforce_leads, "salesforce-opportunities": exports.salesforce_opportunities,
    "pipedrive": exports.pipedrive_deals, "danish": exports.danish_deals, "dutch": exports.dutch_leads,
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_drafted_history_loads_and_can_be_learnt(tmp_path: Path, name: str) -> None:
    generated = WRITERS[name](tmp_path)
    draft = draft_profile(Request(path=generated.path))
    history = _loaded(draft, tmp_path)
    closed = history.closed
    cut = int(len(closed.won) * 0.7)  # older leads learn, the newest are judged, as in training
    aucs = {}
    for spec in draft.profile["features"]:
        values = closed.frame[spec["name"]].reset_index(drop=True)
        aucs[spec["name"]] = single_feature_auc(values[:cut], closed.won[:cut], values[cut:], closed.won[cut:],
                                                FeatureKind(spec["kind"]))
    assert max(aucs.values()) > 0.6, aucs  # the generated won rate depends on source and size
    assert max(aucs.values()) < 0.95, aucs  # nothing left in gives the outcome away


# --- Bad input -----------------------------------------------------------------------------------------


def test_no_plausible_outcome_lists_the_candidates_with_their_counts(tmp_path: Path) -> None:
    base = exports.hubspot_leads()
    contacts = exports.hubspot_contacts(tmp_path, base)  # lifecycle "customer" but no lost stage; no deals
    with pytest.raises(DraftError, match="no column looks like the outcome") as caught:
        draft_profile(Request(path=contacts.path))
    message = str(caught.value)
    customers = int((contacts.frame["Lifecycle Stage"] == "customer").sum())
    assert f"'Lifecycle Stage' (customer {customers}" in message
    assert "'Lead Status' (" in message and "UNQUALIFIED" in message
    assert message.index("'Lifecycle Stage'") < message.index("'First Name'")  # outcome-like names first


def test_a_named_column_with_no_outcome_values_is_refused_with_its_counts(tmp_path: Path) -> None:
    contacts = exports.hubspot_contacts(tmp_path, exports.hubspot_leads())
    with pytest.raises(DraftError, match="'Industry' \\(--outcome\\)") as caught:
        draft_profile(Request(path=contacts.path, outcome="Industry"))
    assert "FINANCIAL_SERVICES" in str(caught.value)


def test_a_join_key_that_matches_no_row_is_named(tmp_path: Path) -> None:
    contacts, deals = _hubspot(tmp_path, key_offset=10_000_000)
    with pytest.raises(DraftError) as caught:
        draft_profile(Request(path=contacts.path, joins=[JoinSpec(deals, "Record ID")], outcome="Deal Stage"))
    message = str(caught.value)
    assert "'Record ID'" in message and "0 % matched" in message and str(deals) in message


def test_a_join_key_missing_from_the_table_is_named(tmp_path: Path) -> None:
    contacts, deals = _hubspot(tmp_path)
    with pytest.raises(DraftError, match="'Associated Contact IDs' is not a column"):
        draft_profile(Request(path=contacts.path, joins=[JoinSpec(deals, "Associated Contact IDs")]))


def test_binary_garbage_is_refused_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(bytes(np.random.default_rng(0).integers(0, 256, 4_000, dtype=np.uint8)) + b"\x00")
    with pytest.raises(DraftError) as caught:
        draft_profile(Request(path=path))
    assert str(path) in str(caught.value) and "binary" in str(caught.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"
    with pytest.raises(DraftError, match="file not found") as caught:
        draft_profile(Request(path=path))
    assert str(path) in str(caught.value)
    contacts = exports.hubspot_contacts(tmp_path, exports.hubspot_leads())
    with pytest.raises(DraftError, match="file not found") as caught:
        draft_profile(Request(path=contacts.path, joins=[JoinSpec(tmp_path / "deals.csv", "Record ID")]))
    assert str(tmp_path / "deals.csv") in str(caught.value)


def test_a_wrong_encoding_names_the_path_and_the_byte(tmp_path: Path) -> None:
    deals = exports.danish_deals(tmp_path)  # Windows-1252
    with pytest.raises(DraftError, match="not utf-8 text: byte 0x") as caught:
        draft_profile(Request(path=deals.path, encoding="utf-8"))
    assert str(deals.path) in str(caught.value)
    with pytest.raises(DraftError, match="unknown encoding 'latin-99'") as caught:
        draft_profile(Request(path=deals.path, encoding="latin-99"))
    assert str(deals.path) in str(caught.value)


def _write(draft: Draft, folder: Path) -> Path:
    path = folder / "profile.yaml"
    path.write_text(draft.text, encoding="utf-8")
    return path
