"""How the seller pages word things: grades and their colour, reasons in a few words, times and durations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from features.values import is_missing
from models.agreement import Agreement, Rule
from reports.charts import percent as share
from serving.language.catalog import Language
from serving.language.wording import Wording
from serving.pages.i18n import N_, current
from serving.store.records import QueueEntry

TONES = ("hot", "warm", "cold")  # CSS classes by grade rank; the bottom grade is "later", a disqualified lead "out"
NOT_IN_CRM = N_("not in the CRM")
GONE_RULE = N_("This rule is not in the agreement in force any more.")
# The sign-off notes the queue's foot shows (serving.agreement_source.SEEDED_NOTE), for the catalogs.
SIGN_OFF_NOTES = (N_("seeded from file, not signed through the service"),)


@dataclass(frozen=True)
class Grade:
    """A grade as shown: its letter, the agreed word and its colour."""

    letter: str
    label: str
    tone: str


@dataclass(frozen=True)
class Driver:
    """One stored reason, in a few words: 'Demo requested: yes', which way it pulls and how hard."""

    text: str
    raises: bool
    strength: float
    sentence: str

    @property
    def width(self) -> int:
        """The strength as a bar width in percent (a pull of 2 log-odds or more fills it)."""
        return min(100, round(self.strength * 50))


@dataclass(frozen=True)
class RuleLine:
    """An agreed rule that applied to a lead, with its agreed text."""

    id: str
    effect: str
    text: str
    deciding: bool


@dataclass(frozen=True)
class FollowUpState:
    """Where the lead stands against the agreed follow-up promise, in words."""

    overdue: bool
    text: str


STATUSES = {"won": N_("Won"), "lost": N_("Lost"), "open": N_("Open"), "recycled": N_("Recycled")}


def follow_up_state(entry: QueueEntry, now: dt.datetime, lang: Language | None = None) -> FollowUpState:
    """'Not contacted yet · due in 2 h', 'Last contact 3 d ago', no promise, or the lead's outcome."""
    lang = lang or current()
    _ = lang.gettext
    if entry.status == "recycled":
        return FollowUpState(False, _("Recycled to marketing: call back on {day}").format(
            day=when(entry.call_back_on, lang)))
    if entry.status != "open":
        return FollowUpState(False, _(STATUSES.get(entry.status, entry.status.capitalize())))
    contacted = (None if entry.last_contact_at is None else
                 _("Last contact {span} ago").format(span=span(now - entry.last_contact_at, lang)))
    if entry.due_at is None:
        return FollowUpState(False, contacted or _("No follow-up promise for this grade"))
    first = contacted or _("Not contacted yet")
    if entry.overdue:
        return FollowUpState(True, _("{state} · overdue by {span}").format(state=first,
                                                                         span=span(now - entry.due_at, lang)))
    return FollowUpState(False, _("{state} · due in {span}").format(state=first, span=span(entry.due_at - now, lang)))


def grade(agreement: Agreement, letter: str, label: str, disqualified: bool = False) -> Grade:
    """The grade with the colour of its rank in the agreement."""
    if disqualified:
        return Grade(letter, label, "out")
    if letter not in agreement.letters or letter == agreement.bottom:
        return Grade(letter, label, "later")
    return Grade(letter, label, TONES[min(agreement.letters.index(letter), len(TONES) - 1)])


def drivers(reasons: list[dict[str, Any]], wording: Wording) -> list[Driver]:
    """Stored reasons as drivers, strongest first, in the wording's language."""
    ordered = sorted(reasons, key=lambda reason: -float(reason.get("strength", 0.0)))
    worded = [wording.reason(r) for r in ordered]
    return [Driver(f"{w['display']}: {wording.value(wording.feature(w['field']), w['value'])}",
                   w["direction"] == "raises", float(w["strength"]), w["sentence"]) for w in worded]


def rule_lines(agreement: Agreement, ids: list[str], deciding: str | None, code: str = "en") -> list[RuleLine]:
    """Fired rule ids with their agreed text from the agreement in force, the deciding rule first."""
    known: Mapping[str, Rule] = {rule.id: rule for rule in agreement.rules}
    ordered = sorted(ids, key=lambda rule_id: rule_id != deciding)
    return [RuleLine(rule_id, known[rule_id].effect if rule_id in known else "",
                     agreement.rule_text(rule_id, code) or current().gettext(GONE_RULE), rule_id == deciding)
            for rule_id in ordered]


def rule_text(agreement: Agreement, rule_id: str | None, lang: Language | None = None) -> str | None:
    """The agreed text of a rule in a language; None without a rule."""
    if rule_id is None:
        return None
    lang = lang or current()
    return agreement.rule_text(rule_id, lang.code) or lang.gettext(GONE_RULE)


def shown(value: Any, lang: Language | None = None) -> str:
    """A field value as a seller reads it: yes/no, whole numbers without decimals, words without underscores."""
    lang = lang or current()
    if is_missing(value):
        return lang.gettext(NOT_IN_CRM)
    if isinstance(value, bool):
        return lang.gettext("yes") if value else lang.gettext("no")
    if isinstance(value, float):
        if lang.code != "en":
            return lang.number(value)
        return f"{value:.0f}" if value.is_integer() else f"{value:.2f}"
    return str(value).replace("_", " ")


def span(delta: dt.timedelta, lang: Language | None = None) -> str:
    """A duration in days and hours, hours and minutes, or minutes."""
    _ = (lang or current()).gettext
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        text = _("{days} d {hours} h") if hours else _("{days} d")
    elif hours:
        text = _("{hours} h {minutes} min") if minutes else _("{hours} h")
    else:
        text = _("{minutes} min")
    return text.format(days=days, hours=hours, minutes=minutes)


def when(moment: dt.datetime | dt.date | None, lang: Language | None = None) -> str:
    """A time in UTC as '23 Nov 2026, 14:05 UTC'; a date as '23 Nov 2026' (in the locale's words elsewhere)."""
    lang = lang or current()
    if moment is None:
        return ""
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(dt.UTC)
        if lang.code == "en":
            return moment.strftime("%d %b %Y, %H:%M UTC")
        return f"{lang.date(moment.date())}, {moment:%H:%M} UTC"
    return moment.strftime("%d %b %Y") if lang.code == "en" else lang.date(moment)


def percent(probability: float, lang: Language | None = None) -> str:
    """A probability as a whole percentage, as the reports write it: '31 %' (in the locale's way elsewhere)."""
    lang = lang or current()
    return share(probability, 0) if lang.code == "en" else lang.percent(probability)
