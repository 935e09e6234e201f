"""The MLflow pyfunc face of a lead model, so `mlflow models serve` and Spark can score and grade with it.

It scores through the one scoring path (models.scoring.Scorer) and returns structured data, never
sentences: those are worded at the edge. The agreement logged with the model grades unless the
`agreement` param gives another's text, because the agreement in force lives in the lead store and
changes without retraining.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pandas as pd
from mlflow.pyfunc.model import PythonModel, PythonModelContext

from features.profile import Profile, load_profile
from features.texts import LANGUAGES
from models.agreement import Agreement, parse_agreement
from models.batch_columns import columns_of
from models.explanation import MAX_REASONS
from models.model_files import AGREEMENT, ESTIMATOR, PROFILE
from models.propensity import PropensityEstimator
from models.pyfunc_signature import NO_AGREEMENT
from models.registry import LeadModel, read_card
from models.scoring import Scorer, freeze_loaded_objects

KEPT_SCORERS = 4  # agreements whose compiled scorer is kept: a batch job passes one text for every batch
ARTIFACT = ESTIMATOR  # the estimator's artifact name under its earlier name
LOGGED_VERSION = "logged"  # a pyfunc knows its files, not the registry version that points at them


class LeadModelPyfunc(PythonModel):
    """Loads the logged estimator, card, profile and agreement; predicts probability, grade and reasons."""

    def load_context(self, context: PythonModelContext) -> None:
        artifacts = context.artifacts
        folder = Path(artifacts[ESTIMATOR])
        estimator = PropensityEstimator.load(folder)
        card = read_card(folder)
        self.model = LeadModel(str(card.get("registered_model", "")), LOGGED_VERSION, estimator, card)
        # Logged before the model carried its profile and agreement: probabilities only.
        self.profile: Profile | None = load_profile(artifacts[PROFILE]) if PROFILE in artifacts else None
        self.logged = Path(artifacts[AGREEMENT]).read_bytes().decode("utf-8") if AGREEMENT in artifacts else None
        self._scorers: dict[str, Scorer] = {}
        freeze_loaded_objects()

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        if self.profile is None:
            probability = self.model.estimator.predict_proba(model_input)
            return pd.DataFrame({"probability": probability, "score": (probability * 100).round().astype(int)})
        options = BatchParams.read(params or {})
        scorer = self.scorer(options.agreement)
        # The columns are field names, so every record is keyed by str.
        leads = cast("list[dict[str, Any]]", model_input.to_dict("records"))
        scores = scorer.score_many(leads, explain=options.reasons > 0, suggest=False)
        return columns_of(scores, scorer.agreement, options.language, options.reasons, options.contributions)

    def scorer(self, agreement: str) -> Scorer:
        """The scorer grading with an agreement text (the logged one for NO_AGREEMENT), compiled once."""
        text = agreement or self.logged or ""
        found = self._scorers.get(text)
        if found is None:
            if len(self._scorers) >= KEPT_SCORERS:
                self._scorers.pop(next(iter(self._scorers)))
            found = self._scorers[text] = Scorer(self.model, self.agreement(text), self._profile())
        return found

    def agreement(self, text: str) -> Agreement:
        """An agreement text validated against the logged profile (AgreementError names what is wrong)."""
        source = "logged with the model" if text == self.logged else "given in the agreement param"
        return parse_agreement(text, self._profile(), source=source)

    def _profile(self) -> Profile:
        if self.profile is None:
            raise ValueError(f"model {self.model.name}: logged without its profile, so it cannot grade; retrain it")
        return self.profile


@dataclass(frozen=True)
class BatchParams:
    """The params a caller may pass, read and checked: each bad one named with its value."""

    agreement: str
    language: str
    reasons: int
    contributions: bool

    @classmethod
    def read(cls, params: Mapping[str, Any]) -> BatchParams:
        language = str(params.get("language", "en"))
        if language not in LANGUAGES:
            raise ValueError(f"param language: {language!r} is not served (languages: {', '.join(LANGUAGES)})")
        reasons = int(params.get("reasons", MAX_REASONS))
        if not 0 <= reasons <= MAX_REASONS:
            raise ValueError(f"param reasons: {reasons}; give 0 (no reasons, fastest) to {MAX_REASONS} a direction")
        return cls(str(params.get("agreement") or NO_AGREEMENT), language, reasons,
                   bool(params.get("contributions", False)))
