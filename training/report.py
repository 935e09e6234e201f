"""Console report of a training run: the gate's decision with both sets of figures."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from training.gate import Contender
from training.job import TrainResult

FIGURES = ("roc_auc", "pr_auc", "brier", "ece", "log_loss", "top_decile_lift")


def print_result(result: TrainResult, console: Console | None = None) -> None:
    """Model vs baseline vs champion on the holdout, then the decision."""
    console = console or Console()
    card = result.card
    print_selection(card.get("selection"), console)
    table = Table(title=f"{card['registered_model']} version {result.version}: holdout figures")
    table.add_column("metric")
    for column in ("model", "logistic baseline", "champion (same holdout)"):
        table.add_column(column, justify="right")
    for name in FIGURES:
        table.add_row(name, _fig(card["metrics"]["model"][name]), _fig(card["metrics"]["baseline"][name]),
                      _champion(result.champion, name))
    console.print(table)
    console.print(f"verdict: {card['verdict']}")
    for refusal in card["features_refused"]:
        console.print(f"refused feature {refusal['feature']}: {refusal['reason']}")
    alias = "@champion" if result.decision.promote else "@challenger"
    console.print(f"[bold]decision:[/bold] version {result.version} -> {alias}: {result.decision.reason}")


def print_selection(selection: dict[str, Any] | None, console: Console, shown: int = 5) -> None:
    """The best candidates of the out-of-time search, the choice and what the budget cut."""
    if not selection:
        return
    table = Table(title="model search on rolling origins (pre-holdout window; lower log loss is better)")
    for column in ("candidate", "calibration", "mean log loss", "mean ROC AUC", "search s"):
        table.add_column(column, justify="left" if column in ("candidate", "calibration") else "right")
    for row in sorted(selection["candidates"], key=lambda r: r["mean_log_loss"])[:shown]:
        table.add_row(row["candidate"], row["calibration"], f"{row['mean_log_loss']:.4f}",
                      f"{row['mean_roc_auc']:.4f}", f"{row['search_seconds']:.1f}")
    console.print(table)
    console.print(f"chosen: {selection['chosen']['name']} with {selection['calibration']} calibration: "
                  f"{selection['reason']}")
    if selection["profile_overrides"]:
        console.print(f"profile override: {selection['profile_overrides']}")
    if selection["cut_by_budget"]:
        console.print(f"cut by the time budget: {', '.join(selection['cut_by_budget'])}")
    for why in selection.get("left_out", []):  # cards logged before the field have none
        console.print(f"left out: {why}")
    for warning in selection.get("warnings", []):
        console.print(f"[bold]warning:[/bold] {warning}")


def _fig(value: float) -> str:
    return f"{value:.4f}"


def _champion(champion: Contender | None, name: str) -> str:
    return "-" if champion is None else _fig(getattr(champion.metrics, name))
