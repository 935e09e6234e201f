"""Alembic migrations of the lead store, run by serving.store.database.upgrade (there is no alembic.ini).

A schema change is a new file in `versions/` (next number, `down_revision` the previous one) written
by hand with `op.*` calls, plus the same change in serving/store/tables.py; the store tests compare the
migrated schema with tables.py on SQLite and PostgreSQL, so the two cannot drift apart unnoticed.
"""
