"""Feature encoder: the one-lead path and the batch path encode identically; unseen and bad values."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from features.encoder import OTHER, OTHER_CODE, FeatureEncoder, FieldProblem
from features.profile import FeatureKind, Profile


@pytest.fixture(scope="module")
def history(demo_data: Path) -> pd.DataFrame:
    return pd.read_parquet(demo_data)


@pytest.fixture(scope="module")
def encoder(history: pd.DataFrame, demo_profile: Profile) -> FeatureEncoder:
    return FeatureEncoder(demo_profile.features).fit(history)


def as_leads(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts, missing values as None (what arrives from JSON)."""
    records = frame.astype(object).to_dict("records")
    return [{k: None if v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v for k, v in r.items()}
            for r in records]


def assert_same_rows(left: np.ndarray, right: np.ndarray) -> None:
    np.testing.assert_array_equal(left, right)  # NaN equals NaN here, and nothing else may differ


def test_one_lead_encodes_as_the_batch_does(encoder: FeatureEncoder, history: pd.DataFrame) -> None:
    sample = history.sample(300, random_state=5)
    batch = encoder.transform(sample)
    for i, lead in enumerate(sample.to_dict("records")):  # raw pandas values: NA, NaN, numpy scalars
        assert_same_rows(encoder.encode_lead(lead)[0], batch[i])
    for i, lead in enumerate(as_leads(sample)):  # plain Python values, as the HTTP route hands them over
        assert_same_rows(encoder.encode_lead(lead)[0], batch[i])
        assert_same_rows(encoder.encode_lead(lead), encoder.transform(pd.DataFrame([lead])))
    assert_same_rows(encoder.encode_leads(as_leads(sample)), batch)
    assert_same_rows(encoder.encode_leads(sample.to_dict("records")), batch)


@pytest.mark.parametrize("lead", [
    {"demo_requested": "yes", "stated_need": "No", "existing_customer": 1, "webinar_attended": 0.0},
    {"website_visits": "12", "email_opens": 3, "pricing_page_views": 4.0, "content_downloads": " 2 "},
    {"country": " DE ", "company_size": "", "industry": "   ", "timeline": None, "campaign": 5},
    {"campaign": 5.0, "role": "it", "budget": "planned"},
    {},
], ids=["yes-no words", "numbers as text", "blanks and spaces", "numbers as categories", "nothing"])
def test_loose_values_encode_alike_on_every_path(encoder: FeatureEncoder, lead: dict[str, Any]) -> None:
    assert_same_rows(encoder.encode_lead(lead), encoder.transform(pd.DataFrame([lead])))
    assert_same_rows(encoder.encode_leads([lead, {}, lead])[[0, 2]], np.vstack([encoder.encode_lead(lead)] * 2))


def test_a_column_of_mixed_values_encodes_as_one_by_one(encoder: FeatureEncoder) -> None:
    # plain values take a fast path, anything else the per-value path; either way the result is encode_lead's
    leads = [{"website_visits": 3, "country": "DE", "demo_requested": True},
             {"website_visits": "4", "country": 7, "demo_requested": "no"},
             {"website_visits": np.float64(5.5), "country": " FR ", "demo_requested": np.bool_(True)},
             {"website_visits": None, "country": "", "demo_requested": None}]
    assert_same_rows(encoder.encode_leads(leads), np.vstack([encoder.encode_lead(lead) for lead in leads]))


def test_absent_fields_are_missing(encoder: FeatureEncoder) -> None:
    assert np.isnan(encoder.encode_lead({})).all()
    assert np.isnan(encoder.transform(pd.DataFrame({"lead_id": ["L-1"]}))).all()


def test_unseen_categories_map_to_other(encoder: FeatureEncoder) -> None:
    index = encoder.index_["country"]
    column = encoder.columns_[index]
    assert column.categories[OTHER_CODE] == OTHER
    row = encoder.encode_lead({"country": "Atlantis"})
    batch = encoder.transform(pd.DataFrame({"country": ["Atlantis", "DE", None]}))
    assert row[0, index] == OTHER_CODE
    assert batch[0, index] == OTHER_CODE
    assert batch[1, index] == column.codes["DE"] != OTHER_CODE
    assert math.isnan(batch[2, index])
    assert column.decode(float(OTHER_CODE)) == OTHER


def test_rare_categories_fold_into_other(demo_profile: Profile) -> None:
    frame = pd.DataFrame({"country": ["DE"] * 30 + ["FR"] * 25 + ["LU"] * 3})
    country = [f for f in demo_profile.features if f.name == "country"]
    column = FeatureEncoder(country, min_count=20).fit(frame).columns_[0]
    assert column.categories == (OTHER, "DE", "FR")
    assert column.encode_value("LU") == OTHER_CODE


@pytest.mark.parametrize(("field", "value"), [("website_visits", "lots"), ("demo_requested", "maybe"),
                                              ("email_opens", float("inf")), ("website_visits", True)])
def test_a_bad_value_is_a_field_problem_naming_the_field(encoder: FeatureEncoder, field: str, value: Any) -> None:
    with pytest.raises(FieldProblem) as one:
        encoder.encode_lead({field: value})
    with pytest.raises(FieldProblem) as many:
        encoder.transform(pd.DataFrame({field: [None, value]}, dtype=object))
    with pytest.raises(FieldProblem) as leads:
        encoder.encode_leads([{field: None}, {field: value}])
    assert one.value.field == many.value.field == leads.value.field == field
    assert str(leads.value) == str(one.value)
    assert field in str(one.value)


def test_encoder_state_round_trips(encoder: FeatureEncoder, history: pd.DataFrame) -> None:
    rebuilt = FeatureEncoder.from_dict(encoder.to_dict())
    sample = history.head(100)
    assert_same_rows(rebuilt.transform(sample), encoder.transform(sample))
    assert [c.kind for c in rebuilt.columns_] == [c.kind for c in encoder.columns_]
    assert rebuilt.categorical_indices == [i for i, c in enumerate(encoder.columns_)
                                           if c.kind is FeatureKind.categorical]
