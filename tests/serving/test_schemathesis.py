"""Fuzzing the API from its own OpenAPI schema: no 5xx, every answer in its documented schema, keys enforced.

Every operation gets EXAMPLES generated requests that fit its schema (positive) and EXAMPLES that break it
(negative), derandomized so CI sends the same requests every run, and each response goes through all of
schemathesis' checks: not a server error, status code, content type, headers and body conforming to the
schema, schema-breaking input refused, schema-fitting input accepted, and keys enforced (it retries each
operation without the key and with a wrong one and expects 401 or 403).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import positive_data_acceptance

from serving.app import create_app
from tests.serving.conftest import MakeSettings

pytestmark = pytest.mark.slow

SCORING, ADMIN = "fuzz-scoring-key", "fuzz-admin-key"
EXAMPLES = 25
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
CONFIG = {"generation": {
    "allow-extra-parameters": False,  # FastAPI ignores unknown query parameters, as most APIs do
    "with-security-parameters": False,  # the key is sent explicitly below; ignored_auth probes without it
}}
# Whether these inputs are accepted depends on more than their schema: an outcome's dates are checked against
# today and a recycle needs its call-back date; a grade filter must be one of the grades of the agreement in
# force, which can change while the service runs. Refusing them is a 422 naming the field, checked elsewhere.
STATEFUL: dict[str, list[Callable[..., object]]] = {
    "POST /v1/outcomes": [positive_data_acceptance],
    "GET /v1/leads": [positive_data_acceptance],
}
CALLS: Counter[tuple[str, str]] = Counter()


@pytest.fixture(scope="module")
def api_schema(make_settings: MakeSettings,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    """The service's schema from its own app (session champion, SQLite store of its own, keys on)."""
    store = tmp_path_factory.mktemp("fuzz-store") / "leads.db"
    app = create_app(make_settings(api_keys=[SCORING], admin_keys=[ADMIN], store_url=f"sqlite:///{store}"))
    yield schemathesis.openapi.from_asgi("/openapi.json", app, config=schemathesis.Config.from_dict(CONFIG))
    shutdown_lifespans()  # schemathesis started the app's lifespan: stop its reload thread, close the store


def takes_input(operation: schemathesis.APIOperation) -> bool:
    return any(len(part) for part in (operation.path_parameters, operation.query, operation.headers,
                                      operation.cookies)) or bool(operation.body)


def fuzz(operation: schemathesis.APIOperation, mode: GenerationMode) -> None:
    """EXAMPLES generated requests to one operation, each response through every check."""

    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def one(case: schemathesis.Case) -> None:
        CALLS[operation.label, mode.value] += 1
        case.call_and_validate(headers={"X-API-Key": ADMIN}, excluded_checks=STATEFUL.get(operation.label))

    one()


@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
def test_every_operation_answers_generated_requests_within_its_schema(api_schema: schemathesis.BaseSchema,
                                                                      mode: GenerationMode) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    fuzzed = [op for op in operations if mode.is_positive or takes_input(op)]  # nothing to break in GET /health
    failures: dict[str, str] = {}
    for operation in fuzzed:
        try:
            fuzz(operation, mode)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - fuzz every operation, then report all
            failures[operation.label] = f"{exc.__class__.__name__}: {exc}"
    calls = {label: n for (label, kind), n in CALLS.items() if kind == mode.value}
    print(f"\nschemathesis {mode.value}: {len(fuzzed)} operations, {sum(calls.values())} requests {calls}")
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
    assert set(calls) == {op.label for op in fuzzed}
    assert len(operations) >= 10, "the scoring, lead and admin operations are all in the schema"
