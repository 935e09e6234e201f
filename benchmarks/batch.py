"""Batch scoring benchmark: leads/s in this process and on Spark (local[2]), with and without reasons.

One run: train a champion on the demo history into a temporary store, write `--rows` demo leads (a
million by default) and score them all, graded with the demo agreement, into the structured columns:
- in process, one core: `Scorer.score_many` and `batch_columns.columns_of` on batches of 10,000 (what the
  pyfunc does with each Arrow batch Spark hands it);
- on Spark: `models.spark_batch.score_leads` from a pandas frame to a pandas frame, so the figure includes
  moving the leads into Spark and the scores back; a warm-up batch first starts the session and the workers;
- on Spark from Parquet to Parquet (the leads as loaded, written once): no pandas frame on the driver.
Run: `make bench-batch` (or `python -m benchmarks.batch --rows 100000`).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Annotated, Any, cast

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from features.demo import write_demo
from features.profile import load_profile
from features.source import load_history
from models.agreement import load_agreement
from models.batch_columns import columns_of
from models.registry import Registry
from models.scoring import Scorer, freeze_loaded_objects
from models.spark_batch import score_leads
from models.spark_session import DEFAULT_MASTER, spark_session
from training.job import TrainOptions, run_training
from training.steps import Steps

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "profiles" / "demo.yaml"
AGREEMENT = ROOT / "agreements" / "demo.yaml"
BATCH = 10_000
WARM_UP = 10_000

console = Console(width=150)
app = typer.Typer(add_completion=False)


def in_process(scorer: Scorer, leads: pd.DataFrame, reasons: int) -> float:
    """Seconds to score every lead in this process, batch by batch."""
    records = cast("list[dict[str, Any]]", leads.to_dict("records"))
    start = time.perf_counter()
    for first in range(0, len(records), BATCH):
        scores = scorer.score_many(records[first:first + BATCH], explain=reasons > 0, suggest=False)
        columns_of(scores, scorer.agreement, most=reasons)
    return time.perf_counter() - start


def on_spark(session: Any, uri: str, tracking: str, leads: pd.DataFrame, agreement: str, reasons: int) -> float:
    """Seconds to score every lead on Spark, pandas in and pandas out."""
    score_leads(leads.head(WARM_UP), uri, agreement, spark=session, tracking_uri=tracking, reasons=reasons)
    start = time.perf_counter()
    scored = score_leads(leads, uri, agreement, spark=session, tracking_uri=tracking, reasons=reasons)
    took = time.perf_counter() - start
    assert len(scored) == len(leads)
    return took


def parquet_to_parquet(session: Any, uri: str, tracking: str, leads: Path, out: Path, agreement: str,
                       reasons: int) -> float:
    """Seconds for Spark to read the leads from Parquet, score them and write the scores to Parquet: no
    pandas frame on the driver, as a nightly job on a cluster would run."""
    start = time.perf_counter()
    frame = session.read.parquet(str(leads))
    # one Parquet file reads as one partition: spread over the session's cores
    scored = score_leads(frame, uri, agreement, keep=["lead_id"], spark=session, tracking_uri=tracking,
                         reasons=reasons, partitions=session.sparkContext.defaultParallelism)
    scored.write.mode("overwrite").parquet(str(out))
    return time.perf_counter() - start


@app.command()
def main(
    rows: Annotated[int, typer.Option(min=WARM_UP, help="Demo leads to score.")] = 1_000_000,
    master: Annotated[str, typer.Option(help="Spark master.")] = DEFAULT_MASTER,
) -> None:
    """Print leads/s for in-process and Spark batch scoring, with and without reasons."""
    profile = load_profile(PROFILE)
    with tempfile.TemporaryDirectory(prefix="leadscore-bench-batch-") as tmp:
        folder = Path(tmp)
        tracking = f"sqlite:///{folder / 'mlflow.db'}"
        console.print("training a champion on 20,000 demo leads")
        trained = run_training(TrainOptions(profile=PROFILE, data=write_demo(folder / "train.parquet"),
                                            tracking_uri=tracking), Steps(Console(quiet=True)))
        console.print(f"writing {rows:,} demo leads to score")
        leads = load_history(profile, write_demo(folder / "leads.parquet", rows=rows, seed=11)).frame
        model = Registry(tracking, profile.registered_model).load(trained.version)
        scorer = Scorer(model, load_agreement(AGREEMENT, profile), profile)
        freeze_loaded_objects()
        session = spark_session(master)
        uri, agreement = f"models:/{profile.registered_model}/{trained.version}", AGREEMENT.read_text("utf-8")
        table = Table(title=f"batch scoring, {rows:,} demo leads graded with the demo agreement")
        for column in ("engine", "reasons", "seconds", "leads/s"):
            table.add_column(column, justify="left" if column == "engine" else "right")
        typed = folder / "typed.parquet"
        leads[["lead_id", *profile.lead_fields]].to_parquet(typed, index=False)
        for reasons in (0, 3):
            for engine, took in (
                    ("in process (1 core)", in_process(scorer, leads, reasons)),
                    (f"Spark {master}, pandas in and out", on_spark(session, uri, tracking, leads, agreement, reasons)),
                    (f"Spark {master}, Parquet in and out",
                     parquet_to_parquet(session, uri, tracking, typed, folder / "scores", agreement, reasons))):
                table.add_row(engine, "none" if reasons == 0 else f"top {reasons} each way", f"{took:.1f}",
                              f"{rows / took:,.0f}")
                console.print(f"{engine}, reasons {reasons}: {rows / took:,.0f} leads/s")
        session.stop()
    console.print(table)


if __name__ == "__main__":
    app()
