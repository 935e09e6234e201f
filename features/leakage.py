"""Leakage guard: refuse features that give the outcome away, or that carry nothing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from features.profile import FeatureKind, Profile

BINS = 20


@dataclass(frozen=True)
class Refusal:
    """A feature kept out of the model, with why and the figure that shows it."""

    feature: str
    reason: str
    figure: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {"feature": self.feature, "reason": self.reason, "figure": self.figure}


def after_outcome_refusals(profile: Profile) -> list[Refusal]:
    """Columns the profile marks as known only after the outcome."""
    return [Refusal(c.column, f"known only after the outcome: {c.reason}") for c in profile.known_after_outcome]


def screen_features(profile: Profile, train: pd.DataFrame, won: np.ndarray,
                    holdout: pd.DataFrame, holdout_won: np.ndarray) -> list[Refusal]:
    """Refuse constant features, and leaks unless the profile allows them."""
    refusals = []
    for feature in profile.features:
        refusal = _constant(feature.name, train[feature.name])
        if refusal is None and not feature.allow_leaky:
            refusal = _leak(feature.name, feature.kind, train[feature.name], won,
                            holdout[feature.name], holdout_won, profile)
        if refusal is not None:
            refusals.append(refusal)
    return refusals


def _constant(name: str, values: pd.Series) -> Refusal | None:
    distinct = values.nunique(dropna=True)
    if distinct == 0:
        return Refusal(name, "empty in the training window")
    if distinct == 1 and not values.isna().any():
        return Refusal(name, f"a single value ({values.iloc[0]!r}) in the training window")
    return None


def _leak(name: str, kind: FeatureKind, values: pd.Series, won: np.ndarray, holdout: pd.Series,
          holdout_won: np.ndarray, profile: Profile) -> Refusal | None:
    filled_won, filled_lost = _fill_rates(pd.concat([values, holdout]), np.concatenate([won, holdout_won]))
    if abs(filled_won - filled_lost) >= profile.leakage.one_outcome_fill_gap and min(filled_won, filled_lost) < 0.02:
        return Refusal(name, f"filled for {filled_won:.0%} of won and {filled_lost:.0%} of lost leads: "
                             "it is filled in for one outcome only", round(abs(filled_won - filled_lost), 3))
    auc = single_feature_auc(values, won, holdout, holdout_won, kind)
    if auc > profile.leakage.max_single_feature_auc:
        return Refusal(name, f"alone predicts the holdout with AUC {auc:.3f} (limit "
                             f"{profile.leakage.max_single_feature_auc}): it gives the outcome away", round(auc, 4))
    return None


def _fill_rates(values: pd.Series, won: np.ndarray) -> tuple[float, float]:
    filled = values.notna().to_numpy()
    return float(filled[won == 1].mean()), float(filled[won == 0].mean())


def single_feature_auc(values: pd.Series, won: np.ndarray, holdout: pd.Series, holdout_won: np.ndarray,
                       kind: FeatureKind) -> float:
    """Holdout AUC of the feature alone: win rate per value (or quantile bin) learned on training."""
    train_keys, holdout_keys = _keys(values, holdout, kind)
    rates = pd.Series(won).groupby(train_keys.to_numpy()).mean()
    score = holdout_keys.map(rates).fillna(float(np.mean(won))).to_numpy(dtype="float64")
    if len(np.unique(holdout_won)) < 2:
        return 0.5
    auc = float(roc_auc_score(holdout_won, score))
    return max(auc, 1 - auc)


def _keys(values: pd.Series, holdout: pd.Series, kind: FeatureKind) -> tuple[pd.Series, pd.Series]:
    if kind in (FeatureKind.numeric, FeatureKind.date) and values.nunique() > BINS:
        edges = np.unique(np.nanquantile(values.to_numpy(dtype="float64"), np.linspace(0, 1, BINS + 1)))

        def to_bin(s: pd.Series) -> pd.Series:
            bins = np.searchsorted(edges, s.to_numpy(dtype="float64"), side="right").astype("float64")
            return pd.Series(np.where(s.isna(), -1, bins)).astype("int64").astype(str)

        return to_bin(values), to_bin(holdout)
    return (values.astype("object").fillna("(missing)").astype(str).reset_index(drop=True),
            holdout.astype("object").fillna("(missing)").astype(str).reset_index(drop=True))
