"""Quality benchmark: the production training path against peers on the same time split, per real history.

For each profile: load the history, drop duplicate ids, split by time (the oldest 80 % of closed leads
train, the newest 20 % is the holdout), screen features, choose and fit the model with exactly the
functions `training/job.py` uses. The peers (benchmarks/peers.py) learn from the same rows (train and
validation windows together, in time order) and the same features: what a user would pick instead.
Each gets ROC AUC (its bootstrap 95 % interval decides whether there is signal), PR AUC, Brier, ECE,
log loss, top-decile lift, fit seconds, and the ECE of the newest half of the holdout before and after
recalibrating on its older half. Every model runs `--repeats` times (our path with seeds 7, 8, ...; the
peers with other seeds and field orders, benchmarks/peers.py): the tables give the means and the ROC AUC's
range, and each history ends with the goal's verdict (benchmarks/goal.py). Results are printed, written to
reports/quality.md and logged to MLflow (one run per history, one nested run per model and repeat).

Run: `make benchmark-quality` (or `python -m benchmarks.quality [--profile profiles/x.yaml ...]`).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import mlflow
import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from benchmarks.goal import Summary, summarise, verdict
from benchmarks.peers import Peer, peers
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
# Three runs of every model: enough to show how far a drifting history moves a model's figures with its seed
# and field order, at about three times one run's 12 minutes with FLAML's 60 s each.
REPEATS = 3

app = typer.Typer(add_completion=False)


@dataclass(frozen=True)
class ModelResult:
    """One model's holdout figures on one history, in one repeat."""

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
    models: dict[str, list[ModelResult]] = field(default_factory=dict)  # every repeat of each model

    def rows(self) -> dict[str, int]:
        return {"train": len(self.split.train.won) + len(self.split.valid.won), "holdout": len(self.split.holdout.won)}

    def rates(self) -> dict[str, float]:
        fit = np.concatenate([self.split.train.won, self.split.valid.won])
        return {"train": float(fit.mean()), "holdout": float(self.split.holdout.won.mean())}

    def summaries(self) -> dict[str, Summary]:
        return {name: summarise(name, [r.metrics.roc_auc for r in runs], [r.metrics.log_loss for r in runs],
                                [r.metrics.ece for r in runs], [r.signal for r in runs])
                for name, runs in self.models.items()}

    def verdict(self) -> tuple[bool, str]:
        """The goal's verdict for our path against every peer."""
        summaries = self.summaries()
        ours = summaries.pop(OURS)
        return verdict(ours, list(summaries.values()), self.models[OURS][0].base_log_loss)


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


def run_set(path: Path, console: Console, repeats: int = REPEATS) -> SetResult:
    """The production path and its peers on one profile's history, each `repeats` times."""
    prepared = prepare(path)
    profile, split, refusals = prepared.profile, prepared.split, prepared.refusals
    refused = {r.feature for r in refusals}
    result = SetResult(profile, split, [f for f in profile.features if f.name not in refused],
                       [r.feature for r in refusals if r.feature in profile.feature_names])
    for repeat in range(repeats):
        seed = prepared.options.seed + repeat
        contenders: dict[str, Peer] = {OURS: partial(fit_ours, prepared, seed), **peers(result.features, split, repeat)}
        for name, fit in contenders.items():
            console.print(f"  {profile.name}, repeat {repeat + 1}/{repeats}: {name}…", style="dim")
            result.models.setdefault(name, []).append(
                _measure(name, fit, split.holdout.won, split.prior_win_rate()))
    return result


def _measure(name: str, fit: Callable[[], tuple[np.ndarray, str]], won: np.ndarray, prior: float) -> ModelResult:
    start = time.perf_counter()
    p, detail = fit()
    seconds = time.perf_counter() - start
    return ModelResult(name, evaluate(won, p), bootstrap_auc_interval(won, p), seconds,
                       recalibration_check(won, p), base_rate_log_loss(won, prior), detail)


def fit_ours(prepared: Prepared, seed: int | None = None) -> tuple[np.ndarray, str]:
    """The production path's holdout probabilities, and what it chose (the job's seed unless given)."""
    profile, refusals, split = prepared.profile, prepared.refusals, prepared.split
    options = prepared.options if seed is None else replace(prepared.options, seed=seed)
    features = usable_features(profile, refusals)
    selection = choose_model(profile.training, features, split, options.budget, options.seed)
    estimator = fit_estimator(profile, refusals, split, options, selection)
    detail = f"chosen {estimator.kind}, {estimator.trees} trees"
    if estimator.linear_c_ is not None:
        detail += f", C={estimator.linear_c_:g}"
    detail += f", {estimator.calibration} calibration; search {selection.seconds:.0f} s: {selection.reason}"
    return estimator.predict_proba(split.holdout.frame), detail


# --- reporting ----------------------------------------------------------------------------------------

COLUMNS = ("model", "ROC AUC", "range over repeats", "PR AUC", "Brier", "ECE", "log loss", "top-decile lift",
           "fit s", "ECE newest half", "after recalibration")


def cells(runs: Sequence[ModelResult], goal: Summary) -> list[str]:
    """One table row: each figure's mean over the repeats (the goal's figures from its summary), and the ROC
    AUC's range."""
    mean = {k: float(np.mean([getattr(r.metrics, k) for r in runs])) for k in ("pr_auc", "brier", "top_decile_lift")}
    recal = {k: [r.recalibration.get(k) for r in runs] for k in ("ece_before", "ece_after")}
    low, high = goal.auc_range
    return [runs[0].name, f"{goal.roc_auc:.3f}", f"{low:.3f}-{high:.3f}", f"{mean['pr_auc']:.3f}",
            f"{mean['brier']:.4f}", f"{goal.ece:.3f}", f"{goal.log_loss:.4f}", f"{mean['top_decile_lift']:.2f}",
            f"{np.mean([r.fit_seconds for r in runs]):.1f}", _fig(recal["ece_before"]), _fig(recal["ece_after"])]


def _fig(values: Sequence[Any]) -> str:
    present = [float(v) for v in values if v is not None]
    return f"{np.mean(present):.3f}" if present else "-"


def summary(result: SetResult) -> str:
    """One line on the split and the verdict of our model."""
    rows, rates = result.rows(), result.rates()
    ours, base = result.summaries()[OURS], result.models[OURS][0].base_log_loss
    verdict = "predictive" if ours.signal else ("no predictive signal (the AUC interval contains 0.5, or the log loss "
                                                f"is no better than the base rate's {base:.4f})")
    return (f"{rows['train']:,} training rows (positive rate {rates['train']:.1%}), {rows['holdout']:,} holdout rows "
            f"({rates['holdout']:.1%}); holdout from {result.split.holdout.time.min()}; our model: {verdict}")


def details(runs: Sequence[ModelResult]) -> str:
    return " / ".join(f"{i + 1}: {r.detail}" for i, r in enumerate(runs)) if len(runs) > 1 else runs[0].detail


def print_set(result: SetResult, console: Console) -> None:
    repeats = len(result.models[OURS])
    table = Table(title=f"{result.profile.name}: holdout figures (newest {HOLDOUT:.0%}), means over {repeats} repeats")
    for column in COLUMNS:
        table.add_column(column, justify="left" if column == "model" else "right")
    summaries = result.summaries()
    for name, runs in result.models.items():
        table.add_row(*cells(runs, summaries[name]))
    console.print(table)
    console.print(summary(result))
    console.print("ours: " + details(result.models[OURS]))
    console.print("goal: " + result.verdict()[1], style="bold")


def markdown(results: Sequence[SetResult]) -> str:
    """The report: one table per history, with the split, the refused features and the goal's verdict."""
    lines = ["# Quality benchmark on real histories", "",
             "Generated by `make benchmark-quality` (`benchmarks/quality.py`). Every model learns from the oldest "
             f"{1 - HOLDOUT:.0%} of closed leads and is scored on the newest {HOLDOUT:.0%} (the same rows for all). "
             "Each figure is the mean over the repeats (our path: seeds 7, 8, ...; the peers: seeds 0, 1, ... and, "
             "after the first, the fields in a shuffled order). "
             "ECE uses 10 equal-count bins. *ECE newest half* is the ECE on the newest half of the holdout as "
             "scored; *after recalibration* is the same rows after a Platt refit on the holdout's older half. "
             "Fit seconds are wall time on a shared 2-core machine.", ""]
    for result in results:
        lines += [f"## {result.profile.name}", "", summary(result) + ".", "",
                  f"Goal: {result.verdict()[1]}.", "",
                  f"Features used: {len(result.features)}; refused by the guard: "
                  f"{', '.join(result.refused) or 'none'}; known after the outcome: "
                  f"{', '.join(c.column for c in result.profile.known_after_outcome) or 'none'}.", "",
                  "| " + " | ".join(COLUMNS) + " | detail |", "|" + "---|" * (len(COLUMNS) + 1)]
        summaries = result.summaries()
        lines += ["| " + " | ".join(cells(runs, summaries[name])) + f" | {details(runs)} |"
                  for name, runs in result.models.items()]
        lines.append("")
    return "\n".join(lines)


def log_set(result: SetResult) -> None:
    """One MLflow run for the history, with the goal's verdict, and one nested run per model and repeat."""
    met, why = result.verdict()
    with mlflow.start_run(run_name=result.profile.name):
        mlflow.log_params({"profile": result.profile.name, "holdout": HOLDOUT, "repeats": len(result.models[OURS]),
                           **{f"rows_{k}": v for k, v in result.rows().items()}})
        mlflow.set_tags({"goal_met": str(met).lower(), "goal": why[:5000]})
        mlflow.log_metrics({f"positive_rate_{k}": v for k, v in result.rates().items()})
        for runs in result.models.values():
            for repeat, model in enumerate(runs):
                with mlflow.start_run(run_name=model.name, nested=True):
                    mlflow.log_params({"detail": model.detail[:6000], "repeat": repeat})
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
    repeats: Annotated[int, typer.Option(min=1, help="Runs of every model (other seeds, field orders).")] = REPEATS,
) -> None:
    """Benchmark the production path against its peers on each history."""
    # scikit-learn 1.9 announces API changes of LogisticRegressionCV on every baseline fit
    warnings.filterwarnings("ignore", category=FutureWarning, module="sklearn")
    console = Console(width=180)  # the figures table is wide; a pipe or CI log would cut it at 80 columns
    use_experiment(tracking_uri(), EXPERIMENT)
    results = []
    for path in profile or PROFILES:
        result = run_set(path, console, repeats)
        print_set(result, console)
        log_set(result)
        results.append(result)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(markdown(results), encoding="utf-8")
    console.print(f"wrote {report}")


if __name__ == "__main__":
    app()
