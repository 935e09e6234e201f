"""Selection out of time on small generated histories whose right answer is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import models.parts as parts
import models.selection as selection_module
from features.profile import Feature, FeatureKind
from models.calibration import fit_calibrator
from models.families import Candidate, Recipe
from models.propensity import PropensityEstimator
from models.selection import ORIGINS, search_space, select

ROWS = 4000
FEATURES = [Feature(name="a", kind=FeatureKind.numeric), Feature(name="b", kind=FeatureKind.numeric),
            Feature(name="channel", kind=FeatureKind.categorical)]


def history(margin_of: str, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """Leads in time order whose log-odds are additive in the fields, or an interaction of them."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"a": rng.normal(size=ROWS), "b": rng.normal(size=ROWS),
                          "channel": rng.choice(["ads", "referral", "event"], ROWS)})
    if margin_of == "additive":
        margin = 1.2 * frame["a"] - 0.8 * frame["b"] + np.where(frame["channel"] == "referral", 0.9, 0.0) - 0.5
    else:  # won when a and b agree in sign: no single field says anything on its own
        margin = np.where((frame["a"] > 0) == (frame["b"] > 0), 2.0, -2.0)
    won = (rng.random(ROWS) < 1 / (1 + np.exp(-np.asarray(margin)))).astype(float)
    return frame, won


@pytest.fixture(scope="module")
def additive() -> tuple[pd.DataFrame, np.ndarray]:
    return history("additive")


def test_an_additive_history_chooses_the_linear_model(additive: tuple[pd.DataFrame, np.ndarray]) -> None:
    selection = select(*additive, FEATURES, valid_share=0.19)
    assert selection.candidate.family == "linear", selection.reason
    assert {row["family"] for row in selection.table} >= {"prior", "linear", "trees", "hybrid", "catboost", "blend"}
    assert all(len(row["per_origin"]) == len(ORIGINS) for row in selection.table)


def test_relations_that_invert_over_time_are_warned_of_and_stable_ones_not(
        additive: tuple[pd.DataFrame, np.ndarray]) -> None:
    frame, _ = additive
    rng = np.random.default_rng(5)
    # The field's effect turns around after 5/8 of the history, where the first origin's test slice starts:
    # every origin then learns the old direction and meets the new one.
    sign = np.where(np.arange(ROWS) < ROWS * ORIGINS[0], 1.0, -1.0)
    won = (rng.random(ROWS) < 1 / (1 + np.exp(-2.0 * sign * frame["a"].to_numpy()))).astype(float)
    recipes = [Recipe("prior"), Recipe("linear"), Recipe("trees")]
    inverted = select(frame, won, FEATURES, 0.19, recipes)
    assert max(row["mean_roc_auc"] for row in inverted.table if row["family"] != "prior") <= 0.5
    assert len(inverted.warnings) == 1 and "better than chance" in inverted.warnings[0]
    assert inverted.as_dict()["warnings"] == inverted.warnings
    assert select(*additive, FEATURES, 0.19, recipes).warnings == []


def test_interactions_choose_trees() -> None:
    selection = select(*history("interactions"), FEATURES, valid_share=0.19)
    assert selection.candidate.family in {"trees", "hybrid", "catboost", "blend"}, selection.reason
    linear = max(row["mean_roc_auc"] for row in selection.table if row["family"] == "linear")
    chosen = next(row for row in selection.table if row["candidate"] == selection.candidate.name)
    assert chosen["mean_roc_auc"] > linear + 0.1


def test_the_same_history_gives_the_same_choice(additive: tuple[pd.DataFrame, np.ndarray]) -> None:
    recipes = [Recipe("prior"), Recipe("linear"), Recipe("trees")]
    first, second = (select(*additive, FEATURES, 0.19, recipes) for _ in range(2))
    assert (first.candidate, first.calibration) == (second.candidate, second.calibration)
    def figures(table: list[dict[str, object]]) -> list[dict[str, object]]:
        return [{k: v for k, v in row.items() if k != "search_seconds"} for row in table]

    assert figures(first.table) == figures(second.table)


def test_no_signal_chooses_the_prior() -> None:
    frame, _ = history("additive")
    won = (np.random.default_rng(9).random(ROWS) < 0.3).astype(float)  # outcomes unrelated to any field
    selection = select(frame, won, FEATURES, 0.19, [Recipe("prior"), Recipe("linear"), Recipe("trees")])
    assert selection.candidate.family == "prior", selection.table


def test_a_budget_cuts_the_dearest_candidates_and_says_so(additive: tuple[pd.DataFrame, np.ndarray]) -> None:
    selection = select(*additive, FEATURES, 0.19, budget=1e-9)
    assert [row["candidate"] for row in selection.table] == ["prior"]
    assert selection.cut == [recipe.name for recipe in search_space()[1:]]
    assert selection.as_dict()["cut_by_budget"] == selection.cut


def test_catboost_is_no_candidate_past_its_row_limit_and_the_card_says_so(
        additive: tuple[pd.DataFrame, np.ndarray], monkeypatch: pytest.MonkeyPatch) -> None:
    assert "catboost" not in {r.family for r in search_space(selection_module.CATBOOST_ROWS + 1)}
    assert "catboost" in {r.family for r in search_space(selection_module.CATBOOST_ROWS)}
    monkeypatch.setattr(selection_module, "CATBOOST_ROWS", ROWS - 1)
    selection = select(*additive, FEATURES, 0.19, budget=1e-9)
    assert "catboost" not in selection.cut
    assert selection.as_dict()["left_out"] == [
        f"catboost: not a candidate past {ROWS - 1:,} leads ({ROWS:,} here), its two fits would take about "
        "1.1 ms a lead"]
    named = select(*additive, FEATURES, 0.19, [Recipe("catboost")], budget=1e-9)
    assert named.candidate.family == "catboost" and named.left_out == [], "a profile's own choice is kept"


BLEND = Candidate(((Recipe("linear"), 0.5), (Recipe("catboost"), 0.5)))


@pytest.mark.parametrize("candidate", [Candidate.of(Recipe(f)) for f in ("prior", "linear", "trees", "hybrid",
                                                                         "catboost")] + [BLEND],
                         ids=lambda c: c.family)
def test_every_family_explains_with_contributions_that_sum_to_its_margin(
        candidate: Candidate, additive: tuple[pd.DataFrame, np.ndarray], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    frame, won = additive
    monkeypatch.setattr(parts, "LEAF_ROWS", 64)  # CatBoost's 400 leads below in parts
    estimator = PropensityEstimator(FEATURES, candidate, calibration="sigmoid").fit(
        frame.iloc[:3000], won[:3000], frame.iloc[3000:3600], won[3000:3600])
    x = estimator.encoder_.transform(frame.iloc[3600:])
    contributions = estimator.contributions(x)
    assert contributions.shape == (len(x), len(FEATURES) + 1)
    np.testing.assert_allclose(contributions.sum(axis=1), estimator.margin(x), atol=1e-6)
    # one lead at a time runs on one thread, a batch on every core: the same figures either way
    np.testing.assert_allclose(np.vstack([estimator.contributions(row[None]) for row in x[:3]]), contributions[:3],
                               atol=1e-9)
    np.testing.assert_allclose(np.concatenate([estimator.margin(row[None]) for row in x[:3]]), estimator.margin(x)[:3],
                               atol=1e-9)
    loaded = PropensityEstimator.load(estimator.save(tmp_path / "model"))
    assert loaded.kind == estimator.kind
    np.testing.assert_allclose(loaded.predict_proba(frame.iloc[3600:]), estimator.predict_proba(frame.iloc[3600:]),
                               rtol=1e-9)
    if candidate.family != "prior":
        assert estimator.importance()["a"] > estimator.importance()["channel"] * 0.5


def test_the_shift_calibration_meets_the_newest_base_rate() -> None:
    rng = np.random.default_rng(4)
    margin, won = rng.normal(-1.0, 1.5, 2000), (rng.random(2000) < 0.45).astype(float)
    calibrator = fit_calibrator("shift", margin, won)
    p = calibrator(margin)
    assert p.mean() == pytest.approx(won.mean(), abs=1e-9)
    assert np.all(np.diff(p[np.argsort(margin)]) >= 0), "a shift keeps the ranking"
