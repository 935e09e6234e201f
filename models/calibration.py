"""Calibrators: map the booster's raw margin to an absolute P(won)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

# none: the model's own log-odds, for models fitted on log loss whose margin is already a probability.
# shift: the model's log-odds moved by one constant so that the newest slice's mean forecast is its win rate,
# for histories whose base rate drifts while the ranking holds.
CalibrationMethod = Literal["sigmoid", "isotonic", "none", "shift"]
CALIBRATION_METHODS: tuple[CalibrationMethod, ...] = ("none", "shift", "sigmoid", "isotonic")


class Calibrator(Protocol):
    """Maps margins to probabilities; serialisable to JSON."""

    def __call__(self, margin: np.ndarray) -> np.ndarray: ...

    def to_dict(self) -> dict[str, Any]: ...


class SigmoidCalibrator:
    """Platt scaling: P = 1 / (1 + exp(-(a * margin + b)))."""

    def __init__(self, slope: float = 1.0, intercept: float = 0.0) -> None:
        self.slope = slope
        self.intercept = intercept

    def fit(self, margin: np.ndarray, won: np.ndarray) -> SigmoidCalibrator:
        # A large C keeps Platt scaling (nearly) unregularised, as in the original method.
        model = LogisticRegression(C=1e6).fit(margin.reshape(-1, 1), won)
        self.slope, self.intercept = float(model.coef_[0, 0]), float(model.intercept_[0])
        if self.slope <= 0:
            # A model that ranks the calibration leads backwards has no signal there: every lead gets the
            # base rate (a flat map) instead of an inverted ranking. The card then reports no signal.
            rate = float(np.clip(np.mean(won), 1e-4, 1 - 1e-4))
            self.slope, self.intercept = 0.0, float(np.log(rate / (1 - rate)))
        return self

    def __call__(self, margin: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.slope * margin + self.intercept)))

    def to_dict(self) -> dict[str, Any]:
        return {"method": "sigmoid", "slope": self.slope, "intercept": self.intercept}


class IsotonicCalibrator:
    """Isotonic regression on the margin, stored as its step points."""

    def __init__(self, x: np.ndarray | None = None, y: np.ndarray | None = None) -> None:
        self.x = np.asarray(x if x is not None else [0.0])
        self.y = np.asarray(y if y is not None else [0.5])

    def fit(self, margin: np.ndarray, won: np.ndarray) -> IsotonicCalibrator:
        model = IsotonicRegression(out_of_bounds="clip", y_min=1e-4, y_max=1 - 1e-4).fit(margin, won)
        self.x, self.y = model.X_thresholds_, model.y_thresholds_
        return self

    def __call__(self, margin: np.ndarray) -> np.ndarray:
        return np.asarray(np.interp(margin, self.x, self.y), dtype="float64")

    def to_dict(self) -> dict[str, Any]:
        return {"method": "isotonic", "x": self.x.tolist(), "y": self.y.tolist()}


def fit_calibrator(method: CalibrationMethod, margin: np.ndarray, won: np.ndarray) -> Calibrator:
    """Fit the named calibrator on out-of-time margins ("none": the identity on log-odds, nothing is fitted)."""
    if method == "none":
        return SigmoidCalibrator(1.0, 0.0)
    if method == "shift":
        return SigmoidCalibrator(1.0, base_rate_shift(margin, won))
    if method == "isotonic":
        return IsotonicCalibrator().fit(margin, won)
    return SigmoidCalibrator().fit(margin, won)


def base_rate_shift(margin: np.ndarray, won: np.ndarray) -> float:
    """The constant b for which sigmoid(margin + b) averages to the win rate.

    The mean forecast rises with b, from below the rate at b = logit(rate) - max(margin) (every lead at or
    under it) to above it at logit(rate) - min(margin), so Brent's method on that bracket always finds b.
    Newton steps diverge when the margins saturate (p(1 - p) near 0 makes a step of millions).
    """
    rate = float(np.clip(np.mean(won), 1e-4, 1 - 1e-4))
    target = float(np.log(rate / (1 - rate)))
    margin = np.asarray(margin, dtype="float64")
    if margin.size == 0 or float(np.ptp(margin)) == 0.0:
        return target - (float(margin[0]) if margin.size else 0.0)

    def excess(shift: float) -> float:
        return float(expit(margin + shift).mean()) - rate

    return float(brentq(excess, target - float(margin.max()), target - float(margin.min()), xtol=1e-10))


def calibrator_from_dict(state: Mapping[str, Any]) -> Calibrator:
    """Rebuild a calibrator from `to_dict` output."""
    if state["method"] == "isotonic":
        return IsotonicCalibrator(np.asarray(state["x"]), np.asarray(state["y"]))
    if state["method"] == "sigmoid":
        return SigmoidCalibrator(float(state["slope"]), float(state["intercept"]))
    raise ValueError(f"calibrator method {state['method']!r} is unknown")
