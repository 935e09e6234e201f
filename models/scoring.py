"""Scoring: the learned probability, the agreed rules and grade, and the seller's explanation."""

from __future__ import annotations

import gc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from features.profile import Profile
from models.agreement import Agreement
from models.explanation import Reason, Suggestion, reasons, suggestions, suggestions_many
from models.grading import Decision, FiredRule, grade_frame, grade_lead
from models.registry import LeadModel


@dataclass(frozen=True)
class Score:
    """Everything a seller and the score log need about one scored lead."""

    lead_id: str
    probability: float
    decision: Decision
    reasons: list[Reason] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    # TreeSHAP per encoded feature, the bias last (None when not explained): kept for the score log
    contributions: np.ndarray | None = field(default=None, compare=False, repr=False)

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
        # missing fields are listed in the profile's order, as sellers see the fields, not the model's
        place = {f.name: i for i, f in enumerate(profile.features)}
        self._listed = sorted(range(len(self.expected)), key=lambda i: place.get(self.expected[i], len(place)))

    def score_one(self, lead: Mapping[str, Any], explain: bool = True, suggest: bool = True) -> Score:
        """One lead: TreeSHAP once gives both the margin and the reasons (`suggest=False`: no suggestions yet,
        see `with_suggestions`)."""
        row = self.estimator.encoder_.encode_lead(lead)
        contributions = self.estimator.contributions(row)[0] if explain else None
        margin = float(contributions.sum()) if contributions is not None else float(self.estimator.margin(row)[0])
        probability = float(self.estimator.probability(margin))
        decision = grade_lead(self.agreement, probability, lead)
        helps = suggestions(self.estimator, row, probability) if suggest and self._suggests(contributions) else []
        missing = [self.expected[i] for i in self._listed if np.isnan(row[0][i])]
        return self._assemble(lead, row[0], probability, decision, contributions, helps, missing)

    def with_suggestions(self, score: Score, lead: Mapping[str, Any]) -> Score:
        """The score of `score_one(lead, suggest=False)` completed with what would raise its probability."""
        if not self._suggests(score.contributions):
            return score
        row = self.estimator.encoder_.encode_lead(lead)
        return replace(score, suggestions=suggestions(self.estimator, row, score.probability))

    def score_many(self, leads: Sequence[Mapping[str, Any]], explain: bool = True,
                   suggest: bool = True) -> list[Score]:
        """Many leads: one encoding pass, one prediction call, the agreed rules evaluated column by column
        (`suggest=False`: no suggestions, which batch scoring does not show)."""
        leads = list(leads)
        if not leads:
            return []
        matrix = self.estimator.encoder_.encode_leads(leads)
        contributions = self.estimator.contributions(matrix) if explain else None
        margins = contributions.sum(axis=1) if contributions is not None else self.estimator.margin(matrix)
        probabilities = self.estimator.probability(margins).tolist()
        decisions = self._decisions(leads, probabilities)
        helps = (suggestions_many(self.estimator, matrix, probabilities) if suggest and self._suggests(contributions)
                 else [[] for _ in leads])
        rows = contributions if contributions is not None else [None] * len(leads)
        memo: dict[Any, Any] = {}  # the reasons' shown values and evidence, shared across the batch
        parts = zip(leads, matrix, probabilities, decisions, rows, helps, self._missing(matrix), strict=True)
        return [self._assemble(lead, row, p, decision, contribution, found, missing, memo)
                for lead, row, p, decision, contribution, found, missing in parts]

    def grade_table(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Probability and grade for a whole table of leads (no explanations): for batch files and what-ifs."""
        probabilities = self.estimator.predict_proba(frame)
        graded = grade_frame(self.agreement, probabilities, frame)
        graded.insert(0, "probability", probabilities)
        return graded

    def _assemble(self, lead: Mapping[str, Any], row: np.ndarray, probability: float, decision: Decision,
                  contributions: np.ndarray | None, helps: list[Suggestion], missing: list[str],
                  memo: dict[Any, Any] | None = None) -> Score:
        found = (reasons(self.estimator, contributions, row, lead, memo) if contributions is not None and self.signal
                 else [])
        return Score(str(lead.get("lead_id", "")), probability, decision, found, helps, missing, contributions)

    def _suggests(self, contributions: np.ndarray | None) -> bool:
        """Suggestions go with explained scores of a model that has signal."""
        return contributions is not None and self.signal

    def _missing(self, matrix: np.ndarray) -> list[list[str]]:
        """The expected fields each row lacks (what the model read as missing); few patterns occur."""
        mask = np.isnan(matrix)
        named: dict[bytes, list[str]] = {}
        out = []
        for i, key in enumerate(map(bytes, np.packbits(mask, axis=1))):
            if key not in named:
                named[key] = [self.expected[j] for j in self._listed if mask[i, j]]
            out.append(list(named[key]))
        return out

    def _decisions(self, leads: list[Mapping[str, Any]],
                   probabilities: list[float]) -> list[Decision]:
        """grade_lead of every lead; rules are tested column by column, and equal decisions are shared."""
        frame = pd.DataFrame({name: [lead.get(name) for lead in leads] for name in self.agreement.fields},
                             index=pd.RangeIndex(len(leads)))
        table = grade_frame(self.agreement, np.asarray(probabilities), frame)
        checks = {check.id: check for check in self.agreement.checks}
        columns = [table[name].tolist() for name in ("model_grade", "grade", "label", "disqualified", "deciding_rule")]
        made: dict[tuple[Any, ...], Decision] = {}
        out = []
        for lead, rules, *row in zip(leads, table["rules"].tolist(), *columns, strict=True):
            # a require rule names the fields this lead lacks, so those are part of what makes it distinct
            fired = tuple((rule, checks[rule].hit(lead) if checks[rule].require else ()) for rule in rules)
            key = (*row, fired)
            if key not in made:
                model_grade, grade, label, disqualified, deciding_rule = row
                rules_fired = tuple(FiredRule(rule, checks[rule].summary, checks[rule].text, missing or ())
                                    for rule, missing in fired)
                made[key] = Decision(model_grade, grade, label, disqualified, rules_fired, deciding_rule)
            out.append(made[key])
        return out


def freeze_loaded_objects() -> None:
    """Take everything allocated so far (the libraries, the model, the agreement) out of the garbage
    collector's scans; call once a process has loaded what it scores with.

    A scoring process holds about 340,000 objects from its libraries and model, and every full collection
    walks all of them; a batch of 10,000 leads allocates enough to set off several. Scoring those 10,000
    without reasons ran at 14,000-19,000 leads/s before the freeze and 43,000-45,000 after, in one process.
    Objects stay freed by reference counting as before; only cycles among them are no longer looked for.
    """
    gc.collect()
    gc.freeze()
