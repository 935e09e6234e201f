"""Named, timed steps of a job, shown as they run and kept for the model card."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console


class Steps:
    """Times each step and prints its progress; `timings` feeds the model card."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.timings: dict[str, float] = {}

    @contextmanager
    def step(self, name: str, label: str) -> Iterator[None]:
        start = time.perf_counter()
        with self.console.status(f"{label}…"):
            yield
        self.timings[name] = round(time.perf_counter() - start, 3)
        self.console.print(f"[green]✓[/green] {label} [dim]({self.timings[name]:.1f} s)[/dim]")

    def note(self, text: str) -> None:
        self.console.print(f"  {text}")
