"""Quality benchmark: the production training path against peers on the same time split, per real history.

For each profile: load the history, drop duplicate ids, split by time (the oldest 80 % of closed leads
train, the newest 20 % is the holdout), screen features, choose and fit the model with exactly the
functions `training/job.py` uses. The peers (benchmarks/peers.py) learn from the same rows (train and
validation windows together, in time order) and the same features: what a user would pick instead.
Each gets ROC AUC with a bootstrap 95 % interval, PR AUC, Brier, ECE, log loss, top-decile lift,
fit seconds, and the ECE of the newest half of the holdout before and after recalibrating on its older
half. Results are printed, written to reports/quality.md and logged to MLflow (one run per history,
one nested run per model).

Run: `make benchmark-quality` (or `python -m benchmarks.quality [--profile profiles/x.yaml ...]`).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import mlflow
import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from benchmarks.peers import peers
from features.leakage import Refusal, after_outcome_refusals, screen_features
from features.profile import Feature, Profile, load_profile
from features.source import load_history
from models.tracking import tracking_uri, use_experiment
from training.checks import deduplicate
from training.choice import choose_model
from training.evaluation import Metrics, base_rate_log_loss, bootstrap_auc_interval, evaluate, has_signal
from training.job import (
    TrainOptions,
    check_minimums,
    fit_estimator,
    recalibration_check,
    split_history,
    usable_features,
)
from training.split import TimeSplit

ROOT = Path(__file__).resolve().parents[1]
PROFILES = [ROOT / "profiles" / f"{name}.yaml" for name in ("xeducation", "bank-marketing", "maven-crm")]
REPORT = ROOT / "reports" / "quality.md"
EXPERIMENT = "leadscore-quality-benchmark"
HOLDOUT = 0.2
OURS = "leadscore (production path)"

app = typer.Typer(add_completion=False)


@dataclass(frozen=True)
class ModelResult:
    """One model's holdout figures on one history."""

    name: str
    metrics: Metrics
    interval: tuple[float, float]
    fit_seconds: float
    recalibration: dict[str, float | int]
    base_log_loss: float  # every holdout lead forecast at the win rate before the holdout
    detail: str = ""

    @property
    def signal(self) -> bool:
        return has_signal(self.interval, self.metrics.log_loss, self.base_log_loss)


@dataclass
class SetResult:
    """Every model's figures on one history, with what the split looked like."""

    profile: Profile
    split: TimeSplit
    features: list[Feature]
    refused: list[str]
    models: list[ModelResult] = field(default_factory=list)

    def rows(self) -> dict[str, int]:
        return {"train": len(self.split.train.won) + len(self.split.valid.won), "holdout": len(self.split.holdout.won)}

    def rates(self) -> dict[str, float]:
        fit = np.concatenate([self.split.train.won, self.split.valid.won])
        return {"train": float(fit.mean()), "holdout": float(self.split.holdout.won.mean())}


@dataclass(frozen=True)
class Prepared:
    """One history made ready exactly as the training job makes it: deduplicated, split, screened."""

    profile: Profile
    options: TrainOptions
    split: TimeSplit
    refusals: list[Refusal]


def prepare(path: Path, profile: Profile | None = None) -> Prepared:
    """Load, deduplicate, split and screen a profile's history (`profile` overrides the file's)."""
    profile = profile or load_profile(path)
    options = TrainOptions(profile=path, holdout=HOLDOUT)
    closed, _ = deduplicate(load_history(profile).closed, profile.id)
    check_minimums(closed, profile)
    split = split_history(closed, options)
    refusals = after_outcome_refusals(profile) + screen_features(
        profile, split.train.frame, split.train.won, split.holdout.frame, split.holdout.won)
    return Prepared(profile, options, split, refusals)


def run_set(path: Path, console: Console) -> SetResult:
    """The production path and its peers on one profile's history."""
    prepared = prepare(path)
    profile, split, refusals = prepared.profile, prepared.split, prepared.refusals
    refused = {r.feature for r in refusals}
    result = SetResult(profile, split, [f for f in profile.features if f.name not in refused],
                       [r.feature for r in refusals if r.feature in profile.feature_names])
    contenders = {OURS: lambda: fit_ours(prepared), **peers(result.features, split)}
    for name, fit in contenders.items():
        console.print(f"  {profile.name}: {name}…", style="dim")
        result.models.append(_measure(name, fit, split.holdout.won, split.prior_win_rate()))
    return result


def _measure(name: str, fit: Callable[[], tuple[np.ndarray, str]], won: np.ndarray, prior: float) -> ModelResult:
    start = time.perf_counter()
    p, detail = fit()
    seconds = time.perf_counter() - start
    return ModelResult(name, evaluate(won, p), bootstrap_auc_interval(won, p), seconds,
                       recalibration_check(won, p), base_rate_log_loss(won, prior), detail)


def fit_ours(prepared: Prepared) -> tuple[np.ndarray, str]:
    """The production path's holdout probabilities, and what it chose."""
    profile, refusals, split, options = prepared.profile, prepared.refusals, prepared.split, prepared.options
    features = usable_features(profile, refusals)
    selection = choose_model(profile.training, features, split, options.budget)
    estimator = fit_estimator(profile, refusals, split, options, selection)
    detail = f"chosen {estimator.kind}, {estimator.trees} trees"
    if estimator.linear_c_ is not None:
        detail += f", C={estimator.linear_c_:g}"
    detail += f", {estimator.calibration} calibration; search {selection.seconds:.0f} s: {selection.reason}"
    return estimator.predict_proba(split.holdout.frame), detail


# --- reporting ----------------------------------------------------------------------------------------

COLUMNS = ("model", "ROC AUC [95% CI]", "PR AUC", "Brier", "ECE", "log loss", "top-decile lift", "fit s",
           "ECE newest half", "after recalibration")


def cells(model: ModelResult) -> list[str]:
    """One table row of figures."""
    m, (low, high), recal = model.metrics, model.interval, model.recalibration
    return [model.name, f"{m.roc_auc:.3f} [{low:.3f}, {high:.3f}]", f"{m.pr_auc:.3f}", f"{m.brier:.4f}",
            f"{m.ece:.3f}", f"{m.log_loss:.4f}", f"{m.top_decile_lift:.2f}", f"{model.fit_seconds:.1f}",
            _fig(recal.get("ece_before")), _fig(recal.get("ece_after"))]


def _fig(value: Any) -> str:
    return "-" if value is None else f"{float(value):.3f}"


def summary(result: SetResult) -> str:
    """One line on the split and the verdict of our model."""
    rows, rates = result.rows(), result.rates()
    ours = result.models[0]
    verdict = "predictive" if ours.signal else ("no predictive signal (the AUC interval contains 0.5, or the log loss "
                                                f"is no better than the base rate's {ours.base_log_loss:.4f})")
    return (f"{rows['train']:,} training rows (positive rate {rates['train']:.1%}), {rows['holdout']:,} holdout rows "
            f"({rates['holdout']:.1%}); holdout from {result.split.holdout.time.min()}; our model: {verdict}")


def print_set(result: SetResult, console: Console) -> None:
    table = Table(title=f"{result.profile.name}: holdout figures (newest {HOLDOUT:.0%})")
    for column in COLUMNS:
        table.add_column(column, justify="left" if column == "model" else "right")
    for model in result.models:
        table.add_row(*cells(model))
    console.print(table)
    console.print(summary(result))
    console.print("ours: " + result.models[0].detail)


def markdown(results: Sequence[SetResult]) -> str:
    """The report: one table per history, with the split and the refused features."""
    lines = ["# Quality benchmark on real histories", "",
             "Generated by `make benchmark-quality` (`benchmarks/quality.py`). Every model learns from the oldest "
             f"{1 - HOLDOUT:.0%} of closed leads and is scored on the newest {HOLDOUT:.0%} (the same rows for all). "
             "ECE uses 10 equal-count bins. *ECE newest half* is the ECE on the newest half of the holdout as "
             "scored; *after recalibration* is the same rows after a Platt refit on the holdout's older half. "
             "Fit seconds are wall time on a shared 2-core machine.", ""]
    for result in results:
        lines += [f"## {result.profile.name}", "", summary(result) + ".", "",
                  f"Features used: {len(result.features)}; refused by the guard: "
                  f"{', '.join(result.refused) or 'none'}; known after the outcome: "
                  f"{', '.join(c.column for c in result.profile.known_after_outcome) or 'none'}.", "",
                  "| " + " | ".join(COLUMNS) + " | detail |", "|" + "---|" * (len(COLUMNS) + 1)]
        lines += ["| " + " | ".join(cells(model)) + f" | {model.detail} |" for model in result.models]
        lines.append("")
    return "\n".join(lines)


def log_set(result: SetResult) -> None:
    """One MLflow run for the history, one nested run per model."""
    with mlflow.start_run(run_name=result.profile.name):
        mlflow.log_params({"profile": result.profile.name, "holdout": HOLDOUT, **{f"rows_{k}": v for k, v in
                                                                                 result.rows().items()}})
        mlflow.log_metrics({f"positive_rate_{k}": v for k, v in result.rates().items()})
        for model in result.models:
            with mlflow.start_run(run_name=model.name, nested=True):
                mlflow.log_param("detail", model.detail)
                mlflow.log_metrics(_model_metrics(model))


def _model_metrics(model: ModelResult) -> dict[str, float]:
    figures = {k: float(v) for k, v in model.metrics.as_dict().items()}
    figures.update({"roc_auc_low": model.interval[0], "roc_auc_high": model.interval[1],
                    "fit_seconds": model.fit_seconds})
    figures.update({f"newest_half_{k}": float(v) for k, v in model.recalibration.items() if k.startswith("ece_")})
    return figures


ProfilesOption = Annotated[list[Path] | None, typer.Option(help="Profiles to benchmark (default: the real sets).")]


@app.command()
def main(
    profile: ProfilesOption = None,
    report: Annotated[Path, typer.Option(help="Markdown report to write.")] = REPORT,
) -> None:
    """Benchmark the production path against its peers on each history."""
    # scikit-learn 1.9 announces API changes of LogisticRegressionCV on every baseline fit
    warnings.filterwarnings("ignore", category=FutureWarning, module="sklearn")
    console = Console(width=180)  # the figures table is wide; a pipe or CI log would cut it at 80 columns
    use_experiment(tracking_uri(), EXPERIMENT)
    results = []
    for path in profile or PROFILES:
        result = run_set(path, console)
        print_set(result, console)
        log_set(result)
        results.append(result)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(markdown(results), encoding="utf-8")
    console.print(f"wrote {report}")


if __name__ == "__main__":
    app()
