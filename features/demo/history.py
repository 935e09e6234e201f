"""The demo history: one frame of synthetic leads, drawn in a fixed order so a seed fixes every value."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from features.demo import outcomes, population, record


def generate_demo(
    rows: int = 20_000,
    seed: int = 7,
    months: int = 24,
    end: datetime.date = datetime.date(2026, 10, 31),
) -> pd.DataFrame:
    """Generate `rows` synthetic leads over `months` months ending at `end`; same seed, same frame."""
    if rows < 1 or months < 1:
        raise ValueError("rows and months must be at least 1")
    # Every step draws from the one generator, so reordering these calls changes the data.
    rng = np.random.default_rng(seed)
    created, t, age_days = population.created_at(rng, rows, months, end)
    cols = population.firmographics(rng, t)
    intent = population.intent(rng, cols)
    cols |= population.engagement(rng, cols, intent, t, age_days)
    cols |= population.qualification(rng, cols, intent)
    logit = outcomes.win_logit(rng, cols, intent, t)
    outcome, closed_at, deal_value = outcomes.resolve(rng, cols, logit, created, age_days)
    attributes = record.attributes(rng, cols)
    blanks = record.blank_masks(rng, intent)
    frame = pd.DataFrame({"lead_id": record.lead_ids(rows), "created_at": created, "outcome": outcome})
    for name in record.FEATURE_ORDER:
        frame[name] = record.feature_column(name, cols[name], blanks.get(name))
    for name, values in attributes.items():
        frame[name] = values
    frame["closed_at"] = closed_at
    frame["deal_value"] = deal_value
    return frame
