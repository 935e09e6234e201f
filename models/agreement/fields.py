"""The kinds of lead fields a rule reads: which operators fit each kind, and how its values are read.

Missing values: None, NaN, NA, NaT, an absent key and a blank text all count as missing (one meaning of
"missing" service-wide, features.values.is_missing). A value that cannot be read as the field's kind (a
word in a numeric field) reads as None too, so it never compares True; only `missing` tells them apart.
Text and categorical values are compared as text with surrounding spaces ignored (10 and "10" match);
booleans accept true/false and the yes/no words of features.values; dates accept dates and ISO text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from features.profile import Profile
from features.values import read_boolean, read_datetime, read_number, read_text
from models.agreement.schema import OPERATORS

_EQUALITY = frozenset({"eq", "ne", "in", "not_in", "missing", "present"})
FITS: Mapping[str, frozenset[str]] = {  # which operators make sense for each kind of field
    "categorical": _EQUALITY,
    "text": _EQUALITY,
    "boolean": _EQUALITY,
    "numeric": frozenset(OPERATORS),
    "date": frozenset(OPERATORS),
}
READERS: Mapping[str, Callable[[Any], Any]] = {  # a lead's value as the kind compares it; None when missing
    "categorical": read_text,
    "text": read_text,
    "numeric": read_number,
    "boolean": read_boolean,
    "date": read_datetime,
}


def field_kinds(profile: Profile) -> dict[str, str]:
    """Each lead field's kind; attributes are text."""
    kinds = {feature.name: feature.kind.value for feature in profile.features}
    return kinds | {attribute.name: "text" for attribute in profile.attributes}
