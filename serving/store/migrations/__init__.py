"""Alembic migrations of the lead store; run programmatically by serving.store.database.upgrade."""
