"""Compiled rules: operators on present and missing values, nesting, lead and frame paths."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from features.profile import Profile
from models.agreement import parse_agreement
from tests.models.agreement.sample import fires, with_rule

# --- operators on present and missing values ----------------------------------------------------

ABSENT = object()  # the lead has no such key at all
MISSING_VALUES = [None, math.nan, pd.NA, pd.NaT, "", "   ", ABSENT]
MISSING_IDS = ["none", "nan", "na", "nat", "empty", "blank", "absent"]


@pytest.mark.parametrize(
    ("when", "value", "expected"),
    [
        ("{field: country, eq: US}", "US", True),
        ("{field: country, eq: US}", " US ", True),
        ("{field: country, eq: US}", "DE", False),
        ("{field: country, ne: US}", "DE", True),
        ("{field: country, ne: US}", "US", False),
        ("{field: country, in: [US, DE]}", "DE", True),
        ("{field: country, in: [US, DE]}", "FR", False),
        ("{field: country, not_in: [US, DE]}", "FR", True),
        ("{field: country, not_in: [US, DE]}", "US", False),
        ("{field: size, eq: 10}", "10", True),
        ("{field: size, eq: 10}", 10.0, True),
        ("{field: phone, eq: '+1 555'}", "+1 555", True),
        ("{field: visits, lt: 5}", 4, True),
        ("{field: visits, lt: 5}", 5, False),
        ("{field: visits, le: 5}", 5, True),
        ("{field: visits, le: 5}", 5.5, False),
        ("{field: visits, gt: 5}", 6, True),
        ("{field: visits, gt: 5}", 5, False),
        ("{field: visits, ge: 5}", 5.0, True),
        ("{field: visits, ge: 5}", 4.9, False),
        ("{field: visits, eq: 5}", 5, True),
        ("{field: visits, ne: 5}", 4, True),
        ("{field: visits, in: [1, 2]}", 2.0, True),
        ("{field: visits, not_in: [1, 2]}", 3, True),
        ("{field: visits, lt: 5}", "4", True),
        ("{field: visits, lt: 5}", Decimal("4.5"), True),
        ("{field: visits, lt: 5}", np.int64(4), True),
        ("{field: visits, lt: 5}", "many", False),
        ("{field: visits, ne: 5}", "many", False),
        ("{field: demo, eq: true}", True, True),
        ("{field: demo, eq: true}", False, False),
        ("{field: demo, eq: true}", "yes", True),
        ("{field: demo, eq: true}", 1, True),
        ("{field: demo, eq: false}", False, True),
        ("{field: demo, ne: true}", False, True),
        ("{field: demo, in: [true]}", True, True),
        ("{field: demo, not_in: [true]}", False, True),
        ("{field: demo, eq: true}", "maybe", False),
        ("{field: first_seen, lt: 2026-01-01}", "2025-12-31", True),
        ("{field: first_seen, lt: 2026-01-01}", dt.date(2026, 1, 1), False),
        ("{field: first_seen, ge: 2026-01-01}", pd.Timestamp("2026-03-01"), True),
        ("{field: first_seen, eq: 2026-01-01}", dt.datetime(2026, 1, 1), True),
        ("{field: first_seen, gt: '2026-01-01T12:00:00'}", "2026-01-01T13:00:00+00:00", True),
        ("{field: country, missing: true}", "US", False),
        ("{field: visits, missing: true}", 0, False),
        ("{field: demo, missing: true}", False, False),
        ("{field: country, present: true}", "US", True),
        ("{field: demo, present: true}", False, True),
    ],
)
def test_operator_on_a_present_value(profile: Profile, when: str, value: Any, expected: bool) -> None:
    field = re.search(r"field: (\w+)", when)[1]  # type: ignore[index]
    assert fires(profile, when, {field: value}) is expected


@pytest.mark.parametrize(
    "when",
    [
        "{field: country, eq: US}",
        "{field: country, ne: US}",
        "{field: country, in: [US]}",
        "{field: country, not_in: [US]}",
        "{field: visits, eq: 5}",
        "{field: visits, ne: 5}",
        "{field: visits, lt: 5}",
        "{field: visits, le: 5}",
        "{field: visits, gt: 5}",
        "{field: visits, ge: 5}",
        "{field: demo, eq: true}",
        "{field: demo, eq: false}",
        "{field: demo, ne: true}",
        "{field: first_seen, lt: 2026-01-01}",
        "{field: country, present: true}",
        "{field: phone, ne: '+1 555'}",
    ],
)
@pytest.mark.parametrize("value", MISSING_VALUES, ids=MISSING_IDS)
def test_every_comparison_on_a_missing_value_is_false(profile: Profile, when: str, value: Any) -> None:
    field = re.search(r"field: (\w+)", when)[1]  # type: ignore[index]
    lead = {} if value is ABSENT else {field: value}
    assert fires(profile, when, lead) is False


@pytest.mark.parametrize("field", ["country", "visits", "demo", "first_seen", "phone"])
@pytest.mark.parametrize("value", MISSING_VALUES, ids=MISSING_IDS)
def test_only_missing_is_true_on_a_missing_value(profile: Profile, field: str, value: Any) -> None:
    lead = {} if value is ABSENT else {field: value}
    assert fires(profile, f"{{field: {field}, missing: true}}", lead) is True


US_AND_DEMO = "[{field: country, eq: US}, {field: demo, eq: true}]"
NESTED = (
    "{all: [{any: [{not: {field: country, eq: US}}, {field: visits, gt: 10}]}, {field: demo, eq: true}]}"
)


@pytest.mark.parametrize(
    ("when", "lead", "expected"),
    [
        (f"{{all: {US_AND_DEMO}}}", {"country": "US", "demo": True}, True),
        (f"{{all: {US_AND_DEMO}}}", {"country": "US", "demo": False}, False),
        (f"{{any: {US_AND_DEMO}}}", {"country": "DE", "demo": True}, True),
        (f"{{any: {US_AND_DEMO}}}", {"country": "DE", "demo": False}, False),
        ("{not: {field: country, eq: US}}", {"country": "DE"}, True),
        ("{not: {field: country, eq: US}}", {"country": "US"}, False),
        # `not` of a comparison on a missing value is True: the comparison itself is False
        ("{not: {field: country, eq: US}}", {}, True),
        (NESTED, {"country": "DE", "visits": 0, "demo": True}, True),
        (NESTED, {"country": "US", "visits": 0, "demo": True}, False),
        (NESTED, {"country": "US", "visits": 20, "demo": True}, True),
        (NESTED, {"country": "DE", "visits": 20, "demo": False}, False),
        (NESTED, {"visits": None, "demo": True}, True),
        ("{not: {all: [{any: [{field: country, in: [US]}, {field: visits, ge: 3}]}]}}", {"visits": 3}, False),
        ("{not: {all: [{any: [{field: country, in: [US]}, {field: visits, ge: 3}]}]}}", {"visits": 2}, True),
    ],
)
def test_nested_conditions(profile: Profile, when: str, lead: dict[str, Any], expected: bool) -> None:
    assert fires(profile, when, lead) is expected


def test_frame_evaluation_reads_typed_columns(profile: Profile) -> None:
    check = parse_agreement(with_rule("{field: visits, ge: 3}"), profile).checks[0]
    frame = pd.DataFrame({"visits": pd.array([1, 3, None], dtype="Int64")})
    assert check.hits(frame).tolist() == [False, True, False]
    assert [check.hit(row) is not None for row in frame.to_dict("records")] == [False, True, False]
    categorical = parse_agreement(with_rule("{field: country, in: [US]}"), profile).checks[0]
    countries = pd.DataFrame({"country": pd.Categorical(["US", None, "DE"])})
    assert categorical.hits(countries).tolist() == [True, False, False]
    assert np.asarray(categorical.hits(countries.iloc[:0])).shape == (0,)
