"""A lead's page content: the full explanation, what would raise it, the score history, why the grade changed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from babel.numbers import format_decimal

from features.encoder import FieldProblem
from features.profile import FeatureKind, Profile
from features.values import is_missing
from models.agreement import Agreement
from models.explanation import suggestions
from models.scoring import Scorer
from serving.language.wording import Wording
from serving.pages.i18n import N_
from serving.pages.text import (
    STATUSES,
    Driver,
    FollowUpState,
    Grade,
    RuleLine,
    drivers,
    follow_up_state,
    grade,
    rule_lines,
)
from serving.store.changes import explain_change, grade_change
from serving.store.database import LeadStore
from serving.store.queue import list_leads
from serving.store.records import (
    FollowUp,
    LeadHistory,
    LeadQuery,
    StoredActivity,
    StoredFeedback,
    StoredOutcome,
    StoredScore,
)
from serving.store.scores import lead_history

HISTORY = 20
EFFECTS = {"cap": N_("cap {grade}"), "floor": N_("floor {grade}"), "require": N_("require"),
           "disqualify": N_("disqualify")}


@dataclass(frozen=True)
class LeadContext:
    """What a lead page is read against: the agreement in force, the serving scorer (if any), the profile."""

    agreement: Agreement
    scorer: Scorer | None
    profile: Profile
    language: str = "en"


@dataclass(frozen=True)
class HistoryLine:
    """One logged score of the lead."""

    scored_at: dt.datetime
    probability: float
    score: int
    grade: Grade
    model_grade: str
    model_version: str
    agreement_version: str


@dataclass(frozen=True)
class Help:
    """What would raise the chance of winning, or why there is nothing to show."""

    suggestions: list[dict[str, Any]]
    note: str | None


@dataclass(frozen=True)
class LeadView:
    """Everything the lead page shows."""

    lead_id: str
    company: str | None
    status: str
    source: str | None
    first_scored_at: dt.datetime
    latest: HistoryLine
    follow_up: FollowUpState
    explanation: list[str]
    rules: list[RuleLine]
    agreement_note: str | None
    drivers: list[Driver]
    missing: list[str]
    contact: list[tuple[str, bool]]
    help: Help
    change: list[str]
    history: list[HistoryLine]
    outcomes: list[StoredOutcome]
    activities: list[StoredActivity]
    feedback: list[StoredFeedback]
    fields: list[tuple[str, str | bool | int | float]]
    wording: Wording

    @property
    def closed(self) -> bool:
        """Won or lost: no outcome can be recorded any more."""
        return self.status in ("won", "lost")

    @property
    def source_label(self) -> str:
        """The lead's source as sellers read it."""
        return self.value_label("lead_source", self.source) if self.source else ""

    def value_label(self, field: str, value: Any) -> str:
        """A field's value in the page's language."""
        return self.wording.value(self.wording.feature(field), value)

    def number(self, value: float) -> str:
        """A strength with two decimals, as the page's locale writes it ('0.90', '0,90')."""
        return format_decimal(value, format="#,##0.00", locale=self.wording.language.locale)

    def effect(self, effect: str) -> str:
        """A rule's effect ('cap C') in the page's language."""
        word, _, letter = effect.partition(" ")
        return self.wording.language.gettext(EFFECTS.get(word, N_("rule"))).format(grade=letter)

    def status_word(self, status: str) -> str:
        return self.wording.language.gettext(STATUSES.get(status, status))


def lead_view(store: LeadStore, context: LeadContext, lead_id: str, now: dt.datetime) -> LeadView:
    """The page of a lead; UnknownLead when it was never scored."""
    agreement, profile = context.agreement, context.profile
    found = lead_history(store, lead_id, HISTORY)
    query = LeadQuery(status=None, lead_id=lead_id, limit=1)
    entry = list_leads(store, query, FollowUp(agreement.letters, dict(agreement.follow_up_hours)), now).entries[0]
    latest = found.latest
    company = latest.fields.get("company")
    wording = Wording(context.language, profile, agreement)
    rules = rule_lines(agreement, latest.rules, latest.deciding_rule, wording.code)
    return LeadView(
        lead_id=found.lead_id, company=str(company) if company else None, status=entry.status, source=latest.source,
        first_scored_at=found.first_scored_at, latest=history_line(wording, latest),
        follow_up=follow_up_state(entry, now, wording.language), explanation=explanation(latest, rules, wording),
        rules=rules, agreement_note=agreement_note(wording, latest), drivers=drivers(latest.reasons, wording),
        missing=missing(wording, latest), contact=contact(wording, latest),
        help=help_for(context.scorer, latest, wording),
        change=change(found, wording), history=[history_line(wording, s) for s in found.scores],
        outcomes=found.outcomes, activities=found.activities, feedback=found.feedback,
        fields=field_values(wording, latest), wording=wording)


def history_line(wording: Wording, score: StoredScore) -> HistoryLine:
    """A logged score as a line of the history, its grade in the agreed word of the wording's language."""
    label = wording.label(score.grade, score.disqualified) if score.grade in wording.agreement.letters else score.label
    return HistoryLine(score.scored_at, score.probability, round(score.probability * 100),
                       grade(wording.agreement, score.grade, label, score.disqualified), score.model_grade,
                       score.model_version, score.agreement_version)


def explanation(score: StoredScore, rules: list[RuleLine], wording: Wording) -> list[str]:
    """The explanation sentences: the grade, the agreed rules (deciding first), then the reasons."""
    return [wording.grade_line(score.grade, score.disqualified), *(rule.text for rule in rules),
            *(wording.reason(reason)["sentence"] for reason in score.reasons)]


def agreement_note(wording: Wording, score: StoredScore) -> str | None:
    """Say so when the rule texts come from another agreement than the one that graded the lead."""
    agreement = wording.agreement
    if score.agreement_version == agreement.version:
        return None
    return wording.language.gettext("Scored under agreement {scored}; the rule texts are those of the agreement in "
                                    "force, {in_force}.").format(scored=score.agreement_version,
                                                                 in_force=agreement.version)


def missing(wording: Wording, score: StoredScore) -> list[str]:
    """The model's fields the CRM did not have for this lead, by the names sellers read.

    A field whose absence is itself a reason that raises the grade says so, so that the page never both
    thanks the lead for a gap and asks to fill it without a word on why.
    """
    _ = wording.language.gettext
    raising = {r.get("field") for r in score.reasons if r.get("direction") == "raises" and is_missing(r.get("value"))}
    explained = _("{field} (the model reads its absence as raising the chance, so filling it in may change the "
                  "grade)")
    return [explained.format(field=feature.label_in(wording.code)) if feature.name in raising
            else feature.label_in(wording.code)
            for feature in wording.profile.features if is_missing(score.fields.get(feature.name))]


def contact(wording: Wording, score: StoredScore) -> list[tuple[str, bool]]:
    """Each personal attribute and whether the lead carried it (the store never keeps the value)."""
    return [(attribute.label_in(wording.code), score.personal.get(attribute.name, False))
            for attribute in wording.profile.attributes if attribute.personal]


def help_for(scorer: Scorer | None, score: StoredScore, wording: Wording) -> Help:
    """Suggestions from the serving model, only when it is the model that made this score."""
    _ = wording.language.gettext
    if scorer is None:
        return Help([], _("No model is loaded right now, so there are no suggestions."))
    if scorer.model.label != score.model_version:
        return Help([], _("Scored by model {scored}; the model in service is {serving}. Score the lead again to see "
                          "what would raise it.").format(scored=score.model_version, serving=scorer.model.label))
    if not scorer.signal:
        return Help([], _("The model finds no predictive signal, so it has nothing to suggest."))
    try:
        row = scorer.estimator.encoder_.encode_lead(score.fields)
    except FieldProblem as problem:
        return Help([], _("No suggestions: {problem}").format(problem=f"{problem.field}: {problem.problem}"))
    probability = float(scorer.estimator.probability(float(scorer.estimator.margin(row)[0])))
    found = [wording.suggestion(s) for s in suggestions(scorer.estimator, row, probability)]
    return Help(found, None if found else _("No single change to the lead's activity would raise it by a point."))


def change(history: LeadHistory, wording: Wording) -> list[str]:
    """Why the grade changed between the two latest scores; nothing after only one score."""
    if len(history.scores) < 2:
        return []
    return explain_change(grade_change(history.scores[1], history.scores[0]), field_labels(wording.profile,
                                                                                           wording.code),
                          wording.language)


def field_labels(profile: Profile, code: str = "en") -> dict[str, str]:
    """The names sellers read, by field."""
    return {**{a.name: a.label_in(code) for a in profile.attributes},
            **{f.name: f.label_in(code) for f in profile.features}}


def field_values(wording: Wording, score: StoredScore) -> list[tuple[str, str | bool | int | float]]:
    """The non-personal values the CRM sent, by the names sellers read (missing ones left out)."""
    labels = field_labels(wording.profile, wording.code)
    coded = {f.name: f for f in wording.profile.features if f.kind is FeatureKind.categorical}
    return [(labels.get(name, name), coded[name].value_label(value, wording.code) if name in coded else value)
            for name, value in score.fields.items() if not is_missing(value)]
