"""What a seller reads, in their language: reasons, evidence, suggestions and the explanation's heading.

The decision core returns these as data (models.explanation, models.grading); this module is the one
place that turns them into sentences, from the message catalogs, with the profile's and the agreement's
texts in the same language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import is_dataclass
from typing import Any

from features.profile import Feature, FeatureKind, Profile
from models.agreement import Agreement
from models.grading import Decision
from serving.language.catalog import Language, language


def _fields(item: Any) -> dict[str, Any]:
    """A dataclass or a stored mapping (the score log keeps reasons as JSON) as one dict."""
    return dict(vars(item)) if is_dataclass(item) and not isinstance(item, type) else dict(item)


class Wording:
    """The sentences of one profile and agreement in one language."""

    def __init__(self, code: str, profile: Profile, agreement: Agreement) -> None:
        self.language: Language = language(code)
        self.code = self.language.code
        self.profile = profile
        self.agreement = agreement
        self._features = {f.name: f for f in profile.features}
        self._labels = {f.name: f.label_in(self.code) for f in profile.features}
        self._codes: dict[tuple[str, str], str] = {}  # (field, code) -> the code's label, as first looked up
        self._worded: dict[tuple[str, str, str, str], tuple[str, dict[str, Any] | None]] = {}

    def value(self, feature: Feature | None, value: Any) -> str:
        """A field's value as a seller says it: yes/no, a number in this locale, a value's label."""
        _ = self.language.gettext
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return _("none recorded")
        if isinstance(value, bool) or (feature is not None and feature.kind is FeatureKind.boolean):
            return _("yes") if value else _("no")
        if isinstance(value, (int, float)):
            return self.language.number(float(value))
        if feature is None:
            return str(value)
        key = (feature.name, str(value))
        found = self._codes.get(key)
        if found is None:
            found = self._codes[key] = feature.value_label(value, self.code)
        return found

    def feature(self, name: str) -> Feature | None:
        return self._features.get(name)

    def field(self, name: str) -> str:
        return self._labels.get(name, name)

    def reason(self, reason: Any) -> dict[str, Any]:
        """A reason with its display name, sentence and evidence (described) in this language."""
        data = _fields(reason)
        value, evidence = data.get("value"), data.get("evidence")
        # a batch words many reasons alike but for their strength: each sentence is worded once per Wording
        key = (data["field"], repr(value), data["direction"], repr(evidence))
        worded = self._worded.get(key)
        if worded is None:
            worded = self._worded[key] = self._sentence(data["field"], value, data["direction"] == "raises", evidence)
        sentence, described = worded
        return {"field": data["field"], "display": self.field(data["field"]), "value": value,
                "direction": data["direction"], "strength": data["strength"], "sentence": sentence,
                "evidence": None if described is None else dict(described)}

    def _sentence(self, name: str, value: Any, raises: bool,
                  evidence: Mapping[str, Any] | None) -> tuple[str, dict[str, Any] | None]:
        feature, label = self._features.get(name), self.field(name)
        sentence = self._pull(label, value, raises, feature)
        if evidence is None:
            return sentence, None
        described = {"description": self._evidence(feature, label, evidence), "win_rate": evidence["win_rate"],
                     "leads": evidence["leads"], "base_rate": evidence["base_rate"]}
        return f"{sentence} {described['description']}", described

    def _pull(self, label: str, value: Any, raises: bool, feature: Feature | None) -> str:
        _ = self.language.gettext
        if value is None:
            text = (_("{field}: none recorded, which raises the chance of winning.") if raises else
                    _("{field}: none recorded, which lowers the chance of winning."))
            return text.format(field=label)
        text = (_("{field}: {value} raises the chance of winning.") if raises else
                _("{field}: {value} lowers the chance of winning."))
        return text.format(field=label, value=self.value(feature, value))

    def _evidence(self, feature: Feature | None, label: str, evidence: Mapping[str, Any]) -> str:
        n_ = self.language.ngettext
        group, leads = evidence.get("group") or {}, int(evidence["leads"])
        figures = {"leads": self.language.count(leads), "rate": self.language.percent(evidence["win_rate"]),
                   "base": self.language.percent(evidence["base_rate"]), "field": label.lower()}
        kind = group.get("kind")
        if kind == "missing":
            text = n_("Of {leads} past lead with no {field} recorded, {rate} were won, against {base} overall.",
                      "Of {leads} past leads with no {field} recorded, {rate} were won, against {base} overall.",
                      leads)
            return text.format(**figures)
        if kind == "range":
            text = n_("Of {leads} past lead with {field} between {low} and {high}, {rate} were won, against {base} "
                      "overall.",
                      "Of {leads} past leads with {field} between {low} and {high}, {rate} were won, against {base} "
                      "overall.", leads)
            return text.format(low=self.language.number(group["low"]), high=self.language.number(group["high"]),
                               **figures)
        text = n_("Of {leads} past lead with {field} {value}, {rate} were won, against {base} overall.",
                  "Of {leads} past leads with {field} {value}, {rate} were won, against {base} overall.", leads)
        return text.format(value=self.value(feature, group.get("value")), **figures)

    def suggestion(self, suggestion: Any) -> dict[str, Any]:
        """A suggestion with its display name and sentence in this language."""
        _ = self.language.gettext
        data = _fields(suggestion)
        feature = self._features.get(data["field"])
        label = self.field(data["field"])
        sentence = _("If {field} were {value}, the chance of winning would be about {rate}.").format(
            field=label.lower(), value=self.value(feature, data["value"]),
            rate=self.language.percent(data["probability"]))
        return {"field": data["field"], "display": label, "value": data["value"],
                "probability": data["probability"], "sentence": sentence}

    def label(self, grade: str, disqualified: bool) -> str:
        """The agreed word for a grade in this language, or 'disqualified'."""
        return self.language.gettext("disqualified") if disqualified else self.agreement.label_in(grade, self.code)

    def rule(self, rule_id: str, english: str) -> str:
        """A rule's agreed text in this language (the given English for a rule the agreement no longer has)."""
        return self.agreement.rule_text(rule_id, self.code) or english

    def grade_line(self, grade: str, disqualified: bool) -> str:
        """'Grade C (cold).' in this language."""
        return self.language.gettext("Grade {grade} ({label}).").format(grade=grade,
                                                                        label=self.label(grade, disqualified))

    def heading(self, decision: Decision, signal: bool) -> list[str]:
        """The explanation's lines before the reasons: the grade, the rules (deciding first), no-signal."""
        _ = self.language.gettext
        lines = [self.grade_line(decision.grade, decision.disqualified),
                 *(self.rule(rule.id, rule.text) for rule in decision.fired)]
        if not signal:
            lines.append(_("The model finds no predictive signal in this history; the grade comes from the agreed "
                           "rules and the base rate."))
        return lines
