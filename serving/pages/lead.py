"""A lead's page content: the full explanation, what would raise it, the score history, why the grade changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from features.encoder import FieldProblem
from features.profile import FeatureKind, Profile
from features.values import is_missing
from models.agreement import Agreement
from models.explanation import Suggestion, suggestions
from models.scoring import Scorer
from serving.pages.text import Driver, FollowUpState, Grade, RuleLine, drivers, follow_up_state, grade, rule_lines
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


@dataclass(frozen=True)
class LeadContext:
    """What a lead page is read against: the agreement in force, the serving scorer (if any), the profile."""

    agreement: Agreement
    scorer: Scorer | None
    profile: Profile


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

    suggestions: list[Suggestion]
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

    @property
    def closed(self) -> bool:
        """Won or lost: no outcome can be recorded any more."""
        return self.status in ("won", "lost")


def lead_view(store: LeadStore, context: LeadContext, lead_id: str, now: dt.datetime) -> LeadView:
    """The page of a lead; UnknownLead when it was never scored."""
    agreement, profile = context.agreement, context.profile
    found = lead_history(store, lead_id, HISTORY)
    query = LeadQuery(status=None, lead_id=lead_id, limit=1)
    entry = list_leads(store, query, FollowUp(agreement.letters, dict(agreement.follow_up_hours)), now).entries[0]
    latest = found.latest
    company = latest.fields.get("company")
    rules = rule_lines(agreement, latest.rules, latest.deciding_rule)
    return LeadView(
        lead_id=found.lead_id, company=str(company) if company else None, status=entry.status, source=latest.source,
        first_scored_at=found.first_scored_at, latest=history_line(agreement, latest),
        follow_up=follow_up_state(entry, now), explanation=explanation(latest, rules), rules=rules,
        agreement_note=agreement_note(agreement, latest), drivers=drivers(latest.reasons),
        missing=missing(profile, latest), contact=contact(profile, latest), help=help_for(context.scorer, latest),
        change=change(found, field_labels(profile)), history=[history_line(agreement, s) for s in found.scores],
        outcomes=found.outcomes, activities=found.activities, feedback=found.feedback,
        fields=field_values(profile, latest))


def history_line(agreement: Agreement, score: StoredScore) -> HistoryLine:
    """A logged score as a line of the history."""
    return HistoryLine(score.scored_at, score.probability, round(score.probability * 100),
                       grade(agreement, score.grade, score.label, score.disqualified), score.model_grade,
                       score.model_version, score.agreement_version)


def explanation(score: StoredScore, rules: list[RuleLine]) -> list[str]:
    """The explanation sentences: the grade, the agreed rules (deciding first), then the reasons."""
    return [f"Grade {score.grade} ({score.label}).", *(rule.text for rule in rules),
            *(str(reason.get("sentence", "")) for reason in score.reasons)]


def agreement_note(agreement: Agreement, score: StoredScore) -> str | None:
    """Say so when the rule texts come from another agreement than the one that graded the lead."""
    if score.agreement_version == agreement.version:
        return None
    return (f"Scored under agreement {score.agreement_version}; the rule texts are those of the agreement in "
            f"force, {agreement.version}.")


def missing(profile: Profile, score: StoredScore) -> list[str]:
    """The model's fields the CRM did not have for this lead, by the names sellers read.

    A field whose absence is itself a reason that raises the grade says so, so that the page never both
    thanks the lead for a gap and asks to fill it without a word on why.
    """
    raising = {r.get("field") for r in score.reasons if r.get("direction") == "raises" and is_missing(r.get("value"))}
    return [f"{feature.label} (the model reads its absence as raising the chance, so filling it in may change "
             "the grade)"
            if feature.name in raising else feature.label
            for feature in profile.features if is_missing(score.fields.get(feature.name))]


def contact(profile: Profile, score: StoredScore) -> list[tuple[str, bool]]:
    """Each personal attribute and whether the lead carried it (the store never keeps the value)."""
    return [(attribute.label, score.personal.get(attribute.name, False))
            for attribute in profile.attributes if attribute.personal]


def help_for(scorer: Scorer | None, score: StoredScore) -> Help:
    """Suggestions from the serving model, only when it is the model that made this score."""
    if scorer is None:
        return Help([], "No model is loaded right now, so there are no suggestions.")
    if scorer.model.label != score.model_version:
        return Help([], f"Scored by model {score.model_version}; the model in service is {scorer.model.label}. "
                        "Score the lead again to see what would raise it.")
    if not scorer.signal:
        return Help([], "The model finds no predictive signal, so it has nothing to suggest.")
    try:
        row = scorer.estimator.encoder_.encode_lead(score.fields)
    except FieldProblem as problem:
        return Help([], f"No suggestions: {problem.field}: {problem.problem}")
    probability = float(scorer.estimator.probability(float(scorer.estimator.margin(row)[0])))
    found = suggestions(scorer.estimator, row, probability)
    return Help(found, None if found else "No single change to the lead's activity would raise it by a point.")


def change(history: LeadHistory, labels: Mapping[str, str]) -> list[str]:
    """Why the grade changed between the two latest scores; nothing after only one score."""
    if len(history.scores) < 2:
        return []
    return explain_change(grade_change(history.scores[1], history.scores[0]), labels)


def field_labels(profile: Profile) -> dict[str, str]:
    """The names sellers read, by field."""
    return {**{a.name: a.label for a in profile.attributes}, **{f.name: f.label for f in profile.features}}


def field_values(profile: Profile, score: StoredScore) -> list[tuple[str, str | bool | int | float]]:
    """The non-personal values the CRM sent, by the names sellers read (missing ones left out)."""
    labels = field_labels(profile)
    coded = {f.name: f for f in profile.features if f.kind is FeatureKind.categorical}
    return [(labels.get(name, name), coded[name].value_label(value) if name in coded else value)
            for name, value in score.fields.items() if not is_missing(value)]
