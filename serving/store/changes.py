"""Why a lead's grade changed between two scores: model, agreement, rules, and the fields that moved."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from serving.language.catalog import Language, language
from serving.store.records import StoredScore

MIN_MOVE = 0.05  # log-odds; a smaller move in one field's contribution is noise to a seller
MAX_FIELDS = 3


@dataclass(frozen=True)
class FieldMove:
    """One field's contribution (log-odds) in the earlier and the later score, and its values."""

    field: str
    before: float
    after: float
    value_before: Any
    value_after: Any

    @property
    def change(self) -> float:
        return round(self.after - self.before, 4)


@dataclass(frozen=True)
class GradeChange:
    """What differs between an earlier and a later score of one lead."""

    before: StoredScore
    after: StoredScore
    rules_started: tuple[str, ...]
    rules_stopped: tuple[str, ...]
    fields: tuple[FieldMove, ...]

    @property
    def grade_changed(self) -> bool:
        return self.before.grade != self.after.grade

    @property
    def new_model(self) -> bool:
        return self.before.model_version != self.after.model_version

    @property
    def new_agreement(self) -> bool:
        return self.before.agreement_version != self.after.agreement_version

    @property
    def inputs_changed(self) -> bool:
        return self.before.input_hash != self.after.input_hash


def grade_change(before: StoredScore, after: StoredScore, top: int = MAX_FIELDS) -> GradeChange:
    """Compare two scores of a lead, the earlier first."""
    earlier, later = set(before.rules), set(after.rules)
    return GradeChange(before, after,
                       rules_started=tuple(rule for rule in after.rules if rule not in earlier),
                       rules_stopped=tuple(rule for rule in before.rules if rule not in later),
                       fields=field_moves(before, after, top))


def field_moves(before: StoredScore, after: StoredScore, top: int = MAX_FIELDS) -> tuple[FieldMove, ...]:
    """The fields whose contribution moved most; none when either score was not explained."""
    if before.contributions is None or after.contributions is None:
        return ()
    names = dict.fromkeys([*before.contributions, *after.contributions])
    moves = [FieldMove(name, before.contributions.get(name, 0.0), after.contributions.get(name, 0.0),
                       before.fields.get(name), after.fields.get(name)) for name in names]
    moves = [move for move in moves if abs(move.change) >= MIN_MOVE]
    return tuple(sorted(moves, key=lambda move: -abs(move.change))[:top])


def explain_change(change: GradeChange, labels: Mapping[str, str] | None = None,
                   lang: Language | None = None) -> list[str]:
    """The change in sentences, the grade first; `labels` gives the names sellers read, `lang` the language."""
    labels, lang = labels or {}, lang or language("en")
    _ = lang.gettext
    before, after = change.before, change.after
    lines = [_("Grade {before} → {after}.").format(before=before.grade, after=after.grade) if change.grade_changed
             else _("Grade {grade} both times.").format(grade=after.grade)]
    if change.new_model:
        lines.append(_("New model: {after} replaced {before}.").format(after=after.model_version,
                                                                       before=before.model_version))
    if change.new_agreement:
        lines.append(_("New agreement: {after} replaced {before}.").format(after=after.agreement_version,
                                                                           before=before.agreement_version))
    lines += [_("Rule {rule} started to apply.").format(rule=repr(rule)) for rule in change.rules_started]
    lines += [_("Rule {rule} no longer applies.").format(rule=repr(rule)) for rule in change.rules_stopped]
    lines += [_field_sentence(move, labels.get(move.field, move.field), lang) for move in change.fields]
    if not change.inputs_changed and not change.new_model and not change.new_agreement:
        lines.append(_("Same inputs, model and agreement as before."))
    return lines


def _field_sentence(move: FieldMove, label: str, lang: Language) -> str:
    _ = lang.gettext
    values = (f"{_shown(move.value_before, lang)} → {_shown(move.value_after, lang)}"
              if move.value_before != move.value_after else _("still {value}").format(value=_shown(move.value_after,
                                                                                                   lang)))
    return _("{field} ({values}): its pull on the score went from {before} to {after} (log-odds).").format(
        field=label, values=values, before=f"{move.before:+.2f}", after=f"{move.after:+.2f}")


def _shown(value: Any, lang: Language) -> str:
    if value is None:
        return lang.gettext("not in the CRM")
    if isinstance(value, bool):
        return lang.gettext("yes") if value else lang.gettext("no")
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}"
    return str(value)
