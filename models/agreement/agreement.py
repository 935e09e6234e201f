"""The agreement in force: a validated, compiled agreement file, bound to the exact bytes it came from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from features.profile import Profile
from features.texts import in_language
from models.agreement.fields import field_kinds
from models.agreement.predicates import RuleCheck, compile_rule
from models.agreement.schema import AgreementFile, Rule, SignOff, required, rule_leaves
from models.agreement.validation import grade_letters

DIGEST_IN_VERSION = 12  # hex characters of the sha256 in `version`; signatures bind the full `sha256`


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Agreement:
    """A validated, compiled agreement; immutable once loaded."""

    declared_version: str
    version: str  # declared version + the first DIGEST_IN_VERSION hex characters of sha256
    sha256: str  # of the exact UTF-8 bytes of the text
    signed_off: SignOff | None  # what the file claims; the lead store records who really signed
    grades: Mapping[str, float]
    labels: Mapping[str, str]
    follow_up_hours: Mapping[str, float]
    rules: tuple[Rule, ...]
    fields: tuple[str, ...]
    letters: tuple[str, ...]
    bounds: tuple[float, ...]
    checks: tuple[RuleCheck, ...]
    source: str = "<string>"
    translated_labels: Mapping[str, Any] = field(default_factory=dict)  # each grade's label, per language

    def __repr__(self) -> str:
        return f"Agreement(version={self.version!r}, source={self.source!r}, rules={len(self.rules)})"

    @property
    def bottom(self) -> str:
        """The lowest grade: below every bound, and the grade of a disqualified lead."""
        return self.letters[-1]

    def model_rank(self, probability: float) -> int:
        """The model grade as an index into `letters` (0 is the best)."""
        if not 0.0 <= probability <= 1.0:  # NaN fails this too
            raise ValueError(f"probability {probability!r} is not between 0 and 1")
        for rank, bound in enumerate(self.bounds):
            if probability >= bound:
                return rank
        return len(self.bounds)

    def model_grade(self, probability: float) -> str:
        """The grade the agreed thresholds give this calibrated P(won), before any rule."""
        return self.letters[self.model_rank(probability)]

    def rank(self, grade: str) -> int:
        """A grade letter's index into `letters`."""
        try:
            return self.letters.index(grade)
        except ValueError:
            raise ValueError(f"unknown grade {grade!r}; grades are {', '.join(self.letters)}") from None

    def label(self, grade: str) -> str:
        """The agreed word for a grade (e.g. 'hot')."""
        self.rank(grade)
        return self.labels[grade]

    def label_in(self, grade: str, code: str) -> str:
        """The agreed word for a grade in a language ('varm'), else the English."""
        text = self.translated_labels.get(grade)
        return in_language(text, code).strip() if text is not None else self.labels.get(grade, grade)

    def rule_text(self, rule_id: str, code: str) -> str | None:
        """A rule's text in a language, else the English; None for a rule this agreement does not have."""
        for rule in self.rules:
            if rule.id == rule_id:
                return in_language(rule.text, code).strip()
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view of the whole agreement."""
        return {
            "version": self.version,
            "declared_version": self.declared_version,
            "sha256": self.sha256,
            "signed_off": None if self.signed_off is None else self.signed_off.model_dump(mode="json"),
            "grades": dict(self.grades),
            "letters": list(self.letters),
            "labels": dict(self.labels),
            "follow_up_hours": dict(self.follow_up_hours),
            "rules": [_rule_dict(rule) for rule in self.rules],
            "fields": list(self.fields),
        }


def _rule_dict(rule: Rule) -> dict[str, Any]:
    view = rule.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {**view, "effect": rule.effect}


def _mentioned_fields(rules: Sequence[Rule]) -> tuple[str, ...]:
    """Every field any rule reads, in order of first mention."""
    names: dict[str, None] = {}
    for rule in rules:
        names.update((leaf.field, None) for leaf in rule_leaves(rule))
        names.update((name, None) for name in required(rule))
    return tuple(names)


def assemble(spec: AgreementFile, sha256: str, profile: Profile, source: str) -> Agreement:
    """Compile a file that passed validation against this profile."""
    letters, kinds, hours = grade_letters(spec.grades), field_kinds(profile), spec.follow_up_hours
    return Agreement(
        declared_version=spec.version,
        version=f"{spec.version}+{sha256[:DIGEST_IN_VERSION]}",
        sha256=sha256,
        signed_off=spec.signed_off,
        grades=MappingProxyType({g: float(spec.grades[g]) for g in letters[:-1]}),
        labels=MappingProxyType({g: in_language(spec.labels[g], "en").strip() for g in letters}),
        translated_labels=MappingProxyType({g: spec.labels[g] for g in letters}),
        follow_up_hours=MappingProxyType({g: hours[g] for g in letters if g in hours}),
        rules=spec.rules,
        fields=_mentioned_fields(spec.rules),
        letters=letters,
        bounds=tuple(float(spec.grades[g]) for g in letters[:-1]),
        checks=tuple(compile_rule(rule, kinds, letters) for rule in spec.rules),
        source=source,
    )
