"""Core statements compiled once per dialect and run on the driver's own cursor.

SQLAlchemy's statement path (cache key, execution context, result set-up on every call, and the pooled
connection's transaction bookkeeping) costs more than SQLite takes to run a score's three statements and
commit them, and it runs on the score log's writer thread, holding the interpreter lock the scoring
requests need. Compiling once and handing the driver its SQL text keeps the columns' own bind processing
(times, JSON, booleans), so the rows written are the rows the Core path writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql import ClauseElement


class DriverStatement:
    """One statement's SQL text for one dialect, with the bind processing of its parameters."""

    def __init__(self, statement: ClauseElement, dialect: Dialect, column_keys: Sequence[str] | None = None) -> None:
        compiled: Any = statement.compile(dialect=dialect, column_keys=list(column_keys) if column_keys else None)
        # an SQLCompiler: positiontup and binds are its attributes, not those of the Compiled base it is typed as
        self.sql = compiled.string
        self.driver_error: type[Exception] = dialect.loaded_dbapi.Error
        self.order: tuple[str, ...] | None = tuple(compiled.positiontup) if compiled.positiontup else None
        self.processors: dict[str, Callable[[Any], Any] | None] = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect) for name, bind in compiled.binds.items()}

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        """The driver's parameters: positional for SQLite's `?`, by name for PostgreSQL's `%(name)s`.

        A value its column refuses raises StatementError, as on the Core path.
        """
        try:
            processed = {name: values[name] if process is None else process(values[name])
                         for name, process in self.processors.items()}
        except (TypeError, ValueError) as exc:
            raise StatementError(f"({type(exc).__name__}) {exc}", self.sql, dict(values), exc) from exc
        return processed if self.order is None else tuple(processed[name] for name in self.order)

    def execute(self, cursor: Any, values: Mapping[str, Any]) -> Any:
        """Run on a DBAPI cursor (see `driver_transaction`); the cursor, for its rows."""
        parameters = self.parameters(values)
        try:
            cursor.execute(self.sql, parameters)
        except Exception as exc:  # the driver's errors become DBAPIError, anything else StatementError
            raise DBAPIError.instance(self.sql, parameters, exc, self.driver_error) from exc
        return cursor


@contextmanager
def driver_transaction(engine: Engine) -> Iterator[Any]:
    """A DBAPI cursor of a pooled connection, in a transaction committed when the block ends.

    The driver opens the transaction at the first statement (SQLite's and psycopg's default). A driver
    error raises SQLAlchemy's DBAPIError (IntegrityError and so on), as the Core path does, and the
    connection is discarded instead of going back to the pool in an unknown state.
    """
    driver_error: type[Exception] = engine.dialect.loaded_dbapi.Error
    try:
        connection = engine.raw_connection()  # the pool's checkout, with its pre-ping where the engine has one
    except driver_error as exc:  # unlike Connection's, the raw checkout passes the driver's error on as it is
        raise DBAPIError.instance(None, None, exc, driver_error) from exc
    try:
        cursor = connection.cursor()
        yield cursor
        try:
            connection.commit()
        except Exception as exc:
            raise DBAPIError.instance("COMMIT", None, exc, driver_error) from exc
    except BaseException:
        connection.invalidate()
        raise
    finally:
        connection.close()  # back to the pool (a no-op once invalidated)
