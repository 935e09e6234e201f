"""Selection out of time: candidates compared on rolling origins inside the pre-holdout window.

Each origin fits on every lead before it (an expanding window) and is judged on the next slice in time, the
way the nightly model is fitted on the past and judged on leads it has not seen. The holdout is never given
to this module.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import log_loss, roc_auc_score

from features.encoder import FeatureEncoder
from features.profile import C_SETTING, Feature
from models.calibration import CALIBRATION_METHODS, CalibrationMethod, fit_calibrator
from models.families import LINEAR_C, Candidate, Recipe
from models.propensity import fit_member, total_margin

# Three origins at 5/8, 6/8 and 7/8 of the window, each judged on the following eighth: the newest origin
# ends where the final model's validation slice starts, and the oldest still fits on most of the history, so
# every fit sees enough leads to be like the production one.
ORIGINS = (5 / 8, 6 / 8, 7 / 8)
SLICE = 1 / 8
# Near-ties: mean log losses within this share of the best are equal evidence. On three slices of a few
# thousand leads the per-origin differences between sound candidates are of this order (0.1 %).
TIE_SHARE = 0.001
AUC_TIE = 0.002  # ROC AUCs closer than this are a tie, and the cheaper candidate wins
# Beyond this many leads the search runs on an evenly spaced, time-ordered sample: 20,000 leads give each
# origin's test slice 2,500 leads, enough to tell candidates apart, and keep the search near 40 s here.
SEARCH_ROWS = 20_000
# Half the window: the oldest lead then counts a quarter of the newest. One moderate setting rather than a
# grid, since the origins judge decay with few slices and a grid would fit their noise.
HALF_LIFE = 0.5
# CatBoost's fits cost about 0.63 ms a lead here (28 s for the three origins' 45,000 leads of the demo search),
# and the final model fits twice (early stopping, then the refit on the whole window): about 1.1 ms a lead,
# so 2 minutes at 100,000 leads and 13 minutes at 1,000,000 (measured: 690 s of a 792 s refit), against
# 80-100 s for LightGBM's. Past this many pre-holdout leads it is not a candidate, so that a nightly retrain
# stays within minutes whatever the history; LightGBM has more leads than it needs to fit categoricals there.
CATBOOST_ROWS = 100_000


def search_space(rows: int | None = None) -> list[Recipe]:
    """Every recipe tried on a window of `rows` leads, cheapest to serve first, so that a budget cuts the dearest."""
    big_trees = (("num_leaves", 31), ("max_depth", -1), ("learning_rate", 0.05), ("min_data_in_leaf", 100),
                 ("lambda_l2", 10.0), ("cat_smooth", 50.0))
    recipes = [Recipe("prior"), *linear_recipes(), Recipe("trees"), Recipe("trees", decay=HALF_LIFE),
               Recipe("trees", big_trees), Recipe("hybrid")]
    return recipes if rows is not None and rows > CATBOOST_ROWS else [*recipes, Recipe("catboost")]


def linear_recipes(decays: Sequence[float | None] = (None, HALF_LIFE)) -> list[Recipe]:
    """The linear model at every C of the grid, each with and without time decay.

    The origins choose C like any other setting, by the out-of-time log loss of a model fitted on most of the
    history. Folds of the fit rows alone (choose_c) judge C on fits of a fifth to four fifths of those rows
    against raw log loss, and under drift they disagree with themselves from one window to the next (Bank
    Marketing: C=10 on the training rows, 0.01 on training and validation rows together). A fixed C is also
    one fit a trial instead of the folds' sixteen.
    """
    return [Recipe("linear", ((C_SETTING, c),), decay) for decay in decays for c in LINEAR_C]


def left_out(rows: int) -> list[str]:
    """The recipes the search leaves out for a window this large, each with why."""
    if rows <= CATBOOST_ROWS:
        return []
    return [f"catboost: not a candidate past {CATBOOST_ROWS:,} leads ({rows:,} here), its two fits would take "
            "about 1.1 ms a lead"]


@dataclass
class Trial:
    """One recipe at one origin: the out-of-time margins it calibrates on and the next slice's margins."""

    valid_margin: np.ndarray
    valid_won: np.ndarray
    test_margin: np.ndarray
    test_won: np.ndarray


@dataclass
class Selection:
    """What was tried, how each did per origin, what won and why."""

    candidate: Candidate
    calibration: CalibrationMethod
    table: list[dict[str, Any]]
    origins: list[dict[str, Any]]
    reason: str
    cut: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    sample_rows: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"chosen": self.candidate.as_dict(), "calibration": self.calibration, "reason": self.reason,
                "origins": self.origins, "candidates": self.table, "cut_by_budget": self.cut,
                "left_out": self.left_out, "warnings": self.warnings,
                "seconds": round(self.seconds, 1), "search_sample_rows": self.sample_rows}


def select(frame: pd.DataFrame, won: np.ndarray, features: Sequence[Feature], valid_share: float,
           recipes: Sequence[Recipe] | None = None, calibrations: Sequence[CalibrationMethod] = CALIBRATION_METHODS,
           budget: float | None = None, seed: int = 7) -> Selection:
    """Choose the candidate and calibration with the lowest mean out-of-time log loss over the origins.

    Without `recipes`, the search space for a window of this many leads (search_space), and the card says
    what it left out.
    """
    started = time.monotonic()
    omitted = [] if recipes else left_out(len(won))
    recipes = recipes or search_space(len(won))
    frame, won, sample = _search_sample(frame, won)
    origins = _origins(len(won), valid_share)
    encoded = [_encode(frame, features, bounds) for bounds in origins]
    trials: dict[Recipe, list[Trial]] = {}
    seconds: dict[str, float] = {}
    cut: list[str] = []
    for recipe in recipes:
        if budget is not None and trials and time.monotonic() - started > budget:
            cut.append(recipe.name)
            continue
        began = time.monotonic()
        trials[recipe] = [_trial(recipe, origin, won, bounds, seed)
                          for origin, bounds in zip(encoded, origins, strict=True)]
        seconds[recipe.name] = round(time.monotonic() - began, 2)
    scored = _score_all(trials, calibrations)
    for s in scored:
        s["seconds"] = sum(seconds[r.name] for r, _ in s["key"][0].members)
    chosen, reason = choose(scored)
    return Selection(chosen["key"][0], chosen["key"][1], [_row(s) for s in scored],
                     [{"fit_rows": a, "valid_rows": a - f, "test_rows": b - a} for f, a, b in origins],
                     reason, cut, omitted, evidence_warnings(scored), time.monotonic() - started, sample)


def _search_sample(frame: pd.DataFrame, won: np.ndarray) -> tuple[pd.DataFrame, np.ndarray, int | None]:
    # Every k-th lead keeps the time order and spreads over the whole window, unlike the newest rows alone.
    if len(won) <= SEARCH_ROWS:
        return frame, won, None
    rows = np.linspace(0, len(won) - 1, SEARCH_ROWS).round().astype(int)
    return frame.iloc[rows].reset_index(drop=True), won[rows], SEARCH_ROWS


def _origins(rows: int, valid_share: float) -> list[tuple[int, int, int]]:
    """(start of the inner validation slice, origin, end of the test slice) for each origin, in rows."""
    out = []
    for fraction in ORIGINS:
        origin, end = int(rows * fraction), int(rows * (fraction + SLICE))
        out.append((origin - max(int(origin * valid_share), 1), origin, min(end, rows)))
    return out


@dataclass(frozen=True)
class EncodedOrigin:
    """One origin's encoder, fitted on the leads before it, and every lead up to the end of its test slice."""

    encoder: FeatureEncoder
    x: np.ndarray


def _encode(frame: pd.DataFrame, features: Sequence[Feature], bounds: tuple[int, int, int]) -> EncodedOrigin:
    # The encoding depends on the origin only, so every recipe of the search shares it.
    _, origin, end = bounds
    encoder = FeatureEncoder(features).fit(frame.iloc[:origin])
    return EncodedOrigin(encoder, encoder.transform(frame.iloc[:end]))


def _trial(recipe: Recipe, encoded: EncodedOrigin, won: np.ndarray, bounds: tuple[int, int, int], seed: int) -> Trial:
    fit_end, origin, end = bounds
    encoder, x = encoded.encoder, encoded.x
    # The origin's model is judged before the refit that would add its inner validation slice: that halves
    # the search (CatBoost fits cost 10-15 s each on 20,000 leads), and every recipe is judged alike.
    member = fit_member(recipe, encoder, x[:fit_end], won[:fit_end], x[fit_end:origin], won[fit_end:origin], seed,
                        refit=False)
    test_margin = total_margin([(1.0, part) for part in member.parts], x[origin:end])
    return Trial(member.valid_margin, won[fit_end:origin], test_margin, won[origin:end])


def _score_all(trials: dict[Recipe, list[Trial]], calibrations: Sequence[CalibrationMethod]) -> list[dict[str, Any]]:
    singles = [_score(Candidate.of(r), t, calibrations) for r, t in trials.items()]
    blend = _blend(trials, singles)
    return singles + ([] if blend is None else [_score(blend[0], blend[1], calibrations)])


def _blend(trials: dict[Recipe, list[Trial]], singles: list[dict[str, Any]]) -> tuple[Candidate, list[Trial]] | None:
    """Equal weights in log-odds of the two best candidates of different families (no weight fitted, so the
    blend is judged on the origins as fairly as its members)."""
    best: dict[str, dict[str, Any]] = {}
    for s in sorted(singles, key=lambda s: s["log_loss"]):
        best.setdefault(s["key"][0].family, s)
    ranked = [s for s in best.values() if s["key"][0].family != "prior"][:2]
    if len(ranked) < 2:
        return None
    first, second = (s["key"][0].members[0][0] for s in ranked)
    mixed = [Trial(0.5 * (a.valid_margin + b.valid_margin), a.valid_won, 0.5 * (a.test_margin + b.test_margin),
                   a.test_won) for a, b in zip(trials[first], trials[second], strict=True)]
    return Candidate(((first, 0.5), (second, 0.5))), mixed


def _score(candidate: Candidate, trials: list[Trial], calibrations: Sequence[CalibrationMethod]) -> dict[str, Any]:
    """The candidate under its best calibration, with every calibration's figures per origin."""
    methods: list[CalibrationMethod] = ["none"] if candidate.family == "prior" else list(calibrations)
    by_method = {m: [_figures(m, t) for t in trials] for m in methods}
    method = min(methods, key=lambda m: float(np.mean([f["log_loss"] for f in by_method[m]])))
    figures = by_method[method]
    return {"key": (candidate, method), "log_loss": float(np.mean([f["log_loss"] for f in figures])),
            "roc_auc": float(np.nanmean([f["roc_auc"] for f in figures])), "per_origin": figures,
            "calibrations": {m: round(float(np.mean([f["log_loss"] for f in v])), 5) for m, v in by_method.items()}}


def _figures(method: CalibrationMethod, trial: Trial) -> dict[str, float]:
    p = fit_calibrator(method, trial.valid_margin, trial.valid_won)(trial.test_margin)
    both = len(np.unique(trial.test_won)) == 2
    return {"log_loss": float(log_loss(trial.test_won, np.clip(p, 1e-6, 1 - 1e-6), labels=[0.0, 1.0])),
            "roc_auc": float(roc_auc_score(trial.test_won, p)) if both else float("nan")}


def choose(scored: list[dict[str, Any]]) -> tuple[dict[str, Any], str]:
    """Lowest mean log loss; within a near-tie the higher ROC AUC, and within an AUC tie the cheaper."""
    best = min(scored, key=lambda s: s["log_loss"])
    ties = [s for s in scored if s["log_loss"] <= best["log_loss"] * (1 + TIE_SHARE)]
    top_auc = max(s["roc_auc"] for s in ties)
    close = [s for s in ties if s["roc_auc"] >= top_auc - AUC_TIE]
    chosen = min(close, key=lambda s: (s["key"][0].cost, s["log_loss"]))
    why = (f"lowest mean out-of-time log loss {best['log_loss']:.4f} over {len(best['per_origin'])} origins"
           if chosen is best else
           f"mean log loss {chosen['log_loss']:.4f}, within {TIE_SHARE:.1%} of the best ({best['key'][0].name} "
           f"{best['log_loss']:.4f}); ROC AUC {chosen['roc_auc']:.4f} and the cheapest to serve among near-ties")
    return chosen, why


def evidence_warnings(scored: list[dict[str, Any]]) -> list[str]:
    """What the user must know of the evidence: here, that nothing ranked newer leads better than chance.

    The threshold is chance itself, not a tuned margin: a history whose relations invert from one slice of
    time to the next (or that has no signal at all) has every candidate at or below 0.5 out of time, and
    then the holdout's figures, however good, are no promise for the leads to come.
    """
    ranked = [s["roc_auc"] for s in scored if s["key"][0].family != "prior" and np.isfinite(s["roc_auc"])]
    if not ranked or max(ranked) > 0.5:
        return []
    return [f"no candidate ranked newer leads better than chance inside the window (best mean out-of-time ROC AUC "
            f"{max(ranked):.3f}): what this history teaches did not carry forward in time there, so the holdout's "
            "figures may not last either"]


def _row(scored: dict[str, Any]) -> dict[str, Any]:
    candidate, method = scored["key"]
    return {"candidate": candidate.name, "family": candidate.family, "calibration": method,
            "mean_log_loss": round(scored["log_loss"], 5), "mean_roc_auc": round(scored["roc_auc"], 4),
            "serving_cost": candidate.cost, "search_seconds": round(scored["seconds"], 2),
            "per_origin": [{k: round(v, 5) for k, v in f.items()} for f in scored["per_origin"]],
            "calibrations": scored["calibrations"]}
