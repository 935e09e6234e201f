"""The `profile` commands: draft a dataset profile from a raw CRM export."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cli.console import err, fail
from features.drafting.draft import Request, redraft
from features.drafting.reading import DraftError, JoinSpec

profiles = typer.Typer(add_completion=False, no_args_is_help=True, help="Dataset profiles.")


@profiles.command()
def draft(
    path: Annotated[Path | None, typer.Argument(help="The export: a CSV or Parquet file.")] = None,
    join: Annotated[list[Path] | None, typer.Option(help="A table to join onto the leads (repeat; pair each with "
                                                         "--on).")] = None,
    on: Annotated[list[str] | None, typer.Option(help="The key of the --join in the same place (LEFT=RIGHT when "
                                                     "the table names it otherwise).")] = None,
    outcome: Annotated[str | None, typer.Option(help="The outcome column (or matched:<join file name> for 'won "
                                                     "when the lead is in that table').")] = None,
    lead_id: Annotated[str | None, typer.Option("--id", help="The lead id column, when two could be.")] = None,
    url: Annotated[str | None, typer.Option(help="SQLAlchemy URL to read --table from instead of a file.")] = None,
    table: Annotated[str | None, typer.Option(help="The SQL table holding the leads.")] = None,
    encoding: Annotated[str | None, typer.Option(help="The file's text encoding, when not detected.")] = None,
    out: Annotated[Path | None, typer.Option(help="Profile file to write; if it exists, it is kept and merged "
                                                  "with what is new in the export.")] = None,
) -> None:
    """Draft a profile from an export: id, time, outcome, features, refusals, each with its evidence."""
    joins, keys = join or [], on or []
    if len(joins) != len(keys):
        fail(f"give one --on per --join ({len(joins)} --join, {len(keys)} --on), in the same order")
    pairs = [JoinSpec.parse(p, k) for p, k in zip(joins, keys, strict=True)]
    request = Request(path=path, url=url, table=table, joins=pairs, outcome=outcome, id=lead_id, encoding=encoding,
                      out=out)
    try:
        result = redraft(request)
    except DraftError as exc:
        fail(str(exc))
    for line in result.report:
        err.print(escape(line), highlight=False, soft_wrap=True)
    if out is None:
        sys.stdout.write(result.text)
        return
    _write(out, result.text)
    err.print(f"wrote {out}: read it, then `leadscore train --profile {out}`", highlight=False)


def _write(path: Path, text: str) -> None:
    """Write the whole file or nothing: a half-written profile would replace a good one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
