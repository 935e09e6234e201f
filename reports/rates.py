"""Rates with their 95 % Wilson score interval: a win rate of 3 out of 4 says less than 300 out of 400."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

Z95 = 1.959963984540054  # the standard normal's 97.5th percentile


@dataclass(frozen=True)
class Rate:
    """`hits` out of `trials`, with the Wilson interval; no value when there are no trials."""

    hits: int
    trials: int

    @property
    def value(self) -> float | None:
        return self.hits / self.trials if self.trials else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """The 95 % Wilson score interval, which stays inside [0, 1] and is honest for small counts."""
        if not self.trials:
            return None
        n, p, z2 = self.trials, self.hits / self.trials, Z95 * Z95
        centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
        # The interval always holds p; rounding at p = 0 or 1 must not put it a hair outside.
        return min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half))

    def to_dict(self) -> dict[str, Any]:
        interval = self.interval
        return {"hits": self.hits, "trials": self.trials, "rate": self.value,
                "low": None if interval is None else interval[0], "high": None if interval is None else interval[1]}
