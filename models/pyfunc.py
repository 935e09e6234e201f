"""The MLflow pyfunc face of a lead model, so `mlflow models serve` and batch tools can use it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from mlflow.pyfunc.model import PythonModel, PythonModelContext

from models.propensity import PropensityEstimator

ARTIFACT = "estimator"


class LeadModelPyfunc(PythonModel):
    """Loads the saved estimator from the logged artifacts; predicts calibrated P(won) and a 0-100 score."""

    def load_context(self, context: PythonModelContext) -> None:
        self.estimator = PropensityEstimator.load(Path(context.artifacts[ARTIFACT]))

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        probability = self.estimator.predict_proba(model_input)
        return pd.DataFrame({"probability": probability, "score": (probability * 100).round().astype(int)})
