"""The console the `leadscore` commands report to, and their one-line failure."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

err = Console(stderr=True)


def fail(message: str) -> NoReturn:
    """Print a one-line error and exit non-zero."""
    # Escaped: a value in the message such as '[b]' would otherwise be read as rich markup and vanish.
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=1)
