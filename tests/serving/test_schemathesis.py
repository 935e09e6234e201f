"""Fuzzing the API from its own OpenAPI schema: no 5xx, every answer in its documented schema, keys enforced."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.python.asgi import shutdown_lifespans

from serving.app import create_app
from tests.serving.conftest import MakeSettings

pytestmark = pytest.mark.slow

SCORING, ADMIN = "fuzz-scoring-key", "fuzz-admin-key"
EXAMPLES = 25  # per operation and phase; derandomized, so CI runs the same cases every time
CALLS: Counter[str] = Counter()


@pytest.fixture(scope="module")
def api_schema(make_settings: MakeSettings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    """The service's schema from its own app (session champion, SQLite store of its own, keys on)."""
    store = tmp_path_factory.mktemp("fuzz-store") / "leads.db"
    app = create_app(make_settings(api_keys=[SCORING], admin_keys=[ADMIN], store_url=f"sqlite:///{store}"))
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    shutdown_lifespans()  # schemathesis started the app's lifespan; stop its reload thread and close the store


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_answers_every_generated_request_within_its_schema(case: schemathesis.Case) -> None:
    CALLS[case.operation.label] += 1
    case.call_and_validate(headers={"X-API-Key": ADMIN})


def test_every_operation_was_fuzzed(api_schema: schemathesis.BaseSchema) -> None:
    operations = {result.ok().label for result in api_schema.get_all_operations()}
    assert operations <= set(CALLS), f"never called: {sorted(operations - set(CALLS))}"
    print(f"\nschemathesis: {len(operations)} operations, {sum(CALLS.values())} generated requests: {dict(CALLS)}")
