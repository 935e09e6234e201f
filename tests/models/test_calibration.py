"""Calibrators: monotone maps from margin to probability that survive a JSON round trip."""

from __future__ import annotations

import numpy as np
import pytest

from models.calibration import calibrator_from_dict, fit_calibrator


@pytest.fixture()
def sample() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(4)
    margin = rng.normal(-1.0, 1.5, 4000)
    won = (rng.random(4000) < 1 / (1 + np.exp(-(0.8 * margin + 0.3)))).astype(float)
    return margin, won


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_fitted_calibrators_are_monotone_and_round_trip(method: str, sample: tuple[np.ndarray, np.ndarray]) -> None:
    margin, won = sample
    calibrator = fit_calibrator(method, margin, won)  # type: ignore[arg-type]
    grid = np.linspace(-6, 4, 200)
    assert np.all(np.diff(calibrator(grid)) >= 0)
    again = calibrator_from_dict(calibrator.to_dict())
    np.testing.assert_allclose(again(grid), calibrator(grid))


def test_platt_recovers_a_known_slope(sample: tuple[np.ndarray, np.ndarray]) -> None:
    calibrator = fit_calibrator("sigmoid", *sample)
    assert calibrator.to_dict()["slope"] == pytest.approx(0.8, abs=0.1)


def test_a_model_that_ranks_backwards_gets_the_base_rate(sample: tuple[np.ndarray, np.ndarray]) -> None:
    margin, won = sample
    calibrator = fit_calibrator("sigmoid", -margin, won)
    assert calibrator.to_dict()["slope"] == 0.0
    np.testing.assert_allclose(calibrator(np.array([-5.0, 0.0, 5.0])), won.mean(), rtol=1e-9)


def test_none_fits_nothing_and_reads_margins_as_log_odds(sample: tuple[np.ndarray, np.ndarray]) -> None:
    margin, won = sample
    calibrator = fit_calibrator("none", margin, won)
    grid = np.linspace(-6, 4, 200)
    np.testing.assert_allclose(calibrator(grid), 1 / (1 + np.exp(-grid)), rtol=1e-12)
    np.testing.assert_allclose(calibrator_from_dict(calibrator.to_dict())(grid), calibrator(grid))


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="'beta' is unknown"):
        calibrator_from_dict({"method": "beta"})
