"""Activities and seller feedback: calls, e-mails, meetings and notes per lead, each lead's first and last
contact, the reason a deal was lost, and "the score was wrong" reports.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Frozen copies of the types at this revision: later changes to tables.py must not rewrite history.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create lead_activities and score_feedback; add the contact times and the lost reason."""
    op.create_table(
        "lead_activities",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("lead_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("result", sa.String(16), nullable=True),
        sa.Column("at", Time, nullable=False),
        sa.Column("by", sa.String(200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("dedupe_key", sa.String(64), nullable=False),
        sa.Column("recorded_at", Time, nullable=False),
        sa.CheckConstraint("kind IN ('call', 'email', 'meeting', 'note')", name="ck_lead_activities_kind"),
        sa.CheckConstraint("result IS NULL OR result IN ('reached', 'no_answer', 'left_message', 'bounced')",
                           name="ck_lead_activities_result"),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.lead_id"], name="fk_lead_activities_lead_id_leads"),
        sa.PrimaryKeyConstraint("id", name="pk_lead_activities"),
        sa.UniqueConstraint("lead_id", "dedupe_key", name="uq_lead_activities_lead_id_dedupe_key"),
    )
    op.create_index("ix_lead_activities_lead_id_at", "lead_activities", ["lead_id", "at"])
    op.create_table(
        "score_feedback",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("lead_id", sa.String(200), nullable=False),
        sa.Column("score_id", Id, nullable=True),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("by", sa.String(200), nullable=True),
        sa.Column("recorded_at", Time, nullable=False),
        sa.CheckConstraint("reason IN ('too_high', 'too_low', 'wrong_rule')", name="ck_score_feedback_reason"),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.lead_id"], name="fk_score_feedback_lead_id_leads"),
        sa.ForeignKeyConstraint(["score_id"], ["lead_scores.id"], name="fk_score_feedback_score_id_lead_scores"),
        sa.PrimaryKeyConstraint("id", name="pk_score_feedback"),
    )
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("first_contact_at", Time, nullable=True))
        batch.add_column(sa.Column("last_contact_at", Time, nullable=True))
    with op.batch_alter_table("lead_outcomes") as batch:
        batch.add_column(sa.Column("lost_reason", sa.String(32), nullable=True))


def downgrade() -> None:
    """Drop what this revision added."""
    with op.batch_alter_table("lead_outcomes") as batch:
        batch.drop_column("lost_reason")
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("last_contact_at")
        batch.drop_column("first_contact_at")
    op.drop_table("score_feedback")
    op.drop_index("ix_lead_activities_lead_id_at", table_name="lead_activities")
    op.drop_table("lead_activities")
