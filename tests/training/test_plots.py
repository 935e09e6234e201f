"""Evaluation figures: type, content and that they render to PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from training.evaluation import calibration_curve
from training.plots import calibration_plot, gains_plot, importance_plot

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _data(rows: int = 500) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = (rng.random(rows) < 0.3).astype(int)
    return y, np.clip(0.3 + 0.2 * y + rng.normal(0, 0.15, rows), 0, 1)


def _saves_png(figure: Figure, path: Path) -> bool:
    figure.savefig(path)
    return path.read_bytes().startswith(PNG_MAGIC)


def test_calibration_plot_draws_diagonal_and_model(tmp_path: Path) -> None:
    y, p = _data()
    figure = calibration_plot(y, p, bins=5)
    assert isinstance(figure, Figure)
    lines = figure.axes[0].lines
    assert len(lines) == 2
    np.testing.assert_allclose(lines[0].get_xdata(), [0, 1])
    np.testing.assert_allclose(lines[1].get_xdata(), calibration_curve(y, p, bins=5)[0])
    assert _saves_png(figure, tmp_path / "calibration.png")


def test_calibration_plot_adds_a_labelled_baseline(tmp_path: Path) -> None:
    y, p = _data()
    figure = calibration_plot(y, p, baseline=(np.full(len(y), y.mean()), "base rate"))
    lines = figure.axes[0].lines
    assert len(lines) == 3
    assert lines[2].get_label().startswith("base rate")
    assert _saves_png(figure, tmp_path / "calibration_baseline.png")


def test_calibration_plot_refuses_a_baseline_of_another_length() -> None:
    y, p = _data()
    with pytest.raises(ValueError, match="differ in length"):
        calibration_plot(y, p, baseline=(np.full(3, 0.3), "base rate"))


def test_gains_plot_draws_gains_and_random_line(tmp_path: Path) -> None:
    y = np.array([0, 1, 0, 1])
    figure = gains_plot(y, np.array([0.1, 0.9, 0.2, 0.8]))
    assert isinstance(figure, Figure)
    gains, random = figure.axes[0].lines
    np.testing.assert_allclose(gains.get_xdata(), [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(gains.get_ydata(), [0, 0.5, 1, 1, 1])
    np.testing.assert_allclose(random.get_ydata(), [0, 1])
    assert _saves_png(figure, tmp_path / "gains.png")


def test_importance_plot_keeps_top_bars_largest_on_top(tmp_path: Path) -> None:
    names = [f"feature_{i}" for i in range(30)]
    values = np.random.default_rng(1).random(30)
    figure = importance_plot(names, values, top=12)
    assert isinstance(figure, Figure)
    axes = figure.axes[0]
    bars = sorted(axes.patches, key=lambda bar: bar.get_y(), reverse=True)
    assert len(bars) == 12
    widths = [bar.get_width() for bar in bars]
    np.testing.assert_allclose(widths, np.sort(values)[::-1][:12])
    top_label = axes.get_yticklabels()[-1].get_text()
    assert top_label == names[int(np.argmax(values))]
    assert _saves_png(figure, tmp_path / "importance.png")


def test_importance_plot_with_fewer_features_than_top() -> None:
    figure = importance_plot(["a", "b", "c"], [0.2, 0.5, 0.1])
    assert len(figure.axes[0].patches) == 3


def test_importance_plot_refuses_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        importance_plot(["a", "b"], [0.1])
