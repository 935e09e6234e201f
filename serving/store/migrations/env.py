"""Alembic environment: migrate the connection serving.store.database hands over (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from serving.store.tables import VERSION_TABLE, metadata


def run_migrations() -> None:
    """Run the pending revisions inside the caller's transaction."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("the lead store migrates only through serving.store.database.upgrade, "
                           "which passes a connection; there is no alembic.ini")
    context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()  # Alembic executes this file as a script each time it migrates
