"""The `rescore` command: every open lead in the lead store put on the champion and the agreement in force."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from cli.batch import Engine
from cli.console import err, fail
from features.profile import Profile, ProfileError, load_profile
from models.propensity import ModelLoadError
from models.registry import CHAMPION, Registry, RegistryError
from models.scoring import Scorer, freeze_loaded_objects
from models.spark_session import SparkUnavailable
from models.tracking import tracking_uri
from serving.agreement_source import AgreementSource, AgreementUnavailable
from serving.champion import incompatibility
from serving.rescore import RescoreRun, Rescoring, in_process, on_spark
from serving.scorelog import ScoreLog
from serving.settings import Settings
from serving.store.database import LeadStore
from serving.store.errors import StoreError

FAILURES = (ProfileError, ModelLoadError, RegistryError, AgreementUnavailable, StoreError, ValueError)


def rescore(
    profile: Annotated[Path | None, typer.Option(help="Dataset profile (YAML); default LEADSCORE_PROFILE.")] = None,
    batch: Annotated[int, typer.Option(min=1, max=100_000, help="Leads per committed batch.")] = 2_000,
    lease_seconds: Annotated[float, typer.Option(min=1, help="How long the run's lease lasts unless renewed; a "
                                                            "killed run's lease frees itself after this.")] = 120.0,
    engine: Annotated[Engine, typer.Option(help="Score in this process, or on Spark (local[2]) through the "
                                               "registered model's pyfunc; give Spark a large --batch.")]
    = Engine.in_process,
) -> None:
    """Rescore every open lead in the lead store with the @champion and the agreement in force.

    The store, the agreement seed file and the data folder are the service's settings (LEADSCORE_STORE_URL,
    LEADSCORE_AGREEMENT, LEADSCORE_DATA_DIR); the registry is MLFLOW_TRACKING_URI.
    """
    settings = service_settings()
    try:
        run = rescore_store(settings, load_profile(profile or settings.profile), batch, lease_seconds,
                            engine=engine)
    except (*FAILURES, SparkUnavailable) as exc:
        fail(str(exc))
    report(run)


def service_settings() -> Settings:
    """The service's settings from the environment; a bad one fails naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        fail("; ".join(_problem(error) for error in exc.errors()))


def _problem(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    name = "LEADSCORE_" + ".".join(map(str, error["loc"])).upper()
    return message if message.startswith(name) else f"{name}: {message}"


def rescore_store(settings: Settings, profile: Profile, batch: int = 2_000, lease_seconds: float = 120.0,
                  show_progress: bool = True, engine: Engine = Engine.in_process) -> RescoreRun:
    """Open the settings' store, build the scorer in force and run the rescoring."""
    store = LeadStore(settings.lead_store_url)
    try:
        scorer, text = scorer_in_force(store, profile, settings)
        log = ScoreLog(store, profile)
        scoring = in_process(log) if engine is Engine.in_process else on_spark(log, text, tracking_uri())
        rescoring = Rescoring(store, scorer, scoring, batch=batch, lease_seconds=lease_seconds)
        if not show_progress:
            return rescoring.run()
        if not err.is_terminal:  # a scheduled run's log: a line per tenth of the way
            return rescoring.run(_lines())
        with _bar() as bar:
            task = bar.add_task("rescoring", total=None)
            return rescoring.run(lambda done, due: bar.update(task, completed=done, total=due))
    finally:
        store.close()


def scorer_in_force(store: LeadStore, profile: Profile, settings: Settings) -> tuple[Scorer, str]:
    """The champion of the profile's registered model with the store's agreement in force, and its text."""
    registry = Registry(tracking_uri(), profile.registered_model)
    champion = registry.load_alias(CHAMPION)
    if champion is None:
        raise RegistryError(f"no @{CHAMPION} for {registry.name} in {registry.tracking_uri}: train it first")
    problem = incompatibility(champion, profile)
    if problem:
        raise RegistryError(problem)
    in_force = AgreementSource(store, profile, settings.agreement, settings.data_dir).load(dt.datetime.now(dt.UTC))
    scorer = Scorer(champion, in_force.agreement, profile)
    freeze_loaded_objects()
    return scorer, in_force.text


def store_configured(settings: Settings) -> bool:
    """Whether a lead store is there to rescore: LEADSCORE_STORE_URL, or the service's SQLite file exists."""
    return settings.store_url is not None or (settings.data_dir / "leads.db").is_file()


def serves(settings: Settings, trained: Profile) -> bool:
    """Whether the service's store holds leads of the trained profile's model (another profile's leads stay)."""
    try:
        return load_profile(settings.profile).registered_model == trained.registered_model
    except ProfileError:
        return False


def report(run: RescoreRun) -> None:
    """One line on how the run ended."""
    if run.status == "held":
        err.print(f"rescoring is already running on {run.holder.holder} (its lease lasts until "
                  f"{run.holder.expires_at:%Y-%m-%d %H:%M:%S} UTC unless renewed): nothing to do here")
        return
    rate = f", {run.rescored / run.seconds:,.0f} leads/s" if run.rescored and run.seconds > 0 else ""
    left = "" if run.open_leads is None else f"; {run.open_leads:,} open leads in the store"
    err.print(f"rescored {run.rescored:,} open leads onto {run.model_version} and agreement "
              f"{run.agreement_version} in {run.seconds:.1f} s{rate}{left}")


def _lines() -> Callable[[int, int], None]:
    shown = [-1]

    def line(done: int, due: int) -> None:
        tenth = 10 * done // due if due else 10
        if tenth > shown[0]:
            shown[0] = tenth
            err.print(f"rescoring: {done:,} of {due:,} due leads done")
    return line


def _bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=err, transient=True)
