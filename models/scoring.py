"""Scoring: the learned probability, the agreed rules and grade, and the seller's explanation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from features.profile import Profile
from features.values import is_missing
from models.agreement import Agreement
from models.explanation import Reason, Suggestion, reasons, suggestions
from models.grading import Decision, grade_frame, grade_lead
from models.registry import LeadModel

NO_SIGNAL_NOTE = ("The model finds no predictive signal in this history; the grade comes from the agreed rules "
                  "and the base rate.")


@dataclass(frozen=True)
class Score:
    """Everything a seller and the score log need about one scored lead."""

    lead_id: str
    probability: float
    decision: Decision
    reasons: list[Reason] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)

    @property
    def score(self) -> int:
        return int(round(self.probability * 100))


class Scorer:
    """A champion model and an agreement, ready to score one lead or many."""

    def __init__(self, model: LeadModel, agreement: Agreement, profile: Profile) -> None:
        self.model = model
        self.agreement = agreement
        self.profile = profile
        self.estimator = model.estimator
        self.signal = bool(model.card.get("signal", True))
        self.expected = [f.name for f in self.estimator.features]

    def score_one(self, lead: Mapping[str, Any], explain: bool = True) -> Score:
        """One lead: TreeSHAP once gives both the margin and the reasons."""
        row = self.estimator.encoder_.encode_lead(lead)
        if explain:
            contributions = self.estimator.contributions(row)[0]
            margin = float(contributions.sum())
        else:
            margin = float(self.estimator.margin(row)[0])
        probability = float(self.estimator.probability(margin))
        decision = grade_lead(self.agreement, probability, lead)
        found = reasons(self.estimator, contributions, lead) if explain and self.signal else []
        helps = suggestions(self.estimator, row, probability) if explain and self.signal else []
        return self._assemble(lead, probability, decision, found, helps)

    def score_many(self, leads: Sequence[Mapping[str, Any]], explain: bool = True) -> list[Score]:
        """Many leads with one encoding pass and one prediction call."""
        frame = pd.DataFrame.from_records(list(leads), columns=self.profile.lead_fields)
        matrix = self.estimator.encoder_.transform(frame)
        if explain:
            contributions = self.estimator.contributions(matrix)
            margins = contributions.sum(axis=1)
        else:
            margins = self.estimator.margin(matrix)
        probabilities = self.estimator.probability(margins)
        return [self._one_of_many(lead, matrix[i:i + 1], float(probabilities[i]),
                                  contributions[i] if explain else None) for i, lead in enumerate(leads)]

    def _one_of_many(self, lead: Mapping[str, Any], row: np.ndarray, probability: float,
                     contributions: np.ndarray | None) -> Score:
        decision = grade_lead(self.agreement, probability, lead)
        explain = contributions is not None and self.signal
        found = reasons(self.estimator, contributions, lead) if explain else []
        helps = suggestions(self.estimator, row, probability) if explain else []
        return self._assemble(lead, probability, decision, found, helps)

    def grade_table(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Probability and grade for a whole table of leads (no explanations): for batch files and what-ifs."""
        probabilities = self.estimator.predict_proba(frame)
        graded = grade_frame(self.agreement, probabilities, frame)
        graded.insert(0, "probability", probabilities)
        return graded

    def _assemble(self, lead: Mapping[str, Any], probability: float, decision: Decision,
                  found: list[Reason], helps: list[Suggestion]) -> Score:
        missing = [name for name in self.expected if is_missing(lead.get(name))]
        return Score(str(lead.get("lead_id", "")), probability, decision,
                     found, helps, missing, self._explanation(decision, found))

    def _explanation(self, decision: Decision, found: list[Reason]) -> list[str]:
        lines = [f"Grade {decision.grade} ({decision.label})."]
        lines += [rule.text for rule in decision.fired]
        if not self.signal:
            lines.append(NO_SIGNAL_NOTE)
        lines += [reason.sentence for reason in found]
        return lines
