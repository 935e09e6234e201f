"""No reason contradicts its own evidence: a property over 10,000 demo leads scored by the session's model."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from features.profile import Profile
from features.source import load_history
from models.agreement import load_agreement
from models.explanation import EVIDENCE_KEYS
from models.registry import Registry
from models.scoring import Scorer
from tests.conftest import DEMO_AGREEMENT
from training.job import TrainResult

LEADS = 10_000


@pytest.fixture(scope="module")
def explained(trained: TrainResult, tracking_uri: str, demo_profile: Profile, demo_data: Path) -> list[dict]:
    model = Registry(tracking_uri, demo_profile.registered_model).load(trained.version)
    scorer = Scorer(model, load_agreement(DEMO_AGREEMENT, demo_profile), demo_profile)
    frame = load_history(demo_profile, demo_data).frame.head(LEADS)
    leads = [{k: (None if pd.isna(v) else v) for k, v in row.items()} for row in frame.to_dict("records")]
    return [vars(reason) for score in scorer.score_many(leads) for reason in score.reasons]


def test_reasons_with_evidence_agree_with_it(explained: list[dict]) -> None:
    quoted = [r for r in explained if r["evidence"] is not None]
    assert len(quoted) > LEADS  # most reasons carry evidence: the property is not vacuous
    for reason in quoted:
        evidence = reason["evidence"]
        assert set(evidence) == set(EVIDENCE_KEYS)
        rate, base = round(100 * evidence["win_rate"]), round(100 * evidence["base_rate"])
        assert (rate > base) if reason["direction"] == "raises" else (rate < base), reason
        assert f"won {rate}% of the time, against {base}% overall" in reason["sentence"]


def test_reasons_without_evidence_quote_no_figures(explained: list[dict]) -> None:
    bare = [r for r in explained if r["evidence"] is None]
    assert bare  # the demo has pulls its groups do not show (conditional on the other fields)
    assert not any("% of the time" in r["sentence"] for r in bare)


def test_a_missing_value_is_worded_as_what_it_means(explained: list[dict]) -> None:
    absent = [r for r in explained if r["value"] is None]
    assert absent
    for reason in absent:
        assert reason["sentence"].startswith(f"No {reason['display'].lower()} recorded "), reason
        assert "not in the CRM" not in reason["sentence"]
