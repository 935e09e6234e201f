"""The nightly training job: load history, split by time, fit, evaluate, log, register, promote."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import mlflow
import numpy as np
import pandas as pd

from features.leakage import Refusal, after_outcome_refusals, screen_features
from features.profile import Feature, Profile, load_profile
from features.source import History, HistoryError, load_history
from models.agreement import DEFAULT_AGREEMENT, load_agreement
from models.calibration import fit_calibrator
from models.propensity import ModelLoadError, PropensityEstimator
from models.registry import CARD_FILE, CHALLENGER, CHAMPION, Registry, log_lead_model
from models.selection import Selection
from models.tracking import tracking_uri, use_experiment
from training import plots
from training.baseline import fit_baseline, predict_baseline
from training.card import Evaluation, build_card
from training.checks import DataChecks, deduplicate, label_shift
from training.choice import choose_model
from training.drift import drift_report
from training.evaluation import (
    base_rate_log_loss,
    bootstrap_auc_interval,
    evaluate,
    expected_calibration_error,
    grade_win_rates,
    has_signal,
)
from training.gate import RULE, Contender, GateDecision, decide
from training.split import TimeSplit, time_split, time_split_from
from training.steps import Steps

DEFAULT_GRADES = {"A": 0.50, "B": 0.25, "C": 0.10}


class TooFewOutcomes(HistoryError):
    """Not enough won or lost leads to learn from."""


@dataclass(frozen=True)
class TrainOptions:
    """What one training run uses."""

    profile: Path
    data: Path | None = None
    holdout: float = 0.2
    holdout_from: str | None = None
    grades: Mapping[str, float] | None = None
    agreement: Path | None = None  # logged with the model, which grades with it (default: the usual bounds)
    force: bool = False
    tracking_uri: str | None = None
    budget: float | None = None  # seconds the model search may take
    seed: int = 7  # the search's and the model's random seed: the same history and seed give the same model


@dataclass(frozen=True)
class TrainResult:
    """The registered version, the gate's decision with both sets of figures, and the card."""

    version: str
    decision: GateDecision
    candidate: Contender
    champion: Contender | None
    card: dict[str, Any]
    run_id: str


def run_training(options: TrainOptions, steps: Steps | None = None) -> TrainResult:
    """Train on a profile's history and register the model; promote it only through the gate."""
    steps = steps or Steps()
    profile = load_profile(options.profile)
    agreement = agreement_text(options, profile)
    with steps.step("load", "Loading history"):
        history = load_history(profile, options.data)
    closed, checks = deduplicate(history.closed, profile.id)
    check_minimums(closed, profile)
    split = split_history(closed, options)
    refused = after_outcome_refusals(profile) + screen_features(
        profile, split.train.frame, split.train.won, split.holdout.frame, split.holdout.won)
    _report_refusals(steps, refused)
    with steps.step("choose", "Choosing the model family, settings and calibration on rolling origins"):
        selection = choose_model(profile.training, usable_features(profile, refused), split, options.budget,
                                 options.seed)
    with steps.step("fit", f"Refitting {selection.candidate.name} with {selection.calibration} calibration"):
        estimator = fit_estimator(profile, refused, split, options, selection)
    with steps.step("baseline", "Fitting the logistic-regression baseline"):
        baseline_p = baseline_predictions(estimator, split)
    with steps.step("evaluate", "Evaluating on the holdout"):
        evaluation, holdout_p = evaluate_models(estimator, split, baseline_p, options.grades or DEFAULT_GRADES)
    card = describe_model(build_card(profile, split, estimator, refused, evaluation, steps.timings, len(history.open)),
                          estimator, split.holdout.won, holdout_p)
    card["selection"] = {**selection.as_dict(), "profile_overrides": profile.training.overrides}
    checks = report_checks(steps, label_shift(closed, checks), evaluation)
    card["data_checks"] = checks.as_dict()
    with steps.step("log", "Logging the run and registering the model in MLflow"):
        version, run_id = log_run(profile, options, estimator, split, card, holdout_p, agreement, baseline_p)
    with steps.step("gate", "Comparing with the champion"):
        decision, champion = promote(Registry(options.tracking_uri or tracking_uri(), profile.registered_model),
                                     version, split, Contender(evaluation.model, evaluation.signal), options.force,
                                     hold=checks.label_shift)
    return TrainResult(version, decision, Contender(evaluation.model, evaluation.signal), champion, card, run_id)


def agreement_text(options: TrainOptions, profile: Profile) -> str:
    """The agreement text logged with the model, checked against the profile before any work is done."""
    if options.agreement is None:
        return DEFAULT_AGREEMENT
    load_agreement(options.agreement, profile)  # refused here, naming the file and the problem
    return Path(options.agreement).read_bytes().decode("utf-8")  # as signed: no newline translation


def report_checks(steps: Steps, checks: DataChecks, evaluation: Evaluation) -> DataChecks:
    """Add unseen holdout categories to the data checks and print every warning."""
    checks.warnings += [f"holdout values never seen in training for {name}: {values}"
                        for name, values in evaluation.drift["new_categories"].items()]
    for warning in checks.warnings:
        steps.note(f"[yellow]check[/yellow] {warning}")
    return checks


def check_minimums(closed: History, profile: Profile) -> None:
    """Stop with the counts when there are too few won or lost leads."""
    won, lost = int((closed.won == 1).sum()), int((closed.won == 0).sum())
    need = profile.minimums
    if won < need.won or lost < need.lost:
        raise TooFewOutcomes(f"too few closed leads to train: {won} won and {lost} lost in the history; "
                             f"profile '{profile.name}' needs at least {need.won} won and {need.lost} lost")


def split_history(closed: History, options: TrainOptions) -> TimeSplit:
    """The time split the options ask for."""
    if options.holdout_from is None:
        return time_split(closed, holdout=options.holdout)
    dated = pd.api.types.is_datetime64_any_dtype(closed.time)
    start: pd.Timestamp | float = pd.Timestamp(options.holdout_from) if dated else float(options.holdout_from)
    return time_split_from(closed, start)


def _report_refusals(steps: Steps, refused: list[Refusal]) -> None:
    for refusal in refused:
        steps.note(f"[yellow]refused[/yellow] {refusal.feature}: {refusal.reason}")


def usable_features(profile: Profile, refused: list[Refusal]) -> list[Feature]:
    """The profile's features that passed the leakage guard, in the order of their names.

    The order a profile lists its features in means nothing, yet tree learners break ties between equal
    splits by column position: in name order, the same fields give the same model however they are listed
    (a drafted profile and a hand-written one, or a profile whose lines were moved).
    """
    names = {r.feature for r in refused}
    return sorted((f for f in profile.features if f.name not in names), key=lambda f: (f.name.casefold(), f.name))


def fit_estimator(profile: Profile, refused: list[Refusal], split: TimeSplit, options: TrainOptions,
                  selection: Selection | None = None) -> PropensityEstimator:
    """The chosen candidate (chosen here unless given) refitted on the pre-holdout window and calibrated."""
    features = usable_features(profile, refused)
    selection = selection or choose_model(profile.training, features, split, options.budget, options.seed)
    estimator = PropensityEstimator(features, selection.candidate, calibration=selection.calibration,
                                    seed=options.seed)
    return estimator.fit(split.train.frame, split.train.won, split.valid.frame, split.valid.won)


def baseline_predictions(estimator: PropensityEstimator, split: TimeSplit) -> np.ndarray:
    """Holdout P(won) of the logistic baseline fitted on train and validation windows."""
    frame = pd.concat([split.train.frame, split.valid.frame], ignore_index=True)
    won = np.concatenate([split.train.won, split.valid.won])
    pipeline = fit_baseline(estimator.features, frame, won)
    return predict_baseline(pipeline, estimator.features, split.holdout.frame)


def evaluate_models(estimator: PropensityEstimator, split: TimeSplit, baseline_p: np.ndarray,
                    grades: Mapping[str, float]) -> tuple[Evaluation, np.ndarray]:
    """Metrics, AUC interval, grade bands and drift on the holdout."""
    holdout = split.holdout
    p = estimator.predict_proba(holdout.frame)
    interval = bootstrap_auc_interval(holdout.won, p)
    kinds = {f.name: f.kind.value for f in estimator.features}
    model, base_log_loss = evaluate(holdout.won, p), base_rate_log_loss(holdout.won, split.prior_win_rate())
    evaluation = Evaluation(
        model=model, baseline=evaluate(holdout.won, baseline_p), auc_interval=interval,
        signal=has_signal(interval, model.log_loss, base_log_loss), base_log_loss=base_log_loss,
        grade_bands=grade_win_rates(holdout.won, p, grades),
        drift=drift_report(split.train.frame, holdout.frame, kinds, split.train.won, holdout.won))
    return evaluation, p


def describe_model(card: dict[str, Any], estimator: PropensityEstimator, won: np.ndarray,
                   p: np.ndarray) -> dict[str, Any]:
    """The card with the model's kind and the recalibration check added."""
    card["model"].update({"kind": estimator.kind, "linear_c": estimator.linear_c_})
    card["recalibration"] = recalibration_check(won, p)
    return card


def recalibration_check(won: np.ndarray, p: np.ndarray) -> dict[str, float | int]:
    """ECE on the newest half of the holdout as scored, and after a Platt refit on the older half.

    It says how much recalibrating on the most recent known outcomes would fix when the base rate drifts,
    without scoring a lead with a calibrator fitted on its own outcome.
    """
    half = len(won) // 2
    older, newer = slice(0, half), slice(half, None)
    if min(len(np.unique(won[older])), len(np.unique(won[newer]))) < 2:
        return {"rows_fit": half, "rows_scored": len(won) - half}
    logit = np.log(np.clip(p, 1e-6, 1 - 1e-6) / np.clip(1 - p, 1e-6, 1))
    refit = fit_calibrator("sigmoid", logit[older], won[older])
    return {"rows_fit": half, "rows_scored": len(won) - half,
            "ece_before": expected_calibration_error(won[newer], p[newer]),
            "ece_after": expected_calibration_error(won[newer], refit(logit[newer])),
            "positive_rate_fit": float(won[older].mean()), "positive_rate_scored": float(won[newer].mean())}


def log_run(profile: Profile, options: TrainOptions, estimator: PropensityEstimator, split: TimeSplit,
            card: dict[str, Any], holdout_p: np.ndarray, agreement: str, baseline_p: np.ndarray) -> tuple[str, str]:
    """One MLflow run: params, metrics, plots, card, holdout predictions and the registered model with its
    profile and agreement."""
    use_experiment(options.tracking_uri or tracking_uri(), f"leadscore-{profile.name}")
    with mlflow.start_run() as run, tempfile.TemporaryDirectory(prefix="leadscore-run-") as tmp:
        folder = Path(tmp)
        mlflow.log_params(_params(profile, estimator, split, options))
        mlflow.log_metrics(_metrics(card))
        _log_plots(folder, estimator, split.holdout.won, holdout_p, baseline_p)
        _log_json(folder / "drift.json", card["drift"])
        predictions = pd.DataFrame({"lead_id": split.holdout.frame[profile.id], "won": split.holdout.won,
                                    "probability": holdout_p})
        predictions.to_parquet(folder / "holdout_predictions.parquet")
        mlflow.log_artifact(str(folder / "holdout_predictions.parquet"))
        model_folder = estimator.save(folder / "estimator")
        _log_json(model_folder / CARD_FILE, card)
        example = split.holdout.frame[estimator.encoder_.names].head(5)
        profile_file, agreement_file = folder / "profile.yaml", folder / "agreement.yaml"
        profile_file.write_bytes(Path(options.profile).read_bytes())
        agreement_file.write_bytes(agreement.encode("utf-8"))
        version = log_lead_model(model_folder, example, profile, profile_file, agreement_file)
        mlflow.set_tags({"profile": profile.name, "registered_version": version})
        return version, run.info.run_id


def _params(profile: Profile, estimator: PropensityEstimator, split: TimeSplit,
            options: TrainOptions) -> dict[str, Any]:
    return {"profile": profile.name, "features": len(estimator.features), "trees": estimator.trees,
            "calibration": estimator.calibration, "holdout": options.holdout_from or options.holdout,
            "rows_train": len(split.train.won), "rows_valid": len(split.valid.won),
            "rows_holdout": len(split.holdout.won), "seed": estimator.seed, "model": estimator.kind[:500],
            "family": estimator.candidate.family, "linear_c": estimator.linear_c_}


def _metrics(card: dict[str, Any]) -> dict[str, float]:
    metrics = {f"holdout_{k}": float(v) for k, v in card["metrics"]["model"].items()}
    metrics.update({f"baseline_{k}": float(v) for k, v in card["metrics"]["baseline"].items()})
    metrics.update({"auc_low": card["auc_interval"][0], "auc_high": card["auc_interval"][1],
                    "positive_rate_shift": card["drift"]["positive_rate_shift"]})
    recalibration = card.get("recalibration", {})
    metrics.update({f"newest_half_{k}": float(v) for k, v in recalibration.items() if k.startswith("ece_")})
    return metrics


def _log_plots(folder: Path, estimator: PropensityEstimator, won: np.ndarray, p: np.ndarray,
               baseline_p: np.ndarray) -> None:
    importance = estimator.importance()
    figures = {
        "calibration.png": plots.calibration_plot(won, p, baseline=(baseline_p, "logistic baseline")),
        "gains.png": plots.gains_plot(won, p),
        "importance.png": plots.importance_plot(list(importance), list(importance.values())),
    }
    for name, figure in figures.items():
        figure.savefig(folder / name, dpi=110, bbox_inches="tight")
        plt.close(figure)
        mlflow.log_artifact(str(folder / name), artifact_path="plots")


def _log_json(path: Path, payload: Any) -> None:
    path.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    mlflow.log_artifact(str(path))


def promote(registry: Registry, version: str, split: TimeSplit, candidate: Contender,
            force: bool, hold: str | None = None) -> tuple[GateDecision, Contender | None]:
    """Re-score the champion on this holdout, apply the gate, move the alias, record the decision.

    `hold` names a sudden shift of the won rate in the history: labels that changed meaning make the holdout
    unfit to judge either model (both may look worse, or the candidate better for having learnt the error),
    so a champion stays in place unless forced.
    """
    try:
        champion = champion_on(registry, split)
        decision = decide(candidate, champion, force)
    except IncomparableChampion as exc:
        champion, decision = None, GateDecision(force, f"forced: {exc}" if force else str(exc), forced=force)
    if hold is not None and champion is not None and decision.promote:
        why = f"{hold}; a holdout whose labels shifted cannot judge the models, so the champion stays"
        decision = (GateDecision(True, f"forced: {why}", forced=True) if force
                    else GateDecision(False, f"{why} (check, then retrain or use --force)"))
    registry.set_alias(CHAMPION if decision.promote else CHALLENGER, version)
    registry.tag(version, {"gate_decision": "champion" if decision.promote else "challenger",
                           "gate_reason": decision.reason, "gate_rule": RULE, "forced": str(decision.forced).lower(),
                           "holdout_roc_auc": f"{candidate.metrics.roc_auc:.4f}",
                           "holdout_log_loss": f"{candidate.metrics.log_loss:.4f}"})
    return decision, champion


class IncomparableChampion(HistoryError):
    """The champion needs columns this history does not have, so the gate cannot compare."""


def champion_on(registry: Registry, split: TimeSplit) -> Contender | None:
    """The current champion's figures on this holdout; an unreadable champion counts as none."""
    try:
        champion = registry.load_alias(CHAMPION)
    except ModelLoadError:
        return None
    if champion is None:
        return None
    absent = [name for name in champion.estimator.encoder_.names if name not in split.holdout.frame]
    if absent:
        raise IncomparableChampion(f"champion {champion.label} needs columns {absent} that this history lacks; "
                                   "the gate cannot compare on the same holdout (use --force to promote anyway)")
    p = champion.estimator.predict_proba(split.holdout.frame)
    metrics = evaluate(split.holdout.won, p)
    base_log_loss = base_rate_log_loss(split.holdout.won, split.prior_win_rate())
    interval = bootstrap_auc_interval(split.holdout.won, p)
    return Contender(metrics, has_signal(interval, metrics.log_loss, base_log_loss))
