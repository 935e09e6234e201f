"""Rescore benchmark: how long `leadscore rescore` takes to put a store of demo leads on a new champion.

One run: a champion (trained into a temporary store when MLFLOW_TRACKING_URI has none), a lead store filled
with `--leads` demo leads logged as scored by an earlier model, then the rescoring timed end to end (reading
the stale scores, scoring with reasons, committing a batch at a time, renewing the lease). Beside it, in the
same run, the scoring alone (`Scorer.score_many` with reasons on the same leads), so the store's share of the
time can be read off. SQLite in a temporary folder always; PostgreSQL too when `--postgres URL` is given (a
schema of its own, dropped afterwards).
Run: `make bench-rescore` (or `python -m benchmarks.rescore --leads 20000 --postgres postgresql+psycopg://...`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
import time
import uuid
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.table import Table

from benchmarks.serve import PROFILE, champion_store, demo_leads

app = typer.Typer(add_completion=False)
console = Console()
AGREEMENT = Path("agreements/demo.yaml")


def scorer_for(uri: str) -> Any:
    from features.profile import load_profile
    from models.agreement import load_agreement
    from models.registry import CHAMPION, Registry
    from models.scoring import Scorer, freeze_loaded_objects

    profile = load_profile(PROFILE)
    model = Registry(uri, profile.registered_model).load_alias(CHAMPION)
    assert model is not None
    scorer = Scorer(model, load_agreement(AGREEMENT, profile), profile)
    freeze_loaded_objects()
    return scorer


def filled_store(url: str, scorer: Any, leads: list[dict[str, Any]]) -> Any:
    """A store holding every lead, logged as scored by an earlier model and agreement."""
    from serving.scorelog import ScoreLog
    from serving.store.database import LeadStore
    from serving.store.scores import add_scores

    store = LeadStore(url)
    log = ScoreLog(store, scorer.profile)
    now = dt.datetime.now(dt.UTC)
    for start in range(0, len(leads), 5_000):
        part = [{**lead, "lead_id": f"B-{start + i}"} for i, lead in enumerate(leads[start:start + 5_000])]
        records = log.records(scorer, part, scorer.score_many(part), now)
        add_scores(store, [dataclasses.replace(r, model_version="earlier/0", agreement_sha256="0" * 64)
                           for r in records])
    return store


def timed_rescore(store: Any, scorer: Any, batch: int) -> tuple[float, int]:
    from serving.rescore import Rescoring, in_process
    from serving.scorelog import ScoreLog

    start = time.perf_counter()
    run = Rescoring(store, scorer, in_process(ScoreLog(store, scorer.profile)), batch=batch).run()
    return time.perf_counter() - start, run.rescored


def scoring_alone(scorer: Any, leads: list[dict[str, Any]]) -> float:
    from serving.scorelog import ScoreLog
    from serving.store.database import LeadStore

    log = ScoreLog(LeadStore("sqlite://"), scorer.profile)  # records are built, never written
    start = time.perf_counter()
    for begin in range(0, len(leads), 2_000):
        part = leads[begin:begin + 2_000]
        log.records(scorer, part, scorer.score_many(part), dt.datetime.now(dt.UTC))
    return time.perf_counter() - start


def postgres_schema(server: str) -> tuple[str, Any]:
    name = f"bench_rescore_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    url = sa.make_url(server).update_query_dict({"options": f"-csearch_path={name}"})

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()
    return url.render_as_string(hide_password=False), drop


@app.command()
def main(leads: Annotated[int, typer.Option(min=100, help="Demo leads in the store.")] = 20_000,
         batch: Annotated[int, typer.Option(min=1, help="Leads per committed batch.")] = 2_000,
         postgres: Annotated[str | None, typer.Option(help="A PostgreSQL server URL to measure too.")] = None) -> None:
    """Time the rescoring of a store of demo leads, and the scoring alone, in one run."""
    from models.tracking import tracking_uri

    with tempfile.TemporaryDirectory(prefix="leadscore-bench-rescore-") as folder:
        tmp = Path(folder)
        scorer = scorer_for(champion_store(tracking_uri(), tmp))
        rows = demo_leads(leads, tmp)
        alone = scoring_alone(scorer, rows)
        table = Table(title=f"rescoring {leads:,} open demo leads onto {scorer.model.label}, batches of {batch:,}")
        for column in ("store", "seconds", "leads/s", "share of time scoring"):
            table.add_column(column, justify="right")
        table.add_row("(scoring alone)", f"{alone:.1f}", f"{leads / alone:,.0f}", "100 %")
        targets = [("SQLite", f"sqlite:///{tmp / 'leads.db'}", None)]
        if postgres:
            targets.append(("PostgreSQL", *postgres_schema(postgres)))
        for name, url, drop in targets:
            store = filled_store(url, scorer, rows)
            seconds, rescored = timed_rescore(store, scorer, batch)
            assert rescored == leads, f"{name}: rescored {rescored} of {leads}"
            table.add_row(name, f"{seconds:.1f}", f"{leads / seconds:,.0f}", f"{100 * alone / seconds:.0f} %")
            store.close()
            if drop:
                drop()
    console.print(table)


if __name__ == "__main__":
    app()
