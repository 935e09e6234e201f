"""Evaluation figures for the training report: calibration, cumulative gains, importance.

Each function returns a matplotlib Figure drawn on an Agg canvas; the caller saves it
(and closes it if it handed it to pyplot).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from reports.charts import figure, percent_axis
from training.evaluation import calibration_curve, cumulative_gains, expected_calibration_error

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _reliability_line(axes: Axes, y: np.ndarray, p: np.ndarray, bins: int, label: str) -> None:
    """Plot observed win rate against mean prediction per equal-frequency bin, ECE in the label."""
    mean_p, mean_y, _counts = calibration_curve(y, p, bins)
    axes.plot(mean_p, mean_y, marker="o", label=f"{label} (ECE {expected_calibration_error(y, p, bins):.3f})")


def calibration_plot(
    y: np.ndarray, p: np.ndarray, bins: int = 10, baseline: tuple[np.ndarray, str] | None = None
) -> Figure:
    """Reliability diagram of p (and optionally a labelled baseline on the same y) with the diagonal."""
    drawn = figure()
    axes = drawn.add_subplot()
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    _reliability_line(axes, y, p, bins, "model")
    if baseline is not None:
        baseline_p, label = baseline
        _reliability_line(axes, y, baseline_p, bins, label)
    axes.set(xlim=(0, 1), ylim=(0, 1), xlabel="mean predicted probability", ylabel="observed win rate")
    percent_axis(axes, "x")
    percent_axis(axes, "y")
    axes.set_title("Calibration (equal-frequency bins)")
    axes.legend(loc="upper left")
    return drawn


def gains_plot(y: np.ndarray, p: np.ndarray) -> Figure:
    """Cumulative gains: share of won deals captured against share of leads contacted, highest p first."""
    contacted, captured = cumulative_gains(y, p)
    drawn = figure()
    axes = drawn.add_subplot()
    axes.plot(contacted, captured, label="model")
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="random order")
    axes.set(xlim=(0, 1), ylim=(0, 1), xlabel="share of leads contacted", ylabel="share of won deals captured")
    percent_axis(axes, "x")
    percent_axis(axes, "y")
    axes.set_title("Cumulative gains")
    axes.legend(loc="lower right")
    return drawn


def importance_plot(names: Sequence[str], values: Sequence[float], top: int = 20) -> Figure:
    """Horizontal bars of the `top` largest values, largest at the top."""
    if len(names) != len(values):
        raise ValueError(f"names and values differ in length ({len(names)} vs {len(values)})")
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    scores = np.asarray(values, dtype=float)
    # barh draws the first bar at the bottom, so the largest value goes last.
    order = np.argsort(-scores, kind="stable")[:top][::-1]
    drawn = figure(height=max(2.5, 0.3 * len(order) + 1.0))
    axes = drawn.add_subplot()
    axes.barh(np.arange(len(order)), scores[order])
    axes.set_yticks(np.arange(len(order)), labels=[str(names[i]) for i in order])
    axes.set_xlabel("importance")
    axes.set_title(f"Top {len(order)} features")
    return drawn
