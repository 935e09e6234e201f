"""Lead store fixtures: every store test runs on a SQLite file and on PostgreSQL (a schema of its own).

PostgreSQL is LEADSCORE_TEST_POSTGRES_URL, else the first of postgres@ and root@ 127.0.0.1:5432/test that
answers. Outside CI an unreachable server skips the PostgreSQL cases with the reason; under CI
(CI=true) it fails them, so a broken database never passes as green.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from serving.store.database import LeadStore, reason

CANDIDATES = ("postgresql+psycopg://postgres@127.0.0.1:5432/test", "postgresql+psycopg://root@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"


def _answers(url: str) -> str | None:
    """None when the server answers, else why not."""
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return None
    except sa.exc.SQLAlchemyError as exc:
        return reason(exc)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres() -> str:
    """A PostgreSQL URL that answers; skip (fail under CI) when none does."""
    candidates = [os.environ["LEADSCORE_TEST_POSTGRES_URL"]] if os.environ.get("LEADSCORE_TEST_POSTGRES_URL") \
        else list(CANDIDATES)
    problems = {}
    for url in candidates:
        problem = _answers(url)
        if problem is None:
            return url
        problems[url] = problem
    message = "PostgreSQL unreachable: " + "; ".join(f"{url}: {why}" for url, why in problems.items())
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: the store tests need PostgreSQL)", pytrace=False)
    pytest.skip(message)


@contextmanager
def pg_schema(server: str) -> Iterator[str]:
    """A fresh schema on the server, dropped afterwards; yields a URL whose search_path is that schema."""
    name = f"lstest_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server)
    try:
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{name}"'))
        yield sa.make_url(server).update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


@contextmanager
def backend_url(request: pytest.FixtureRequest, backend: str, folder: Path) -> Iterator[str]:
    """A store URL on the backend: a SQLite file in `folder`, or a PostgreSQL schema of its own."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'data' / 'leads.db'}"
        return
    with pg_schema(request.getfixturevalue("postgres")) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store URL, once per backend."""
    with backend_url(request, request.param, tmp_path) as url:
        yield url


@pytest.fixture()
def store(store_url: str) -> Iterator[LeadStore]:
    """An opened store (schema at head), once per backend."""
    opened = LeadStore(store_url)
    opened.open()
    yield opened
    opened.close()
