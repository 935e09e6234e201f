"""Console report of a training run: the gate's decision with both sets of figures."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from training.gate import Contender
from training.job import TrainResult

FIGURES = ("roc_auc", "pr_auc", "brier", "ece", "log_loss", "top_decile_lift")


def print_result(result: TrainResult, console: Console | None = None) -> None:
    """Model vs baseline vs champion on the holdout, then the decision."""
    console = console or Console()
    card = result.card
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


def _fig(value: float) -> str:
    return f"{value:.4f}"


def _champion(champion: Contender | None, name: str) -> str:
    return "-" if champion is None else _fig(getattr(champion.metrics, name))
