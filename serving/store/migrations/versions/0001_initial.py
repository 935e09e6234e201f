"""Initial lead store: leads, lead_scores, lead_outcomes.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the types at this revision: later changes to tables.py must not rewrite history.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Document = sa.JSON().with_variant(JSONB(), "postgresql")
Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the three tables and their keys."""
    op.create_table(
        "leads",
        sa.Column("lead_id", sa.String(200), nullable=False),
        sa.Column("first_scored_at", Time, nullable=False),
        sa.Column("latest_score_id", Id, nullable=True),
        sa.Column("latest_scored_at", Time, nullable=True),
        sa.Column("latest_outcome_id", Id, nullable=True),
        sa.PrimaryKeyConstraint("lead_id", name="pk_leads"),
    )
    op.create_table(
        "lead_scores",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("lead_id", sa.String(200), nullable=False),
        sa.Column("scored_at", Time, nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("grade", sa.String(16), nullable=False),
        sa.Column("model_grade", sa.String(16), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("disqualified", sa.Boolean(), nullable=False),
        sa.Column("deciding_rule", sa.String(200), nullable=True),
        sa.Column("rules", Document, nullable=False),
        sa.Column("reasons", Document, nullable=False),
        sa.Column("contributions", Document, nullable=True),
        sa.Column("model_version", sa.String(300), nullable=False),
        sa.Column("agreement_version", sa.String(100), nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("fields", Document, nullable=False),
        sa.Column("personal", Document, nullable=False),
        sa.Column("source", sa.String(500), nullable=True),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.lead_id"], name="fk_lead_scores_lead_id_leads"),
        sa.PrimaryKeyConstraint("id", name="pk_lead_scores"),
    )
    op.create_index("ix_lead_scores_lead_id_scored_at", "lead_scores", ["lead_id", "scored_at"])
    op.create_table(
        "lead_outcomes",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("lead_id", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("dedupe_key", sa.String(80), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("call_back_on", sa.Date(), nullable=True),
        sa.Column("call_back_at", Time, nullable=True),
        sa.Column("score_was_wrong", sa.Boolean(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("recorded_at", Time, nullable=False),
        sa.Column("score_id", Id, nullable=True),
        sa.CheckConstraint("outcome IN ('won', 'lost', 'recycled')", name="ck_lead_outcomes_outcome"),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.lead_id"], name="fk_lead_outcomes_lead_id_leads"),
        sa.ForeignKeyConstraint(["score_id"], ["lead_scores.id"], name="fk_lead_outcomes_score_id_lead_scores"),
        sa.PrimaryKeyConstraint("id", name="pk_lead_outcomes"),
        sa.UniqueConstraint("lead_id", "dedupe_key", name="uq_lead_outcomes_lead_id_dedupe_key"),
    )


def downgrade() -> None:
    """Drop everything this revision created."""
    op.drop_table("lead_outcomes")
    op.drop_index("ix_lead_scores_lead_id_scored_at", table_name="lead_scores")
    op.drop_table("lead_scores")
    op.drop_table("leads")
