"""The `leadscore` command: train, inspect the champion, make demo data."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.console import err, fail
from cli.reports import agreement_impact, report
from features.profile import ProfileError, load_profile
from features.source import HistoryError
from models.propensity import ModelLoadError
from models.registry import CHAMPION, Registry, RegistryError
from models.tracking import tracking_uri

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
    agreement: Annotated[Path | None, typer.Option(help="Agreement whose grade thresholds band the report.")] = None,
    force: Annotated[bool, typer.Option(help="Promote to champion even if the gate says no (recorded).")] = False,
) -> None:
    """Train on a profile's history, register the model, promote it through the gate."""
    from training.job import TrainOptions, run_training
    from training.report import print_result

    try:
        grades = _grades(agreement, profile) if agreement else None
        options = TrainOptions(profile=profile, data=data, holdout=holdout, holdout_from=holdout_from,
                               grades=grades, force=force)
        result = run_training(options)
    except USER_ERRORS as exc:
        fail(str(exc))
    print_result(result)


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


# The closed-loop commands live in cli/reports.py.
app.command("agreement-impact")(agreement_impact)
app.command("report")(report)
