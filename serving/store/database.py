"""The lead store's database: engine, SQLite durability settings, Alembic upgrade, error mapping."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.util.exc import CommandError
from sqlalchemy.engine import URL, Connection, Engine

from serving.store.driver_sql import driver_transaction
from serving.store.errors import StoreConflict, StoreUnavailable
from serving.store.tables import VERSION_TABLE

log = logging.getLogger("leadscore.store")

MIGRATIONS = "serving.store:migrations"  # a package resource: works from any folder and when installed
MIGRATION_LOCK = 0x1EAD5C0  # PostgreSQL advisory lock: replicas starting together migrate one at a time
BUSY_SECONDS = 10.0
CHUNK = 1000  # ids per IN (...) list, well under every backend's bound-parameter limit
SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON")
_MIGRATING = threading.Lock()


class LeadStore:
    """One store behind a SQLAlchemy URL; the schema is upgraded to head before the first use."""

    def __init__(self, url: str | URL, connect_timeout: float = 5.0) -> None:
        self.url = sa.make_url(url)
        self.engine = create_store_engine(self.url, connect_timeout)
        self._migrated = False
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The URL without its password, for messages."""
        return self.url.render_as_string(hide_password=True)

    def open(self) -> None:
        """Create the SQLite folder when needed and upgrade the schema to head; StoreUnavailable if not."""
        if self._migrated:  # every transaction asks: answer without the lock once migrated
            return
        with self._lock, self.failures():
            if not self._migrated:
                sqlite_folder(self.url)
                upgrade(self.engine)
                self._migrated = True

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A transaction committed when the block ends; database failures become StoreUnavailable."""
        self.open()
        with self.failures(), self.engine.begin() as connection:
            yield connection

    @contextmanager
    def driver_transaction(self) -> Iterator[Any]:
        """`transaction` on the driver's own cursor, for statements of serving/store/driver_sql.py."""
        self.open()
        with self.failures(), driver_transaction(self.engine) as cursor:
            yield cursor

    @contextmanager
    def failures(self) -> Iterator[None]:
        """Map what the database, the disk or Alembic raise to the store's own exceptions."""
        try:
            yield
        except sa.exc.IntegrityError as exc:
            raise StoreConflict(f"lead store {self.name}: {reason(exc)}") from None
        except (sa.exc.DBAPIError, sa.exc.TimeoutError, OSError, CommandError) as exc:
            raise StoreUnavailable(self.name, reason(exc)) from None  # misuse (a naive time, bad SQL) is not this

    def close(self) -> None:
        """Close the pooled connections."""
        self.engine.dispose()


def create_store_engine(url: URL, connect_timeout: float) -> Engine:
    """An engine for the URL; SQLite gets WAL, synchronous=FULL and foreign keys on every connection.

    JSON columns are written by orjson: a score's five documents took the standard library's encoder 32-35
    microseconds and orjson 5.4, on the writer thread every score waits for.
    """
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_SECONDS}, json_serializer=json_text)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    args: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        args["connect_timeout"] = max(2, round(connect_timeout))  # libpq's own minimum is 2 s
    return sa.create_engine(url, pool_pre_ping=True, connect_args=args, json_serializer=json_text)


def json_text(value: Any) -> str:
    """A JSON column's text; NaN and infinities become null, as JSON has no such numbers."""
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS).decode()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the writer; FULL syncs the WAL on every commit, so a committed
    # score survives a power cut, which is what "logged" promises.
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        _retry_locked(partial(cursor.execute, f"PRAGMA {pragma}"))
    cursor.close()


def _retry_locked(run: Callable[[], object]) -> None:
    # Switching a new file to WAL needs a moment of exclusive access, and SQLite answers "database is
    # locked" at once (without its busy handler) while another process starting together holds it.
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            run()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def sqlite_folder(url: URL) -> None:
    """Create the folder of a SQLite database file."""
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def alembic_config() -> Config:
    """Alembic configuration without an ini file."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema in one transaction that first locks out other migrating processes."""
    config = alembic_config()
    with _MIGRATING, engine.begin() as connection:  # Alembic's `op` and `context` are process-wide
        lock_schema(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def lock_schema(connection: Connection) -> None:
    """Make replicas that start together migrate one after the other (the lock ends with the transaction)."""
    serialise(connection, MIGRATION_LOCK)


def serialise(connection: Connection, key: int) -> None:
    """Hold `key` until the transaction ends, so writers across replicas take turns (PostgreSQL: an advisory
    lock; SQLite: the database's write lock, taken before the first read)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, None before the first upgrade."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_revision()


def reason(exc: BaseException) -> str:
    """The driver's own message on one line, without SQLAlchemy's SQL text and parameters."""
    original = getattr(exc, "orig", None) or exc
    text = " ".join(str(original).split()) or "no message"
    return f"{type(original).__name__}: {text}"


def inserted_id(result: sa.CursorResult[Any]) -> int:
    """The primary key of the one row an INSERT wrote."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the insert reported no primary key")
    return int(key[0])
