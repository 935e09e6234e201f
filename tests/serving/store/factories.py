"""Records for store tests, built with sensible values that each test overrides."""

from __future__ import annotations

import datetime as dt
from typing import Any

from serving.store.records import ScoreRecord

NOON = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def score_record(lead_id: str, scored_at: dt.datetime = NOON, **overrides: Any) -> ScoreRecord:
    """A score of a grade-B lead by model m/1 under agreement a-1; keyword arguments override."""
    values: dict[str, Any] = {
        "lead_id": lead_id, "scored_at": scored_at, "probability": 0.3, "grade": "B", "model_grade": "B",
        "label": "warm", "disqualified": False, "deciding_rule": None, "rules": [], "reasons": [
            {"field": "demo_requested", "display": "Demo requested", "value": True, "direction": "raises",
             "strength": 0.8, "sentence": "Demo requested: yes raises the chance of winning."}],
        "contributions": {"demo_requested": 0.8, "website_visits": 0.1, "country": -0.05},
        "model_version": "leadscore-demo/1", "agreement_version": "2026-11-01+abcd1234abcd",
        "agreement_sha256": "abcd1234abcd" + "0" * 52, "input_hash": "0" * 64,
        "fields": {"demo_requested": True, "website_visits": 3.0, "country": "DE", "company": "Acme"},
        "personal": {"phone": True, "email": False}, "source": "referral"}
    values.update(overrides)
    return ScoreRecord(**values)
