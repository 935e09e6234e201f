"""The profile the agreement tests write their rules for."""

from __future__ import annotations

import pytest

from features.profile import Profile
from tests.models.agreement.sample import shop_profile


@pytest.fixture(scope="session")
def profile() -> Profile:
    """A small profile with one field of every kind, plus two attributes."""
    return shop_profile()
