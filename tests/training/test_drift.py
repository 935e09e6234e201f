"""Population stability index and the holdout drift report."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from training.drift import EPSILON, drift_report, population_stability_index, psi_level


def _term(actual: float, expected: float) -> float:
    """One bin's PSI contribution, written out for hand-computed expectations."""
    return (actual - expected) * math.log(actual / expected)


@pytest.mark.parametrize(
    "series",
    [
        pd.Series(np.random.default_rng(0).normal(size=500)),
        pd.Series([1.0, 2.0, np.nan, 4.0] * 20),
        pd.Series(["web", "event", "referral", None] * 25),
        pd.Series([True, False, False] * 30),
    ],
)
def test_psi_is_zero_for_identical_samples(series: pd.Series) -> None:
    assert population_stability_index(series, series.copy()) == pytest.approx(0.0, abs=1e-12)


def test_psi_of_disjoint_numeric_samples_is_large() -> None:
    expected = pd.Series(np.arange(100, dtype=float))
    actual = pd.Series(np.arange(1_000, 1_100, dtype=float))
    # Ten expected bins of 10 %; every actual value falls in the open-ended last bin.
    hand = 9 * _term(EPSILON, 0.1) + _term(1.0, 0.1)
    assert population_stability_index(expected, actual) == pytest.approx(hand)
    assert hand > 5


def test_psi_categorical_hand_computed() -> None:
    expected = pd.Series(["a", "a", "b", "b"])
    actual = pd.Series(["a", "a", "a", "b"])
    assert population_stability_index(expected, actual) == pytest.approx(_term(0.75, 0.5) + _term(0.25, 0.5))


def test_psi_counts_missing_numeric_values_as_their_own_bin() -> None:
    expected = pd.Series([1.0, 2.0, 3.0, 4.0])
    actual = pd.Series([1.0, 2.0, 3.0, 4.0, np.nan, np.nan, np.nan, np.nan])
    hand = 4 * _term(0.125, 0.25) + _term(0.5, EPSILON)
    assert population_stability_index(expected, actual, bins=4) == pytest.approx(hand)


def test_psi_puts_unseen_categories_in_their_own_bin() -> None:
    expected = pd.Series(["a", "b"])
    actual = pd.Series(["a", "b", "c", "d"])
    hand = 2 * _term(0.25, 0.5) + _term(0.5, EPSILON)
    assert population_stability_index(expected, actual) == pytest.approx(hand)


def test_psi_compares_booleans_per_value() -> None:
    expected = pd.Series([True, False] * 50)
    actual = pd.Series([True] * 100)
    assert population_stability_index(expected, actual) == pytest.approx(_term(1.0, 0.5) + _term(EPSILON, 0.5))


def test_psi_bins_numeric_values_by_expected_quantiles() -> None:
    # Heavy-tailed data: equal-width bins would put almost everything in one bin and hide this shift.
    expected = pd.Series(np.exp(np.random.default_rng(1).normal(size=2_000)))
    assert population_stability_index(expected, expected * 1.5) > 0.1


def test_psi_compares_dates_as_time() -> None:
    expected = pd.Series(pd.date_range("2024-01-01", periods=100, freq="D"))
    assert population_stability_index(expected, expected) == pytest.approx(0.0, abs=1e-12)
    assert population_stability_index(expected, expected + pd.Timedelta(days=365)) > 0.25


def test_psi_refuses_empty_samples() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        population_stability_index(pd.Series([], dtype=float), pd.Series([1.0]))


@pytest.mark.parametrize(
    ("psi", "level"), [(0.0, "stable"), (0.099, "stable"), (0.1, "moderate"), (0.25, "moderate"), (0.26, "major")]
)
def test_psi_level(psi: float, level: str) -> None:
    assert psi_level(psi) == level


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(2)
    train = pd.DataFrame(
        {
            "source": rng.choice(["web", "event", "referral"], size=400),
            "employees": rng.lognormal(3, 1, size=400),
            "has_phone": rng.random(400) < 0.5,
            "region": rng.choice([1, 2, 3], size=400),
            "created": pd.date_range("2023-01-01", periods=400, freq="D"),
        }
    )
    holdout = pd.DataFrame(
        {
            "source": ["web"] * 40 + ["podcast"] * 30 + ["webinar"] * 20 + [None] * 10,
            # Every fourth training value: the same distribution without sampling noise.
            "employees": np.sort(train["employees"].to_numpy())[::4],
            "has_phone": rng.random(100) < 0.5,
            "region": [1, 2, 3, 4, 4] * 20,
            "created": pd.date_range("2024-02-05", periods=100, freq="D"),
        }
    )
    return train, holdout


FEATURES = {
    "source": "categorical",
    "employees": "numeric",
    "has_phone": "boolean",
    "region": "categorical",
    "created": "date",
}


def test_drift_report_shape_order_and_rates() -> None:
    train, holdout = _frames()
    report = drift_report(train, holdout, FEATURES, np.array([0, 1, 0, 0] * 100), np.array([1, 0] * 50))
    psis = [row["psi"] for row in report["features"]]
    assert sorted(row["feature"] for row in report["features"]) == sorted(FEATURES)
    assert psis == sorted(psis, reverse=True)
    assert all(row["level"] == psi_level(row["psi"]) for row in report["features"])
    by_name = {row["feature"]: row for row in report["features"]}
    assert by_name["source"]["level"] == "major"
    assert by_name["employees"]["level"] == "stable"
    assert report["positive_rate_train"] == 0.25
    assert report["positive_rate_holdout"] == 0.5
    assert report["positive_rate_shift"] == pytest.approx(0.25)


def test_drift_report_lists_new_categories_most_frequent_first() -> None:
    train, holdout = _frames()
    report = drift_report(train, holdout, FEATURES, np.zeros(400), np.zeros(100))
    assert report["new_categories"] == {"source": ["podcast", "webinar"], "region": [4]}


def test_drift_report_caps_new_categories_at_ten() -> None:
    train = pd.DataFrame({"city": ["Oslo"] * 5})
    holdout = pd.DataFrame({"city": [f"city {i:02d}" for i in range(15)]})
    report = drift_report(train, holdout, {"city": "categorical"}, np.zeros(5), np.zeros(15))
    assert report["new_categories"]["city"] == [f"city {i:02d}" for i in range(10)]


def test_drift_report_is_json_ready() -> None:
    train, holdout = _frames()
    report = drift_report(train, holdout, FEATURES, np.array([0, 1] * 200), np.array([0, 1] * 50))
    assert json.loads(json.dumps(report, allow_nan=False)) == report
    assert all(type(row["psi"]) is float for row in report["features"])
    assert type(report["new_categories"]["region"][0]) is int


@pytest.mark.parametrize(
    ("features", "y_train", "problem"),
    [
        ({"source": "text"}, np.zeros(400), "unknown feature kinds"),
        ({"missing": "numeric"}, np.zeros(400), "lacks feature columns"),
        ({"source": "categorical"}, np.zeros(3), "y_train"),
    ],
)
def test_drift_report_refuses_bad_input(features: dict, y_train: np.ndarray, problem: str) -> None:
    train, holdout = _frames()
    with pytest.raises(ValueError, match=problem):
        drift_report(train, holdout, features, y_train, np.zeros(100))


def test_drift_report_parses_date_strings_as_time() -> None:
    # As categories, every fourth date would look like a major shift; as time it is the same spread.
    dates = pd.date_range("2023-01-01", periods=400, freq="D").strftime("%Y-%m-%d")
    train, holdout = pd.DataFrame({"created": dates}), pd.DataFrame({"created": dates[::4]})
    report = drift_report(train, holdout, {"created": "date"}, np.zeros(400), np.zeros(100))
    assert report["features"][0]["level"] == "stable"
    assert report["new_categories"] == {}
