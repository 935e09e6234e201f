"""Structured columns of scored leads: every score survives the trip through them, and the pyfunc returns them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import pytest

from features.profile import Feature, FeatureKind, Profile
from features.source import load_history
from models.agreement import AgreementError, load_agreement
from models.batch_columns import columns_of, scores_of, strongest, value_of, value_text
from models.explanation import Reason
from models.pyfunc_signature import COLUMNS, OUTPUTS, has_graded_outputs, lead_signature
from models.registry import Registry
from models.scoring import Scorer
from tests.conftest import DEMO_AGREEMENT
from training.job import TrainResult


@pytest.fixture(scope="module")
def scorer(trained: TrainResult, tracking_uri: str, demo_profile: Profile) -> Scorer:
    model = Registry(tracking_uri, demo_profile.registered_model).load(trained.version)
    return Scorer(model, load_agreement(DEMO_AGREEMENT, demo_profile), demo_profile)


@pytest.fixture(scope="module")
def leads(demo_data: Path, demo_profile: Profile) -> list[dict[str, Any]]:
    """Leads as a loaded history holds them: texts with NaN for missing, booleans as 1.0 and 0.0."""
    frame = load_history(demo_profile, demo_data).frame.sample(400, random_state=5)
    return frame.to_dict("records")  # type: ignore[return-value]


@pytest.mark.parametrize("value", [None, True, False, 0.1 + 0.2, 12.0, -3.5e-7, "DE", "(other)"])
def test_a_value_is_read_back_as_it_was(value: Any) -> None:
    kind = {bool: FeatureKind.boolean, float: FeatureKind.numeric}.get(type(value), FeatureKind.categorical)
    feature = Feature(name="f", kind=kind)
    assert value_of(value_text(value), feature) == value
    assert type(value_of(value_text(value), feature)) is type(value)


def test_a_value_reads_as_text_in_spark() -> None:
    assert [value_text(v) for v in (True, 12.0, np.float64(0.5), "x")] == ["true", "12.0", "0.5", "x"]


def test_at_most_the_asked_reasons_each_way_in_their_order() -> None:
    ups = [Reason(f"u{i}", 1, "raises", 1.0 - i / 10) for i in range(3)]
    downs = [Reason(f"d{i}", 1, "lowers", 1.0 - i / 10) for i in range(3)]
    assert [r.field for r in strongest(ups + downs, 2)] == ["u0", "u1", "d0", "d1"]
    assert list(strongest(ups + downs, 0)) == []


def test_scores_survive_the_columns(scorer: Scorer, leads: list[dict[str, Any]]) -> None:
    scores = scorer.score_many(leads, suggest=False)
    frame = columns_of(scores, scorer.agreement, contributions=True)
    assert list(frame.columns) == list(COLUMNS)
    back = scores_of(frame, leads, scorer.agreement, scorer.estimator.features)
    assert [s.probability for s in back] == [s.probability for s in scores]
    assert [(s.lead_id, s.decision, s.reasons, s.missing) for s in back] == [
        (s.lead_id, s.decision, s.reasons, s.missing) for s in scores]
    assert all(np.array_equal(a.contributions, b.contributions) for a, b in zip(back, scores, strict=True))
    assert any(d.fired and d.fired[0].missing for d in (s.decision for s in back)), "require rules name the gaps"


def test_the_columns_say_it_without_sentences(scorer: Scorer, leads: list[dict[str, Any]]) -> None:
    frame = columns_of(scorer.score_many(leads, suggest=False), scorer.agreement, language="da", most=1)
    disqualified = frame[frame["disqualified"]]
    assert not disqualified.empty and (disqualified["label"] == "disqualified").all()
    assert set(frame.loc[~frame["disqualified"], "label"]) <= {"varm", "lun", "kold", "ikke nu"}
    assert (frame.loc[frame["deciding_rule"] != "", "deciding_rule"].isin([r.id for r in scorer.agreement.rules])).all()
    assert frame["reasons"].map(len).max() <= 2 and frame["contributions"].isna().all()


def test_the_signature_declares_the_columns_and_every_field(demo_profile: Profile) -> None:
    signature = lead_signature(demo_profile)
    assert has_graded_outputs(signature) and tuple(OUTPUTS.input_names()) == COLUMNS
    assert signature.inputs.input_names() == demo_profile.lead_fields
    assert not signature.inputs.required_input_names()
    assert signature.params is not None and {p.name for p in signature.params.params} == {
        "agreement", "language", "reasons", "contributions"}


@pytest.fixture(scope="module")
def pyfunc(trained: TrainResult, tracking_uri: str) -> Any:
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)  # training elsewhere in the session may have moved it
    return mlflow.pyfunc.load_model(f"models:/leadscore-demo/{trained.version}")


def test_the_pyfunc_grades_with_the_agreement_logged_or_given(pyfunc: Any, scorer: Scorer,
                                                              leads: list[dict[str, Any]],
                                                              demo_profile: Profile) -> None:
    frame = pd.DataFrame(leads)[demo_profile.lead_fields]
    logged = pyfunc.predict(frame)  # trained without an agreement: the usual bounds, no rules
    assert logged["rules"].map(len).sum() == 0
    given = pyfunc.predict(frame, params={"agreement": DEMO_AGREEMENT.read_text(encoding="utf-8")})
    expected = columns_of(scorer.score_many(leads, suggest=False), scorer.agreement)
    assert given.to_dict("records") == expected.to_dict("records")
    assert logged["probability"].tolist() == given["probability"].tolist()


def test_the_pyfunc_refuses_a_bad_agreement_or_param(pyfunc: Any, leads: list[dict[str, Any]],
                                                     demo_profile: Profile) -> None:
    frame = pd.DataFrame(leads[:3])[demo_profile.lead_fields]
    with pytest.raises(AgreementError, match="agreement param"):
        pyfunc.predict(frame, params={"agreement": "grades: {A: 2}"})
    with pytest.raises(ValueError, match="param reasons: 9"):
        pyfunc.predict(frame, params={"reasons": 9})
    with pytest.raises(ValueError, match="param language: 'xx'"):
        pyfunc.predict(frame, params={"language": "xx"})
