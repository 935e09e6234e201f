"""Drafts of the three shared real histories: they load unedited, keep post-outcome columns out, and rank
the holdout as the hand-written profiles do."""

from __future__ import annotations

from pathlib import Path

import pytest
from sklearn.metrics import roc_auc_score

from benchmarks.drafts import REAL_EXPORTS, RealExport, draft_to
from benchmarks.quality import fit_ours, prepare
from features.profile import Profile, Training, load_profile
from features.source import load_history
from tests.conftest import needs_shared_data

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.slow, needs_shared_data]
REFUSED = {
    "xeducation": {"Tags", "Lead Quality", "Lead Profile", "Asymmetrique Activity Index",
                   "Asymmetrique Profile Index", "Asymmetrique Activity Score", "Asymmetrique Profile Score",
                   "Last Activity", "Last Notable Activity"},
    "bank-marketing": {"duration"},
    "maven-crm": {"close_value", "close_date"},
}
# One fixed family for both profiles, so that the comparison is of what each profile feeds the model; the
# full default path on both is `make benchmark-drafts`.
FIXED = Training(model="trees", calibration="sigmoid")


@pytest.fixture(scope="module", params=list(REAL_EXPORTS))
def drafted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[RealExport, Path]:
    export = REAL_EXPORTS[request.param]
    return export, draft_to(export, tmp_path_factory.mktemp(export.profile))


def test_the_draft_loads_unedited(drafted: tuple[RealExport, Path]) -> None:
    export, path = drafted
    hand = load_history(load_profile(ROOT / "profiles" / f"{export.profile}.yaml"))
    mine = load_history(load_profile(path))
    assert len(mine.frame) == len(hand.frame)
    assert (mine.closed.won.sum(), len(mine.closed.won)) == (hand.closed.won.sum(), len(hand.closed.won))


def test_post_outcome_columns_are_refused(drafted: tuple[RealExport, Path]) -> None:
    export, path = drafted
    profile = load_profile(path)
    refused = {c.column for c in profile.known_after_outcome}
    assert REFUSED[export.profile] <= refused
    assert not refused & set(profile.feature_names)


def test_the_draft_learns_from_the_hand_written_features(drafted: tuple[RealExport, Path]) -> None:
    """Every hand-written feature that varies is drafted as a feature too."""
    export, path = drafted
    hand = load_profile(ROOT / "profiles" / f"{export.profile}.yaml")
    history = load_history(hand).closed.frame
    varying = {f.name for f in hand.features if history[f.name].nunique() > 1}
    assert varying <= set(load_profile(path).feature_names)


def test_the_draft_ranks_the_holdout_as_the_hand_written_profile(drafted: tuple[RealExport, Path]) -> None:
    export, path = drafted
    aucs = [_holdout_auc(p) for p in (ROOT / "profiles" / f"{export.profile}.yaml", path)]
    assert abs(aucs[1] - aucs[0]) <= 0.01, aucs


def _holdout_auc(path: Path) -> float:
    profile: Profile = load_profile(path).model_copy(update={"training": FIXED})
    prepared = prepare(path, profile)
    probabilities, _ = fit_ours(prepared)
    return float(roc_auc_score(prepared.split.holdout.won, probabilities))
