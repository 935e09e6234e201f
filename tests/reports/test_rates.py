"""Wilson intervals against known values."""

from __future__ import annotations

import pytest

from reports.rates import Rate


def test_the_interval_matches_the_textbook_values() -> None:
    low, high = Rate(3, 40).interval or (0, 0)
    assert (low, high) == (pytest.approx(0.0258, abs=1e-4), pytest.approx(0.1986, abs=1e-4))
    assert Rate(3, 40).value == 0.075


def test_edges_stay_inside_zero_and_one() -> None:
    assert Rate(0, 10).interval == (0.0, pytest.approx(0.2775, abs=1e-4))
    assert Rate(10, 10).interval == (pytest.approx(0.7225, abs=1e-4), pytest.approx(1.0))
    assert Rate(0, 0).to_dict() == {"hits": 0, "trials": 0, "rate": None, "low": None, "high": None}


@pytest.mark.parametrize("trials", [1, 3, 7, 40, 333, 1001])
def test_the_interval_always_holds_the_rate_even_at_none_and_all(trials: int) -> None:
    for hits in (0, trials):
        rate = Rate(hits, trials)
        low, high = rate.interval or (None, None)
        assert low is not None and high is not None and rate.value is not None
        assert low <= rate.value <= high, (hits, trials, low, high)
