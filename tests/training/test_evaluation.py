"""Holdout metrics against hand-computed values and scikit-learn."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

from training.evaluation import (
    Metrics,
    base_rate_log_loss,
    bootstrap_auc_interval,
    calibration_curve,
    cumulative_gains,
    evaluate,
    expected_calibration_error,
    grade_win_rates,
    has_signal,
    top_decile_lift,
)

THRESHOLDS = {"A": 0.5, "B": 0.25, "C": 0.1}


def _synthetic(rows: int, seed: int, ties: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Labels with a 20 % win rate and probabilities that carry some signal."""
    rng = np.random.default_rng(seed)
    y = (rng.random(rows) < 0.2).astype(int)
    p = np.clip(0.2 + 0.15 * y + rng.normal(0.0, 0.15, rows), 0.0, 1.0)
    return y, (np.round(p, 2) if ties else p)


def test_perfect_ranking_gives_auc_one_and_lift_of_inverse_positive_rate() -> None:
    y = np.array([0] * 7 + [1] * 3)
    p = np.linspace(0.05, 0.95, 10)
    metrics = evaluate(y, p)
    assert metrics.roc_auc == 1.0
    assert metrics.pr_auc == 1.0
    assert metrics.top_decile_lift == pytest.approx(1 / 0.3)


def test_lift_is_capped_when_winners_are_fewer_than_a_decile() -> None:
    # 5 winners in 100 leads: the top 10 holds all 5, so lift is 0.5 / 0.05 = 10, not 1 / 0.05 = 20.
    y = np.array([0] * 95 + [1] * 5)
    assert top_decile_lift(y, np.arange(100) / 100) == pytest.approx(10.0)


def test_lift_top_decile_rounds_up_to_whole_leads() -> None:
    # 25 leads: the top decile is 3 leads (2 won), so lift is (2/3) / (2/25); 2 leads would give 12.5.
    y = np.array([0] * 22 + [0, 1, 1])
    assert top_decile_lift(y, np.arange(25) / 25) == pytest.approx(25 / 3)


def test_lift_breaks_ties_by_input_order() -> None:
    # Half the leads tie at the top score; the top decile must be the first 100 of them in input order.
    p = np.random.default_rng(0).choice([0.1, 0.3], size=1_000)
    y = np.zeros(1_000)
    y[np.flatnonzero(p == 0.3)[:100]] = 1
    assert top_decile_lift(y, p) == pytest.approx(10.0)
    assert top_decile_lift(y[::-1], p[::-1]) == 0.0


def test_lift_refuses_without_winners() -> None:
    with pytest.raises(ValueError, match="no won leads"):
        top_decile_lift(np.zeros(10), np.linspace(0, 1, 10))


@pytest.mark.parametrize("strategy", ["quantile", "uniform"])
def test_ece_is_zero_for_a_constant_prediction_at_the_base_rate(strategy: str) -> None:
    y = np.array([0, 0, 0, 1, 0, 0, 0, 1])
    assert expected_calibration_error(y, np.full(8, 0.25), strategy=strategy) == pytest.approx(0.0, abs=1e-12)


def test_ece_hand_computed_for_both_strategies() -> None:
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.9])
    # Uniform halves: {.1, .2, .3} -> |.2 - 1/3| * 3/4 = .1; {.9} -> |.9 - 1| * 1/4 = .025.
    assert expected_calibration_error(y, p, bins=2, strategy="uniform") == pytest.approx(0.125)
    # Quantile halves: {.1, .2} -> |.15 - 0| * 2/4; {.3, .9} -> |.6 - 1| * 2/4.
    assert expected_calibration_error(y, p, bins=2) == pytest.approx(0.275)


def test_calibration_curve_never_splits_tied_predictions() -> None:
    y = np.array([0, 0, 1, 1, 0, 1])
    p = np.array([0.2, 0.2, 0.2, 0.2, 0.7, 0.7])
    mean_p, mean_y, counts = calibration_curve(y, p, bins=3)
    np.testing.assert_allclose(mean_p, [0.2, 0.7])
    np.testing.assert_allclose(mean_y, [0.5, 0.5])
    np.testing.assert_array_equal(counts, [4, 2])


def test_ece_refuses_an_unknown_strategy() -> None:
    with pytest.raises(ValueError, match="strategy"):
        expected_calibration_error(np.array([0, 1]), np.array([0.2, 0.8]), strategy="kmeans")  # type: ignore[arg-type]


def test_brier_and_log_loss_on_four_rows() -> None:
    metrics = evaluate(np.array([1, 0, 1, 0]), np.array([0.8, 0.4, 0.6, 0.2]))
    # Squared errors .04, .16, .16, .04; the log loss is -(ln .8 + ln .6 + ln .6 + ln .8) / 4.
    assert metrics.brier == pytest.approx(0.1)
    assert metrics.log_loss == pytest.approx(0.3669845875)
    assert metrics.roc_auc == 1.0
    assert metrics.top_decile_lift == pytest.approx(2.0)
    assert metrics.positive_rate == 0.5
    assert metrics.rows == 4


def test_log_loss_clips_certain_mistakes() -> None:
    metrics = evaluate(np.array([1, 0]), np.array([0.0, 0.0]))
    assert metrics.log_loss == pytest.approx((-math.log(1e-6) - math.log(1 - 1e-6)) / 2)


@pytest.mark.parametrize(("seed", "ties"), [(0, False), (1, False), (2, True), (3, True)])
def test_metrics_match_scikit_learn(seed: int, ties: bool) -> None:
    y, p = _synthetic(2_000, seed, ties)
    metrics = evaluate(y, p)
    assert metrics.roc_auc == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert metrics.pr_auc == pytest.approx(average_precision_score(y, p), abs=1e-12)
    assert metrics.brier == pytest.approx(brier_score_loss(y, p), abs=1e-12)
    assert metrics.log_loss == pytest.approx(log_loss(y, np.clip(p, 1e-6, 1 - 1e-6)), abs=1e-12)
    assert metrics.positive_rate == pytest.approx(y.mean())


@pytest.mark.parametrize(
    ("y", "p", "problem"),
    [
        ([1, 1, 1], [0.2, 0.5, 0.9], "single class"),
        ([0, 1, 0], [0.2, 0.5], "differ in length"),
        ([0, 1], [0.2, 1.5], "outside \\[0, 1\\]"),
        ([0, 1], [-0.1, 0.5], "outside \\[0, 1\\]"),
        ([0, 1], [0.2, np.nan], "NaN or infinite"),
        ([0, 1], [0.2, np.inf], "NaN or infinite"),
        ([0, 2], [0.2, 0.5], "only 0 and 1"),
        ([], [], "empty"),
    ],
)
def test_evaluate_refuses_bad_input(y: list, p: list, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        evaluate(np.array(y), np.array(p, dtype=float))


def test_metrics_are_frozen_and_json_ready() -> None:
    metrics = evaluate(*_synthetic(500, 4))
    with pytest.raises(dataclasses.FrozenInstanceError):
        metrics.rows = 1  # type: ignore[misc]
    record = metrics.as_dict()
    assert list(record) == [field.name for field in dataclasses.fields(Metrics)]
    assert json.loads(json.dumps(record, allow_nan=False)) == record
    assert all(type(value) is float for key, value in record.items() if key != "rows")
    assert type(record["rows"]) is int


def test_grade_win_rates_hand_computed() -> None:
    p = np.array([0.9, 0.6, 0.5, 0.3, 0.25, 0.2, 0.05, 0.0])
    y = np.array([1, 1, 0, 1, 0, 0, 0, 0])
    rows = grade_win_rates(y, p, {"C": 0.1, "A": 0.5, "B": 0.25})
    assert rows == [
        {"band": "A", "leads": 3, "won": 2, "win_rate": pytest.approx(2 / 3), "mean_predicted": pytest.approx(2 / 3)},
        {"band": "B", "leads": 2, "won": 1, "win_rate": 0.5, "mean_predicted": pytest.approx(0.275)},
        {"band": "C", "leads": 1, "won": 0, "win_rate": 0.0, "mean_predicted": pytest.approx(0.2)},
        {"band": "D", "leads": 2, "won": 0, "win_rate": 0.0, "mean_predicted": pytest.approx(0.025)},
    ]


def test_grade_win_rates_reports_empty_bands_as_none() -> None:
    rows = grade_win_rates(np.array([0, 1]), np.array([0.3, 0.4]), THRESHOLDS)
    assert [row["band"] for row in rows] == ["A", "B", "C", "D"]
    assert rows[0] == {"band": "A", "leads": 0, "won": 0, "win_rate": None, "mean_predicted": None}
    assert rows[1]["leads"] == 2


@pytest.mark.parametrize(
    ("thresholds", "problem"),
    [({"A": 0.5, "D": 0.1}, "reserved"), ({"A": 0.5, "B": 0.5}, "distinct"), ({"A": float("nan")}, "finite")],
)
def test_grade_win_rates_refuses_bad_thresholds(thresholds: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        grade_win_rates(np.array([0, 1]), np.array([0.3, 0.4]), thresholds)


def test_cumulative_gains_of_a_perfect_ranking() -> None:
    contacted, captured = cumulative_gains(np.array([0, 1, 0, 1]), np.array([0.1, 0.9, 0.2, 0.8]))
    np.testing.assert_allclose(contacted, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(captured, [0, 0.5, 1, 1, 1])


def test_bootstrap_interval_contains_the_point_auc() -> None:
    y, p = _synthetic(2_000, 5)
    low, high = bootstrap_auc_interval(y, p, n=300)
    assert low < roc_auc_score(y, p) < high
    assert 0.5 < low < high < 1.0


def test_bootstrap_interval_is_narrower_for_more_rows() -> None:
    low_small, high_small = bootstrap_auc_interval(*_synthetic(200, 6), n=300)
    low_large, high_large = bootstrap_auc_interval(*_synthetic(5_000, 6), n=300)
    assert high_large - low_large < 0.5 * (high_small - low_small)


def test_bootstrap_is_reproducible_and_depends_on_the_seed() -> None:
    y, p = _synthetic(300, 7)
    assert bootstrap_auc_interval(y, p, n=200, seed=1) == bootstrap_auc_interval(y, p, n=200, seed=1)
    assert bootstrap_auc_interval(y, p, n=200, seed=1) != bootstrap_auc_interval(y, p, n=200, seed=2)


def test_bootstrap_resample_auc_matches_scikit_learn_with_repeated_rows() -> None:
    # One resample makes the interval a single AUC; repeats and ties must count as sklearn counts them.
    y, p = _synthetic(400, 8, ties=True)
    rows = np.random.default_rng(3).integers(0, len(y), size=(1, len(y)))[0]
    low, high = bootstrap_auc_interval(y, p, n=1, seed=3)
    assert low == high == pytest.approx(roc_auc_score(y[rows], p[rows]), abs=1e-12)


def test_bootstrap_skips_single_class_resamples() -> None:
    # Every resample with both classes ranks the winner first (AUC 1); the rest must not add NaN.
    assert bootstrap_auc_interval(np.array([1, 0, 0]), np.array([0.9, 0.1, 0.2]), n=200) == (1.0, 1.0)


@pytest.mark.parametrize(("n", "level"), [(0, 0.95), (100, 1.0), (100, 0.0)])
def test_bootstrap_refuses_bad_settings(n: int, level: float) -> None:
    with pytest.raises(ValueError, match="n must|level must"):
        bootstrap_auc_interval(np.array([0, 1]), np.array([0.2, 0.8]), n=n, level=level)


@pytest.mark.parametrize(
    ("interval", "log_loss", "expected"),
    [
        ((0.55, 0.7), 0.60, True),
        ((0.3, 0.45), 0.60, True),
        ((0.45, 0.6), 0.60, False),
        ((0.5, 0.6), 0.60, False),
        ((math.nan, math.nan), 0.60, False),
        ((0.51, 0.57), 0.6770, False),  # ranks a little, forecasts worse than the base rate (Maven's case)
        ((0.51, 0.57), 0.6762, False),  # no better is not better
    ],
)
def test_has_signal(interval: tuple[float, float], log_loss: float, expected: bool) -> None:
    assert has_signal(interval, log_loss, base_log_loss=0.6762) is expected


def test_base_rate_log_loss_is_the_constant_forecast() -> None:
    y = np.array([1, 0, 0, 0])
    assert base_rate_log_loss(y, 0.25) == pytest.approx(-(math.log(0.25) + 3 * math.log(0.75)) / 4)
