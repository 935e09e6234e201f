"""A small profile and agreement texts shared by the agreement tests."""

from __future__ import annotations

from typing import Any

import pandas as pd

from features.profile import Profile
from models.agreement import parse_agreement

HEAD = """\
version: "2026-11-01"
signed_off: {sales: "Head of Sales", marketing: "Head of Marketing", date: 2026-11-01}
grades: {A: 0.50, B: 0.25, C: 0.10}
labels: {A: hot, B: warm, C: cold, D: not now}
follow_up_hours: {A: 4, B: 24, C: 72}
"""


def shop_profile() -> Profile:
    """A small profile with one field of every kind, plus two attributes."""
    return Profile.model_validate(
        {
            "name": "shop",
            "source": {"path": "leads.csv"},
            "id": "lead_id",
            "outcome": {"column": "outcome", "won": ["won"], "lost": ["lost"]},
            "time": {"column": "created_at"},
            "features": [
                {"name": "country", "kind": "categorical"},
                {"name": "size", "kind": "categorical"},
                {"name": "visits", "kind": "numeric"},
                {"name": "demo", "kind": "boolean"},
                {"name": "first_seen", "kind": "date"},
            ],
            "attributes": [{"name": "phone"}, {"name": "email"}],
        }
    )


def with_rule(when: str, then: str = "disqualify", rule_id: str = "r") -> str:
    """An agreement text with a single rule."""
    return HEAD + f"rules:\n  - id: {rule_id}\n    text: A rule.\n    when: {when}\n    then: {then}\n"


def fires(profile: Profile, when: str, lead: dict[str, Any]) -> bool:
    """Whether a one-rule agreement fires on a lead; the frame path must say the same."""
    check = parse_agreement(with_rule(when), profile).checks[0]
    on_lead = check.hit(lead) is not None
    on_frame = bool(check.hits(pd.DataFrame([lead], index=[0]))[0])
    assert on_lead == on_frame, f"lead and frame evaluation disagree on {lead!r}"
    return on_lead
