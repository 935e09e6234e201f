"""The `leadscore` command: train, inspect the champion, score open leads, make demo data."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import pandas as pd
import typer

from cli.batch import Engine, SparkEngine, spark_scores
from cli.console import err, fail
from cli.profiles import profiles
from cli.reports import agreement_impact, report
from cli.rescore import rescore
from cli.translations import check_translations
from cli.weekly import weekly
from features.profile import FeatureKind, Profile, ProfileError, load_profile
from features.source import HistoryError
from features.values import EPOCH
from models.propensity import ModelLoadError
from models.registry import CHAMPION, Registry, RegistryError
from models.spark_session import DEFAULT_MASTER
from models.tracking import tracking_uri

if TYPE_CHECKING:
    from models.agreement import Agreement
    from models.scoring import Score
    from serving.language.wording import Wording

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Lead prioritisation: train, inspect, score.")
USER_ERRORS = (ProfileError, HistoryError, ModelLoadError, RegistryError, ValueError)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="File to write (.parquet or .csv).")] = Path("data/demo/leads.parquet"),
    rows: Annotated[int, typer.Option(min=100, help="Number of leads.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same history).")] = 7,
) -> None:
    """Write the built-in demo history (24 months of B2B leads)."""
    from features.demo import write_demo

    path = write_demo(out, rows=rows, seed=seed)
    err.print(f"wrote {rows:,} demo leads to {path}")


@app.command()
def train(
    profile: Annotated[Path, typer.Option(help="Dataset profile (YAML).")],
    data: Annotated[Path | None, typer.Option(help="History file instead of the profile's source.")] = None,
    holdout: Annotated[float, typer.Option(help="Newest share of closed leads kept as holdout.")] = 0.2,
    holdout_from: Annotated[str | None, typer.Option(help="Holdout starts at this lead time instead.")] = None,
    agreement: Annotated[Path | None, typer.Option(help="Agreement whose grade thresholds band the report; "
                                                   "logged with the model, which grades with it unless given "
                                                   "another.")] = None,
    force: Annotated[bool, typer.Option(help="Promote to champion even if the gate says no (recorded).")] = False,
    budget: Annotated[float | None, typer.Option(min=1, help="Seconds the model search may take; the model card "
                                                 "lists the candidates it cut.")] = None,
) -> None:
    """Train on a profile's history, register the model, promote it through the gate."""
    from training.job import TrainOptions, run_training
    from training.report import print_result

    try:
        grades = _grades(agreement, profile) if agreement else None
        options = TrainOptions(profile=profile, data=data, holdout=holdout, holdout_from=holdout_from,
                               grades=grades, agreement=agreement, force=force, budget=budget)
        result = run_training(options)
    except USER_ERRORS as exc:
        fail(str(exc))
    print_result(result)
    if result.decision.promote:
        _rescore_after_promotion(profile)


def _rescore_after_promotion(profile: Path) -> None:
    # A new champion regrades the seller's queue now, not lead by lead as each happens to be scored again.
    from cli.rescore import FAILURES, report, rescore_store, serves, service_settings, store_configured

    settings = service_settings()
    trained = load_profile(profile)
    if not store_configured(settings) or not serves(settings, trained):
        return
    try:
        report(rescore_store(settings, trained))
    except FAILURES as exc:
        fail(f"the new champion is registered, but rescoring the lead store failed: {exc}")


def _grades(agreement: Path, profile: Path) -> dict[str, float]:
    from models.agreement import load_agreement

    return dict(load_agreement(agreement, load_profile(profile)).grades)


@app.command()
def model(
    profile: Annotated[Path, typer.Option(help="Dataset profile (YAML).")] = Path("profiles/demo.yaml"),
    alias: Annotated[str, typer.Option(help="Registry alias.")] = CHAMPION,
) -> None:
    """Print the card of the model an alias points at, as JSON."""
    try:
        registry = Registry(tracking_uri(), load_profile(profile).registered_model)
        loaded = registry.load_alias(alias)
    except USER_ERRORS as exc:
        fail(str(exc))
    if loaded is None:
        fail(f"no @{alias} for {registry.name} in {registry.tracking_uri}: run `make train`")
    payload = {"name": loaded.name, "version": loaded.version, "alias": alias,
               "tags": registry.version_tags(loaded.version), "card": loaded.card}
    json.dump(payload, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


SCORE_COLUMNS = ["probability", "score", "model_grade", "grade", "label", "disqualified", "deciding_rule", "rules",
                 "reasons", "missing", "explanation"]


@app.command()
def score(
    profile: Annotated[Path, typer.Option(help="Dataset profile (YAML) whose open leads to score.")],
    out: Annotated[Path, typer.Option(help="File to write: .csv or .parquet.")],
    agreement: Annotated[Path | None, typer.Option(help="Agreement to grade with (default bounds A 0.5 / B 0.25 / "
                                                        "C 0.1, no rules).")] = None,
    data: Annotated[Path | None, typer.Option(help="History file instead of the profile's source.")] = None,
    language: Annotated[str, typer.Option(help="Language of the grade labels, reasons and explanations "
                                               "(en, da, nl, pl).")] = "en",
    engine: Annotated[Engine, typer.Option(help="Score in this process, or on Spark through the registered "
                                                "model (needs pyspark and Java 17+).")] = Engine.in_process,
    master: Annotated[str, typer.Option(help="Spark master for --engine spark.")] = DEFAULT_MASTER,
) -> None:
    """Score the open leads of a profile's history with the champion: probability, grade and top reasons."""
    from models.agreement import AgreementError
    from models.spark_session import SparkUnavailable

    if out.suffix not in (".csv", ".parquet"):
        fail(f"--out {out}: write a .csv or .parquet file, not {out.suffix or 'a file without a suffix'}")
    try:
        lead_profile = load_profile(profile)
        graded = _agreement(agreement, lead_profile)
        spark = SparkEngine.of(agreement, master) if engine is Engine.spark else None
        scored = score_open_leads(lead_profile, graded, data, language, spark)
    except (*USER_ERRORS, AgreementError, SparkUnavailable) as exc:
        fail(str(exc))
    out.parent.mkdir(parents=True, exist_ok=True)
    scored.to_parquet(out, index=False) if out.suffix == ".parquet" else scored.to_csv(out, index=False)
    err.print(f"scored {len(scored):,} open leads of {lead_profile.name} into {out}")


def _agreement(path: Path | None, profile: Profile) -> Agreement:
    from models.agreement import DEFAULT_AGREEMENT, load_agreement, parse_agreement

    if path is None:
        return parse_agreement(DEFAULT_AGREEMENT, profile, source="default grade bounds")
    return load_agreement(path, profile)


def score_open_leads(profile: Profile, agreement: Agreement, data: Path | None = None,
                     language: str = "en", spark: SparkEngine | None = None) -> pd.DataFrame:
    """One row per open lead: the id, the calibrated probability, the agreed grade and the reasons (scored in
    this process, or on Spark when `spark` says how)."""
    from features.source import load_history
    from models.scoring import Scorer, freeze_loaded_objects
    from serving.language.wording import Wording

    registry = Registry(tracking_uri(), profile.registered_model)
    champion = registry.load_alias(CHAMPION)
    if champion is None:
        raise RegistryError(f"no @{CHAMPION} for {registry.name} in {registry.tracking_uri}: train it first")
    leads = _as_read(load_history(profile, data).open, profile)
    scorer = Scorer(champion, agreement, profile)
    freeze_loaded_objects()
    if spark is not None:
        scores = spark_scores(spark, champion, scorer, leads, registry.tracking_uri)
    else:  # the columns are the profile's field names, so every record is keyed by str
        scores = scorer.score_many(cast("list[dict[str, Any]]", leads.to_dict("records")))
    wording = Wording(language, profile, agreement)
    rows = [_score_row(item, wording, scorer.signal) for item in scores]
    return pd.DataFrame({profile.id: leads[profile.id].to_numpy(),
                         **{column: [row[column] for row in rows] for column in SCORE_COLUMNS}})


def _as_read(open_leads: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    # The history holds dates as days since 1970; the scorer and the rules read dates.
    leads = open_leads.reset_index(drop=True).copy()
    for feature in profile.features:
        if feature.kind is FeatureKind.date:
            leads[feature.name] = EPOCH + pd.to_timedelta(leads[feature.name], unit="D")
    return leads


def _score_row(item: Score, wording: Wording, signal: bool) -> dict[str, object]:
    decision = item.decision
    reasons = [wording.reason(reason)["sentence"] for reason in item.reasons]
    return {"probability": round(item.probability, 6), "score": item.score, "model_grade": decision.model_grade,
            "grade": decision.grade, "label": wording.label(decision.grade, decision.disqualified),
            "disqualified": decision.disqualified, "deciding_rule": decision.deciding_rule or "",
            "rules": "; ".join(rule.id for rule in decision.fired), "reasons": " ".join(reasons),
            "missing": "; ".join(item.missing), "explanation": " ".join([*wording.heading(decision, signal), *reasons])}


# The closed-loop commands live in cli/reports.py.
app.command("agreement-impact")(agreement_impact)
app.command("report")(report)
app.command("weekly")(weekly)
app.add_typer(profiles, name="profile")
app.command("check-translations")(check_translations)
app.command("rescore")(rescore)
