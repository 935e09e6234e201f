"""Leases: a named job (the nightly rescoring) held by one process across every machine that shares the store.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Time = sa.DateTime(timezone=True)  # a frozen copy of the type at this revision


def upgrade() -> None:
    """Create store_leases."""
    op.create_table(
        "store_leases",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("taken_at", Time, nullable=False),
        sa.Column("expires_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_store_leases"),
    )


def downgrade() -> None:
    """Drop store_leases."""
    op.drop_table("store_leases")
