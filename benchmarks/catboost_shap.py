"""CatBoost explanations: the leaf table (models/catboost_shap.py) against CatBoost's own SHAP values.

Fits a CatBoost model on the demo history the way training does, then times both on the same leads in this
process, taking turns so that a change in the machine's speed touches both alike: one lead at a time (what
a seller's page and the scoring API ask for) and batches of 10,000. It also prints how far apart the two
are, which is rounding where no empty leaf of the model carries a value.
Run: `python -m benchmarks.catboost_shap [--leads 500]`.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
BATCH = 10_000
app = typer.Typer(add_completion=False)


def timings(calls: Mapping[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Seconds of each call, `rounds` times each, the calls taking turns."""
    out: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            out[name].append(time.perf_counter() - start)
    return out


@app.command()
def main(leads: Annotated[int, typer.Option(help="single leads timed for each")] = 500) -> None:
    import pandas as pd

    from features.demo.writer import write_demo
    from features.profile import load_profile
    from models.families import Candidate, Recipe
    from models.parts import CatBoostPart, catboost_threads
    from models.propensity import PropensityEstimator

    console = Console(width=120)
    profile = load_profile(ROOT / "profiles" / "demo.yaml")
    with tempfile.TemporaryDirectory(prefix="leadscore-bench-") as tmp:
        leads_file = pd.read_parquet(write_demo(Path(tmp) / "leads.parquet"))
    history = leads_file[leads_file["outcome"] != "open"].sort_values("created_at", kind="stable")
    history = history.reset_index(drop=True)
    won = (history["outcome"] == "won").to_numpy(dtype=float)
    cut = int(len(history) * 0.8)
    start = time.perf_counter()
    estimator = PropensityEstimator(profile.features, Candidate.of(Recipe("catboost"))).fit(
        history.iloc[:cut], won[:cut], history.iloc[cut:], won[cut:])
    part = estimator.parts_[0][1]
    assert isinstance(part, CatBoostPart)
    console.print(f"CatBoost on {len(history):,} demo leads: {part.trees} trees, fitted in "
                  f"{time.perf_counter() - start:.1f} s")
    x = estimator.encoder_.transform(history)
    batch = x[np.arange(BATCH) % len(x)]

    def catboost_own(rows: np.ndarray) -> np.ndarray:
        return np.asarray(part.model.get_feature_importance(part.pool(rows), type="ShapValues",
                                                            thread_count=catboost_threads(rows)))

    apart = float(np.abs(part.contributions(x[:2000]) - catboost_own(x[:2000])).max())
    table = Table(title="CatBoost explanations in one process, taking turns")
    for column in ("", "p50 ms", "p99 ms", "leads/s", "× CatBoost's SHAP"):
        table.add_column(column, justify="right" if column else "left")
    single: dict[str, list[float]] = {"leaf table": [], "CatBoost's SHAP": []}
    for lead in x[np.arange(leads) % len(x), None]:
        one = {"leaf table": lambda lead=lead: part.contributions(lead),
               "CatBoost's SHAP": lambda lead=lead: catboost_own(lead)}
        for name, seconds in timings(one, 1).items():
            single[name] += seconds
    many = timings({"leaf table": lambda: part.contributions(batch), "CatBoost's SHAP": lambda: catboost_own(batch)}, 3)
    for label, figures, rows in (("one lead", single, 1), (f"{BATCH:,} leads", many, BATCH)):
        base = float(np.median(figures["CatBoost's SHAP"]))
        for name, seconds in figures.items():
            p50, p99 = (float(np.percentile(seconds, q)) for q in (50, 99))
            table.add_row(f"{label}: {name}", f"{p50 * 1e3:.3f}", f"{p99 * 1e3:.3f}", f"{rows / p50:,.0f}",
                          f"{base / p50:.1f}")
    console.print(table)
    values, weights = np.asarray(part.model.get_leaf_values()), np.asarray(part.model.get_leaf_weights())
    valued = int(np.sum((weights == 0) & (np.abs(values) > 1e-9)))
    console.print(f"largest difference from CatBoost's own values on a batch of 2,000 leads: {apart:.2e} "
                  f"({valued} of the {len(values):,} leaves are empty and carry a value; CatBoost then adds the "
                  "batch's leaf counts to the training weights)")


if __name__ == "__main__":
    app()
