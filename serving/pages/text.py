"""How the seller pages word things: grades and their colour, reasons in a few words, times and durations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from features.values import is_missing
from models.agreement import Agreement, Rule
from reports.charts import percent as share
from serving.store.records import QueueEntry

TONES = ("hot", "warm", "cold")  # CSS classes by grade rank; the bottom grade is "later", a disqualified lead "out"
NOT_IN_CRM = "not in the CRM"
GONE_RULE = "This rule is not in the agreement in force any more."


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


def follow_up_state(entry: QueueEntry, now: dt.datetime) -> FollowUpState:
    """'Not contacted yet · due in 2 h', 'Last contact 3 d ago', no promise, or the lead's outcome."""
    if entry.status == "recycled":
        return FollowUpState(False, f"Recycled to marketing: call back on {when(entry.call_back_on)}")
    if entry.status != "open":
        return FollowUpState(False, entry.status.capitalize())
    contacted = None if entry.last_contact_at is None else f"Last contact {span(now - entry.last_contact_at)} ago"
    if entry.due_at is None:
        return FollowUpState(False, contacted or "No follow-up promise for this grade")
    first = contacted or "Not contacted yet"
    if entry.overdue:
        return FollowUpState(True, f"{first} · overdue by {span(now - entry.due_at)}")
    return FollowUpState(False, f"{first} · due in {span(entry.due_at - now)}")


def grade(agreement: Agreement, letter: str, label: str, disqualified: bool = False) -> Grade:
    """The grade with the colour of its rank in the agreement."""
    if disqualified:
        return Grade(letter, label, "out")
    if letter not in agreement.letters or letter == agreement.bottom:
        return Grade(letter, label, "later")
    return Grade(letter, label, TONES[min(agreement.letters.index(letter), len(TONES) - 1)])


def drivers(reasons: list[dict[str, Any]]) -> list[Driver]:
    """Stored reasons as drivers, strongest first."""
    ordered = sorted(reasons, key=lambda reason: -float(reason.get("strength", 0.0)))
    return [Driver(f"{r.get('display', r.get('field', ''))}: {shown(r.get('value'))}", r.get("direction") == "raises",
                   float(r.get("strength", 0.0)), str(r.get("sentence", ""))) for r in ordered]


def rule_lines(agreement: Agreement, ids: list[str], deciding: str | None) -> list[RuleLine]:
    """Fired rule ids with their agreed text from the agreement in force, the deciding rule first."""
    known: Mapping[str, Rule] = {rule.id: rule for rule in agreement.rules}
    ordered = sorted(ids, key=lambda rule_id: rule_id != deciding)
    return [RuleLine(rule_id, known[rule_id].effect if rule_id in known else "",
                     known[rule_id].text.strip() if rule_id in known else GONE_RULE, rule_id == deciding)
            for rule_id in ordered]


def rule_text(agreement: Agreement, rule_id: str | None) -> str | None:
    """The agreed text of a rule; None without a rule."""
    if rule_id is None:
        return None
    return next((rule.text.strip() for rule in agreement.rules if rule.id == rule_id), GONE_RULE)


def shown(value: Any) -> str:
    """A field value as a seller reads it: yes/no, whole numbers without decimals, words without underscores."""
    if is_missing(value):
        return NOT_IN_CRM
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:.2f}"
    return str(value).replace("_", " ")


def span(delta: dt.timedelta) -> str:
    """A duration in days and hours, hours and minutes, or minutes."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def when(moment: dt.datetime | dt.date | None) -> str:
    """A time in UTC as '23 Nov 2026, 14:05 UTC'; a date as '23 Nov 2026'."""
    if moment is None:
        return ""
    if isinstance(moment, dt.datetime):
        return moment.astimezone(dt.UTC).strftime("%d %b %Y, %H:%M UTC")
    return moment.strftime("%d %b %Y")


def percent(probability: float) -> str:
    """A probability as a whole percentage, as the reports write it: '31 %'."""
    return share(probability, 0)
