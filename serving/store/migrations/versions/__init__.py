"""Alembic revisions of the lead store, oldest first."""
