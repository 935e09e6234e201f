"""Agreement sign-off: proposals and their audit trail (proposed, signed by a role, activated).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Frozen copies of the types at this revision: later changes to tables.py must not rewrite history.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create agreement_proposals and agreement_audit."""
    op.create_table(
        "agreement_proposals",
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("declared_version", sa.String(100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("proposed_at", Time, nullable=False),
        sa.Column("activated_at", Time, nullable=True),
        sa.PrimaryKeyConstraint("version", name="pk_agreement_proposals"),
    )
    op.create_table(
        "agreement_audit",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("signer", sa.String(200), nullable=True),
        sa.Column("at", Time, nullable=False),
        sa.CheckConstraint("event IN ('proposed', 'signed', 'activated')", name="ck_agreement_audit_event"),
        sa.CheckConstraint("role IS NULL OR role IN ('sales', 'marketing')", name="ck_agreement_audit_role"),
        sa.ForeignKeyConstraint(["version"], ["agreement_proposals.version"],
                                name="fk_agreement_audit_version_agreement_proposals"),
        sa.PrimaryKeyConstraint("id", name="pk_agreement_audit"),
        sa.UniqueConstraint("version", "event", "role", name="uq_agreement_audit_version_event_role"),
    )


def downgrade() -> None:
    """Drop everything this revision created."""
    op.drop_table("agreement_audit")
    op.drop_table("agreement_proposals")
