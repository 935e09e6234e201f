"""The small shop of the report tests, written out by hand: its profile and the head of its agreements."""

from __future__ import annotations

from features.profile import Profile

HEAD = """\
version: "{version}"
signed_off: {{sales: "Head of Sales", marketing: "Head of Marketing", date: 2026-01-01}}
grades: {{A: 0.50, B: 0.25, C: 0.10}}
labels: {{A: hot, B: warm, C: cold, D: not now}}
rules:
"""
XX_MARKET = "  - {id: xx-market, text: Price too high there., when: {field: country, eq: XX}, then: disqualify}\n"
KINDS = {"country": "categorical", "demo": "boolean", "lead_source": "categorical", "campaign": "categorical"}


def shop_profile(*features: str, outcome: str = "result") -> Profile:
    """The shop's profile with these of its fields, its outcome in column `outcome`."""
    return Profile.model_validate({
        "name": "shop", "source": {"path": "leads.csv"}, "id": "lead_id",
        "outcome": {"column": outcome, "won": ["won"], "lost": ["lost"]}, "time": {"column": "created_at"},
        "features": [{"name": name, "kind": KINDS[name]} for name in features],
    })
