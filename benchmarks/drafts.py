"""Drafted against hand-written profiles: each real history drafted from its raw files, then both trained.

For each shared history, `leadscore profile draft` runs on the raw files naming only the outcome column
and the join keys; the unedited draft and the hand-written profile then go through the production training
path (the same split, screening, model choice and fit as `make train`) and are judged on the same newest
20 % of closed leads.

Run: `make benchmark-drafts` (or `python -m benchmarks.drafts [--name xeducation ...]`).
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sklearn.metrics import roc_auc_score

from benchmarks.quality import fit_ours, prepare
from features.drafting.draft import Request, redraft
from features.drafting.reading import JoinSpec
from features.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("LEADSCORE_SHARED_DATA") or ROOT.parent / "shared" / "data")


@dataclass(frozen=True)
class RealExport:
    """A shared history as its raw files, and what a user names when drafting from them."""

    profile: str
    file: str
    outcome: str
    joins: tuple[tuple[str, str], ...] = ()

    def request(self, out: Path, data: Path = DATA) -> Request:
        return Request(path=data / self.file, joins=[JoinSpec(data / p, key) for p, key in self.joins],
                       outcome=self.outcome, out=out)


REAL_EXPORTS = {
    "xeducation": RealExport("xeducation", "xeducation-leads/Leads.csv", "Converted"),
    "bank-marketing": RealExport("bank-marketing", "bank-marketing/bank-additional-full.csv", "y"),
    "maven-crm": RealExport("maven-crm", "maven-crm/sales_pipeline.csv", "deal_stage",
                            (("maven-crm/accounts.csv", "account"), ("maven-crm/products.csv", "product"),
                             ("maven-crm/sales_teams.csv", "sales_agent"))),
}

app = typer.Typer(add_completion=False)


def draft_to(export: RealExport, folder: Path) -> Path:
    """The unedited draft of one export, written as the command writes it."""
    out = folder / f"{export.profile}-draft.yaml"
    out.write_text(redraft(export.request(out)).text, encoding="utf-8")
    return out


def holdout_auc(path: Path) -> tuple[float, str, float]:
    """Holdout ROC AUC of the production path on a profile, what it chose, and the seconds it took."""
    start = time.perf_counter()
    prepared = prepare(path)
    probabilities, detail = fit_ours(prepared)
    return float(roc_auc_score(prepared.split.holdout.won, probabilities)), detail, time.perf_counter() - start


@app.command()
def main(name: Annotated[list[str] | None, typer.Option(help="Histories to run (default: all three).")] = None) -> None:
    """Print hand-written against drafted holdout AUC for each shared history."""
    console = Console()
    table = Table(title="hand-written profile against the unedited draft (production path, newest 20 % held out)")
    for column in ("history", "hand-written AUC", "drafted AUC", "difference", "drafted features", "seconds"):
        table.add_column(column, justify="left" if column == "history" else "right")
    with tempfile.TemporaryDirectory() as folder:
        for key in name or list(REAL_EXPORTS):
            export = REAL_EXPORTS[key]
            drafted = draft_to(export, Path(folder))
            hand, hand_detail, hand_seconds = holdout_auc(ROOT / "profiles" / f"{export.profile}.yaml")
            ours, ours_detail, ours_seconds = holdout_auc(drafted)
            features = len(load_profile(drafted).features)
            table.add_row(key, f"{hand:.3f}", f"{ours:.3f}", f"{ours - hand:+.3f}", str(features),
                          f"{hand_seconds:.0f} + {ours_seconds:.0f}")
            console.print(f"{key}: hand-written {hand_detail}\n{key}: drafted {ours_detail}", style="dim")
    console.print(table)


if __name__ == "__main__":
    app()
