"""Propensity estimator: a chosen candidate's parts on encoded leads, calibrated to an absolute P(won)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import catboost
import lightgbm as lgb
import numpy as np
import pandas as pd

from features.encoder import FeatureEncoder
from features.profile import Feature
from models.calibration import CalibrationMethod, Calibrator, calibrator_from_dict, fit_calibrator
from models.evidence import Evidence
from models.families import Candidate, Recipe, booster_names, fit_recipe
from models.parts import CatBoostPart, LinearPart, Part, TreePart, load_part, part_width

STATE_FILE = "state.json"
LEGACY_BOOSTER_FILE = "booster.txt"
IMPORTANCE_ROWS = 5_000  # rows whose mean absolute contributions give a model's importance
DEFAULT_CANDIDATE = Candidate.of(Recipe("trees"))


class ModelLoadError(RuntimeError):
    """A saved model that cannot be loaded (missing, corrupt or incompatible)."""


@dataclass(frozen=True)
class MemberFit:
    """One recipe fitted the production way: its out-of-time margins before the refit, and the refitted parts."""

    valid_margin: np.ndarray
    parts: list[Part]
    c: float | None
    rounds: int | None


def fit_member(recipe: Recipe, encoder: FeatureEncoder, x: np.ndarray, won: np.ndarray, x_valid: np.ndarray,
               valid_won: np.ndarray, seed: int = 7, threads: int = 0, refit: bool = True) -> MemberFit:
    """Fit on the older rows with early stopping on the newer, keep the newer rows' margins, refit on both.

    The refit learns from the newest closed leads, which matter most under drift, with the rounds early
    stopping found (scaled to the larger set) and the same C; the margins kept from before the refit are
    out of time, for the calibrators that need them.
    """
    first = fit_recipe(recipe, encoder, x, won, valid=(x_valid, valid_won), seed=seed, threads=threads)
    valid_margin = total_margin([(1.0, p) for p in first.parts], x_valid)
    if not refit:
        return MemberFit(valid_margin, first.parts, first.c, first.rounds)
    rounds = None if first.rounds is None else max(1, round(first.rounds * (len(won) + len(valid_won)) / len(won)))
    final = fit_recipe(recipe, encoder, np.vstack([x, x_valid]), np.concatenate([won, valid_won]), rounds=rounds,
                       c=first.c, seed=seed, threads=threads)
    return MemberFit(valid_margin, final.parts, first.c, final.rounds)


def total_margin(parts: Sequence[tuple[float, Part]], x: np.ndarray) -> np.ndarray:
    margin = np.zeros(len(x))
    for weight, part in parts:
        margin = margin + weight * part.margin(x)
    return margin


class PropensityEstimator:
    """Everything learned for scoring lives here: encoder, weighted model parts, calibrator and evidence."""

    def __init__(self, features: Sequence[Feature], candidate: Candidate = DEFAULT_CANDIDATE,
                 calibration: CalibrationMethod = "sigmoid", seed: int = 7, threads: int = 0) -> None:
        self.features = list(features)
        self.candidate = candidate
        self.calibration = calibration
        self.seed = seed
        self.threads = threads

    def fit(self, train: pd.DataFrame, won: np.ndarray, valid: pd.DataFrame, valid_won: np.ndarray
            ) -> PropensityEstimator:
        """Encode, fit each member with early stopping on the newer slice, calibrate there, refit on both.

        Platt and isotonic maps are fitted on the margins kept from before the refit, which are out of time;
        a shift's one constant on the refitted model's margins, whose level it sets.
        """
        history = pd.concat([train, valid], ignore_index=True)
        # The refitted model learns from the validation rows too, so it must know the categories first seen there.
        self.encoder_ = FeatureEncoder(self.features).fit(history)
        x, x_valid = self.encoder_.transform(train), self.encoder_.transform(valid)
        fits = [(w, fit_member(r, self.encoder_, x, won, x_valid, valid_won, self.seed, self.threads))
                for r, w in self.candidate.members]
        self.parts_ = [(w, part) for w, member in fits for part in member.parts]
        self.linear_c_ = next((m.c for _, m in fits if m.c is not None), None)
        # A shift sets the level of the model it is applied to, so its constant comes from the refitted model's
        # own margins over the newest slice. The first fit's constant corrects a lag the refit, having learned
        # from those leads, no longer has, and would count the drift twice (Bank Marketing's linear model: +4.7
        # in log-odds, holdout log loss 2.01 against 0.57 from its own constant of +0.007).
        valid_margin = (self.margin(x_valid) if self.calibration == "shift" else
                        sum((w * m.valid_margin for w, m in fits), np.zeros(len(valid_won))))
        self.calibrator_: Calibrator = fit_calibrator(self.calibration, valid_margin, valid_won)
        won_all = np.concatenate([won, valid_won])
        self.evidence_ = Evidence.from_history(self.encoder_.coerce(history), won_all, self.features)
        self.importance_ = self._importance(np.vstack([x, x_valid]))
        return self

    @property
    def kind(self) -> str:
        return self.candidate.name

    @property
    def trees(self) -> int:
        return sum(p.trees for _, p in self.parts_ if isinstance(p, TreePart | CatBoostPart))

    def margin(self, x: np.ndarray) -> np.ndarray:
        """Raw log-odds of the model for encoded rows."""
        return total_margin(self.parts_, x)

    def predict_proba(self, leads: pd.DataFrame) -> np.ndarray:
        """Calibrated P(won) for many leads (raw or typed fields)."""
        return self.calibrator_(self.margin(self.encoder_.transform(leads)))

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per-feature contributions, last column the bias: the parts' own (TreeSHAP, CatBoost's SHAP, exact
        linear terms) weighted as their margins are, so each row sums to the margin."""
        total = np.zeros((len(x), x.shape[1] + 1))
        for weight, part in self.parts_:
            total = total + weight * part.contributions(x)
        return total

    def probability(self, margin: np.ndarray | float) -> np.ndarray:
        """Calibrated probability of given margins."""
        return self.calibrator_(np.asarray(margin, dtype="float64"))

    def importance(self) -> dict[str, float]:
        """Share of each feature in the mean absolute contribution; sums to 1 (all 0 for the prior)."""
        return dict(self.importance_)

    def _importance(self, x: np.ndarray) -> dict[str, float]:
        rows = np.random.default_rng(self.seed).permutation(len(x))[:IMPORTANCE_ROWS]
        spread = np.abs(self.contributions(x[rows])[:, :-1]).mean(axis=0)
        total = float(spread.sum()) or 1.0
        return {name: float(v) / total for name, v in zip(self.encoder_.names, spread, strict=True)}

    def save(self, folder: Path) -> Path:
        """Write each part in its library's own format (LightGBM text, CatBoost .cbm, JSON numbers); no pickle."""
        folder.mkdir(parents=True, exist_ok=True)
        parts = [{"weight": w, **part.save(folder, f"part{i}")} for i, (w, part) in enumerate(self.parts_)]
        state = {"encoder": self.encoder_.to_dict(), "calibrator": self.calibrator_.to_dict(),
                 "evidence": self.evidence_.to_dict(), "calibration": self.calibration, "seed": self.seed,
                 "candidate": self.candidate.as_dict(), "parts": parts, "importance": self.importance_}
        (folder / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: Path) -> PropensityEstimator:
        """Read a saved estimator; anything missing or inconsistent raises ModelLoadError."""
        try:
            state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
            encoder = FeatureEncoder.from_dict(state["encoder"])
            estimator = cls(encoder.features, _candidate(state), calibration=state["calibration"], seed=state["seed"])
            estimator.encoder_ = encoder
            estimator.parts_ = _parts(folder, state)
            estimator.linear_c_ = next((p.c for _, p in estimator.parts_ if isinstance(p, LinearPart)), None)
            estimator.importance_ = state.get("importance") or {}
            estimator.calibrator_ = calibrator_from_dict(state["calibrator"])
            estimator.evidence_ = Evidence.from_dict(state["evidence"])
        except (OSError, ValueError, KeyError, TypeError, lgb.basic.LightGBMError, catboost.CatBoostError) as exc:
            raise ModelLoadError(f"model in {folder}: {exc.__class__.__name__}: {exc}") from None
        _check_parts(folder, estimator)
        return estimator


def _candidate(state: dict[str, Any]) -> Candidate:
    saved = state.get("candidate")
    if saved is None:  # saved before candidates were chosen: trees, linear or hybrid
        return Candidate.of(Recipe(state.get("kind", "trees")))
    return Candidate(tuple((Recipe(m["family"], tuple(m["settings"].items()), m["decay"]), float(m["weight"]))
                           for m in saved["members"]))


def _parts(folder: Path, state: dict[str, Any]) -> list[tuple[float, Part]]:
    if "parts" in state:
        return [(float(s["weight"]), load_part(folder, s)) for s in state["parts"]]
    # The format before model parts: an optional linear part in the state and trees in booster.txt.
    parts: list[tuple[float, Part]] = []
    if state.get("linear") is not None:
        linear = dict(state["linear"])
        parts.append((1.0, load_part(folder, {**linear, "kind": "linear"})))
    if state.get("kind", "trees") != "linear":
        parts.append((1.0, load_part(folder, {"kind": "trees", "file": LEGACY_BOOSTER_FILE})))
    return parts


def _check_parts(folder: Path, estimator: PropensityEstimator) -> None:
    """The saved parts must read the encoder's columns."""
    names = estimator.encoder_.names
    if not estimator.parts_:
        raise ModelLoadError(f"model in {folder}: candidate {estimator.kind!r} has no model parts")
    for _, part in estimator.parts_:
        if isinstance(part, TreePart) and part.booster.feature_name() != booster_names(names):
            raise ModelLoadError(f"model in {folder}: booster features {part.booster.feature_name()} "
                                 f"do not match the encoder's {names}")
        width = part_width(part)
        if width is not None and width != len(names):
            raise ModelLoadError(f"model in {folder}: the {part.kind} part reads {width} fields, "
                                 f"the encoder {len(names)}")
