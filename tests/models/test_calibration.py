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


@pytest.mark.parametrize("centre", [40.0, -40.0, 0.0])
def test_the_shift_meets_the_win_rate_when_the_margins_saturate(centre: float) -> None:
    # A linear model extrapolating past its training range gives margins of tens of log-odds, where every
    # p(1 - p) is about 0: a Newton step there is of millions and would map every lead to 0 or 1.
    rng = np.random.default_rng(5)
    margin = centre + rng.normal(0.0, 8.0, 3000)
    won = (rng.random(3000) < 0.12).astype(float)
    p = fit_calibrator("shift", margin, won)(margin)
    assert p.mean() == pytest.approx(won.mean(), abs=1e-6)
    assert len(np.unique(p)) > 2000, "the ranking survives: no lead is pinned to 0 or 1"


def test_the_shift_of_equal_margins_gives_every_lead_the_win_rate() -> None:
    won = np.array([1.0, 0.0, 0.0, 0.0])
    p = fit_calibrator("shift", np.full(4, 3.0), won)(np.full(4, 3.0))
    np.testing.assert_allclose(p, 0.25)
