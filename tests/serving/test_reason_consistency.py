"""No reason contradicts its own evidence: a property over 10,000 demo leads, as read in every language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from features.profile import Profile
from features.source import load_history
from features.texts import LANGUAGES
from models.agreement import load_agreement
from models.explanation import EVIDENCE_KEYS, Reason
from models.registry import Registry
from models.scoring import Scorer
from serving.language.wording import Wording
from tests.conftest import DEMO_AGREEMENT
from training.job import TrainResult

LEADS = 10_000


@pytest.fixture(scope="module")
def scorer(trained: TrainResult, tracking_uri: str, demo_profile: Profile) -> Scorer:
    model = Registry(tracking_uri, demo_profile.registered_model).load(trained.version)
    return Scorer(model, load_agreement(DEMO_AGREEMENT, demo_profile), demo_profile)


@pytest.fixture(scope="module")
def explained(scorer: Scorer, demo_profile: Profile, demo_data: Path) -> list[Reason]:
    frame = load_history(demo_profile, demo_data).frame.head(LEADS)
    leads = [{k: (None if pd.isna(v) else v) for k, v in row.items()} for row in frame.to_dict("records")]
    return [reason for score in scorer.score_many(leads) for reason in score.reasons]


def test_reasons_with_evidence_agree_with_it(explained: list[Reason]) -> None:
    quoted = [r for r in explained if r.evidence is not None]
    assert len(quoted) > LEADS  # most reasons carry evidence: the property is not vacuous
    for reason in quoted:
        evidence: dict[str, Any] = reason.evidence or {}
        assert tuple(evidence) == EVIDENCE_KEYS
        rate, base = round(100 * evidence["win_rate"]), round(100 * evidence["base_rate"])
        assert (rate > base) if reason.direction == "raises" else (rate < base), reason


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_language_quotes_the_evidence_it_was_given(explained: list[Reason], scorer: Scorer,
                                                         code: str) -> None:
    wording = Wording(code, scorer.profile, scorer.agreement)
    for reason in explained[:3000]:
        said = wording.reason(reason)
        if reason.evidence is None:
            assert said["evidence"] is None
            continue
        figures = (wording.language.percent(reason.evidence["win_rate"]),
                   wording.language.percent(reason.evidence["base_rate"]))
        assert all(figure in said["evidence"]["description"] for figure in figures), said
        assert said["sentence"].endswith(said["evidence"]["description"])


def test_reasons_without_evidence_quote_no_figures(explained: list[Reason], scorer: Scorer) -> None:
    bare = [r for r in explained if r.evidence is None]
    assert bare  # the demo has pulls its groups do not show (conditional on the other fields)
    wording = Wording("en", scorer.profile, scorer.agreement)
    assert not any("%" in wording.reason(r)["sentence"] for r in bare[:3000])


def test_a_missing_value_is_worded_as_what_it_means(explained: list[Reason], scorer: Scorer) -> None:
    absent = [r for r in explained if r.value is None]
    assert absent
    wording = Wording("en", scorer.profile, scorer.agreement)
    for reason in absent[:3000]:
        said = wording.reason(reason)
        assert said["sentence"].startswith(f"{said['display']}: none recorded, which "), said
        if reason.evidence is not None:
            assert f"with no {said['display'].lower()} recorded" in said["sentence"]
