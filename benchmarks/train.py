"""Training benchmark: wall time and peak memory of `make train`'s path on demo histories of two sizes.

Each size runs in its own process so its peak memory (ru_maxrss) is its own.
Run: `make bench-train` (or `python -m benchmarks.train [--rows 20000 --rows 1000000]`).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {20_000: (60.0, None), 1_000_000: (180.0, 6144.0)}  # seconds, MB

app = typer.Typer(add_completion=False)


def measure(rows: int) -> dict[str, Any]:
    """Generate a demo history and train on it in this process; report times and peak memory."""
    from features.demo import write_demo
    from training.job import TrainOptions, run_training
    from training.steps import Steps

    with tempfile.TemporaryDirectory(prefix="leadscore-bench-") as tmp:
        start = time.perf_counter()
        data = write_demo(Path(tmp) / "leads.parquet", rows=rows)
        generated = time.perf_counter() - start
        start = time.perf_counter()
        result = run_training(TrainOptions(profile=ROOT / "profiles" / "demo.yaml", data=data,
                                           tracking_uri=f"sqlite:///{tmp}/mlflow.db"), Steps(Console(quiet=True)))
        trained = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    metrics = result.card["metrics"]
    return {"rows": rows, "generate_s": round(generated, 1), "train_s": round(trained, 1),
            "peak_mb": round(peak_mb), "roc_auc": round(metrics["model"]["roc_auc"], 4),
            "baseline_auc": round(metrics["baseline"]["roc_auc"], 4), "ece": round(metrics["model"]["ece"], 4),
            "trees": result.card["model"]["trees"], "model": result.card["model"]["candidate"]["name"],
            **{f"step_{k}_s": v for k, v in result.card["timings_seconds"].items()}}


def run_child(rows: int) -> dict[str, Any]:
    """One size in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.train", "--child", str(rows)], cwd=ROOT,
                         capture_output=True, text=True, check=True, env={**os.environ})
    return json.loads(out.stdout.strip().splitlines()[-1])


@app.command()
def main(rows: Annotated[list[int] | None, typer.Option("--rows")] = None,
         child: Annotated[int | None, typer.Option(hidden=True)] = None) -> None:
    """Print wall time and peak memory per history size, against the targets."""
    if child is not None:
        print(json.dumps(measure(child)))
        return
    console = Console(width=140)
    table = Table(title=f"make train path on demo histories ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})")
    for column in ("leads", "generate s", "train s", "peak MB", "target", "model", "trees", "ROC AUC",
                   "baseline AUC", "ECE"):
        table.add_column(column, justify="right")
    for size in rows or list(TARGETS):
        r = run_child(size)
        seconds, megabytes = TARGETS.get(size, (None, None))
        limits = [f"<{seconds:.0f} s" if seconds else "", f"<{megabytes:.0f} MB" if megabytes else ""]
        target = " ".join(filter(None, limits))
        table.add_row(f"{size:,}", str(r["generate_s"]), str(r["train_s"]), str(r["peak_mb"]), target or "-",
                      str(r["model"]), str(r["trees"]), str(r["roc_auc"]), str(r["baseline_auc"]), str(r["ece"]))
        console.print({k: v for k, v in r.items() if k.startswith("step_")}, f"({size:,} leads)")
    console.print(table)


if __name__ == "__main__":
    app()
