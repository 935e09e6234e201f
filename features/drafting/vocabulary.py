"""The words a draft recognises: outcome values, column names by role, placeholders, and readable labels.

English and the languages of the markets served (Danish, Dutch, Polish, German), plus the big CRMs' own
stage names (HubSpot's closedwon, Salesforce's "Closed Won", Pipedrive's won/lost/open status).
"""

from __future__ import annotations

import re
import unicodedata

WON_WORDS = frozenset({
    "won", "closed won", "closedwon", "closed-won", "win", "converted", "customer", "success", "successful",
    "sale", "sold", "signed", "subscribed", "yes", "true", "1", "y",
    "closed - converted",                                        # Salesforce's default lead status
    "vundet", "konverteret", "kunde", "ja",                      # Danish
    "gewonnen", "geconverteerd", "klant",                        # Dutch and German
    "wygrana", "wygrany", "wygrane", "sukces", "klient", "tak",  # Polish
})
LOST_WORDS = frozenset({
    "lost", "closed lost", "closedlost", "closed-lost", "loss", "not converted", "unqualified", "disqualified",
    "rejected", "failed", "no", "false", "0", "n", "dead", "junk",
    "closed - not converted",                                    # Salesforce's default lead status
    "tabt", "afvist", "nej", "diskvalificeret",                  # Danish
    "verloren", "afgewezen", "nee", "nein",                      # Dutch and German
    "przegrana", "przegrany", "przegrane", "utracona", "odrzucony", "nie",  # Polish
})
# Stages where the lead is still being worked, nurtured or recycled: open, never lost.
OPEN_WORDS = frozenset({
    "open", "new", "working", "in progress", "engaging", "prospecting", "qualified", "qualification",
    "proposal", "negotiation", "nurture", "nurturing", "recycled", "contacted", "attempted to contact",
    "appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin",
    "contractsent", "needs analysis", "value proposition", "id. decision makers", "perception analysis",
    "proposal/price quote", "negotiation/review", "pending",
    "open - not contacted", "working - contacted",               # Salesforce's default lead statuses
    "ny", "igangværende", "åben", "kvalificeret", "tilbud", "forhandling", "pleje",    # Danish
    "nieuw", "lopend", "gekwalificeerd", "offerte", "onderhandeling", "neu", "offen",  # Dutch and German
    "nowy", "otwarta", "otwarty", "w toku", "kwalifikacja", "oferta", "negocjacje",    # Polish
})

# Whole words in a column's name that say it is filled in after the outcome, or by the team working the
# lead: its close, its result, the seller's judgement of it, or a snapshot taken at export.
AFTER_OUTCOME_WORDS = {
    "close": "a close date or value is set when the deal closes",
    "closed": "says whether and when the deal closed",
    "won": "names the outcome",
    "lost": "names the outcome",
    "reason": "a won or lost reason is written once the outcome is known",
    "stage": "a pipeline stage moves with the outcome",
    "status": "a status moves with the outcome",
    "tags": "tags are set by the team as they work the lead",
    "quality": "the team's judgement of the lead after talking to it",
    "rating": "the team's rating of the lead after talking to it",
    "score": "a score assigned while the lead is worked",
    "index": "an index assigned while the lead is worked",
    "profile": "a profile assigned by the team after contact",
    "last": "a snapshot at export: it holds what happened up to and after the outcome",
    "modified": "a snapshot at export: it changes as the lead is worked",
    "updated": "a snapshot at export: it changes as the lead is worked",
    "duration": "the length of a contact is known only once the contact is over",
    "owner": "the seller who took the lead is assigned after it came in",
    "value": "a deal's value is agreed as it closes",
    "amount": "a deal's amount is agreed as it closes",
}
# The same words in the languages of our markets (Danish, Dutch, Polish, German); "status" is shared.
AFTER_OUTCOME_WORDS |= {
    **dict.fromkeys(("værdi", "waarde", "wartość", "wert"), AFTER_OUTCOME_WORDS["value"]),
    **dict.fromkeys(("beløb", "bedrag", "kwota", "betrag"), AFTER_OUTCOME_WORDS["amount"]),
    **dict.fromkeys(("årsag", "reden", "powód", "grund"), AFTER_OUTCOME_WORDS["reason"]),
    **dict.fromkeys(("fase", "etap", "phase"), AFTER_OUTCOME_WORDS["stage"]),
    **dict.fromkeys(("lukket", "gesloten", "zamknięcie", "zamknięcia", "geschlossen"), AFTER_OUTCOME_WORDS["closed"]),
    **dict.fromkeys(("vundet", "gewonnen", "wygrana"), AFTER_OUTCOME_WORDS["won"]),
    **dict.fromkeys(("tabt", "verloren", "przegrana", "utraty"), AFTER_OUTCOME_WORDS["lost"]),
    **dict.fromkeys(("ejer", "eigenaar", "właściciel"), AFTER_OUTCOME_WORDS["owner"]),
}
OUTCOME_NAME_WORDS = frozenset({"converted", "won", "outcome", "result", "status", "stage", "y", "target",
                                "label", "closed", "deal", "subscribed", "vundet", "wygrana", "gewonnen"})
ID_NAME_WORDS = frozenset({"id", "key", "uuid", "guid"})
SEQUENCE_NAME_WORDS = frozenset({"nr", "no", "number", "nummer", "numer", "seq", "sequence"})
CREATED_NAME_WORDS = frozenset({"created", "create", "creation", "opened", "submitted", "added", "engage",
                                "first", "received", "oprettet", "aangemaakt", "utworzono", "utworzenia"})
PERSONAL_NAME_WORDS = {
    "email": "an e-mail address", "e-mail": "an e-mail address", "mail": "an e-mail address",
    "phone": "a phone number", "mobile": "a phone number", "telefon": "a phone number",
    "telefoon": "a phone number", "tlf": "a phone number",
    "name": "a person's name", "firstname": "a person's name", "lastname": "a person's name",
    "navn": "a person's name", "naam": "a person's name", "nazwisko": "a person's name",
    "imię": "a person's name", "imie": "a person's name", "address": "an address", "adresse": "an address",
    "adres": "an address", "street": "an address", "linkedin": "a personal profile link",
}
# Placeholders forms and CRMs write for "no answer".
MISSING_WORDS = frozenset({"select", "unknown", "n/a", "na", "none", "null", "-", "--", "?", "not provided",
                           "ukendt", "onbekend", "nieznany", "brak", "vælg", "kies", "wybierz"})


def words(name: str) -> list[str]:
    """A column name's lower-case words: 'Deal Stage' / 'dealStage' / 'deal_stage' -> ['deal', 'stage']."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)
    return [w for w in re.split(r"[^0-9a-zA-ZÀ-ÿąćęłńóśźżĄĆĘŁŃÓŚŹŻæøåÆØÅ-]+|[-]", spaced.lower()) if w]


def folded(value: object) -> str:
    """A value as the vocabularies hold it: trimmed, lower case, one space between words."""
    text = unicodedata.normalize("NFC", str(value)).strip().lower()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return re.sub(r"[\s_]+", " ", text)


def outcome_group(value: object) -> str | None:
    """'won', 'lost' or 'open' for a recognised outcome value, else None."""
    word = folded(value)
    for group, vocabulary in (("won", WON_WORDS), ("lost", LOST_WORDS), ("open", OPEN_WORDS)):
        if word in vocabulary or word.replace(" ", "") in vocabulary:
            return group
    return None


def display_name(column: str) -> str:
    """The name a seller reads: 'sales_agent' -> 'Sales agent', 'TotalVisits' -> 'Total visits'.

    A name already written in words ('How did you hear about X Education') is kept as it is.
    """
    if " " in column.strip() and "_" not in column:
        return column.strip()
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", column)
    text = re.sub(r"[_.]+", " ", spaced).strip()
    if not text:
        return column
    pieces = [p if (p.isupper() and len(p) > 1) else p.lower() for p in text.split()]
    joined = " ".join(pieces)
    return joined[:1].upper() + joined[1:]


# Short words that join the words of an upper-case code: MARKETING_AND_ADVERTISING -> "Marketing and advertising".
JOINING_WORDS = frozenset({"and", "or", "of", "to", "in", "on", "for", "the", "a", "an", "by", "not", "non", "per"})
UPPER_CODE = re.compile(r"[A-Z0-9]+(_[A-Z0-9]+)+")


def value_labels(codes: list[str]) -> dict[str, str]:
    """Labels for a column's coded values; in a column of upper-case codes (HubSpot's PAID_SEARCH,
    REFERRALS, OFFLINE) a single upper-case word is a code too and reads 'Referrals'."""
    labels = {code: label for code in codes if (label := value_label(code)) is not None}
    if any(UPPER_CODE.fullmatch(code) and labels.get(code, "") != code.replace("_", " ") for code in codes):
        labels |= {code: code.capitalize() for code in codes if re.fullmatch(r"[A-Z]{4,}", code)}
    return labels


def value_label(code: str) -> str | None:
    """Words for a machine code, or None when the value is already words.

    'cold_outbound' / 'paid-search' / 'paidSearch' -> sentence case; 'PAID_SEARCH' (words of four letters
    or more) -> 'Paid search'; other underscored codes keep their case: 'NC_EDM' -> 'NC EDM'.
    """
    if re.fullmatch(r"[a-z0-9]+([_\-][a-z0-9]+)+|[a-z]+([A-Z][a-z0-9]*)+", code):
        text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", code)
        text = re.sub(r"[_\-]+", " ", text).lower()
        return text[:1].upper() + text[1:]
    if "_" not in code:
        return None
    tokens = [t for t in code.split("_") if t]
    if code.isupper() and all(len(t) >= 4 or t.lower() in JOINING_WORDS for t in tokens) and \
            any(len(t) >= 4 for t in tokens):
        text = " ".join(tokens).lower()
        return text[:1].upper() + text[1:]
    return " ".join(tokens)


def is_question(column: str) -> bool:
    """A column named by a whole question or sentence holds the lead's own answer, not a team's record."""
    return len(words(column)) > 4
