"""Agreement integrity: proposals carry the full sha256 of their text and where they came from, one text per
declared version, and every score carries the full sha256 of the agreement that graded it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the digests and the origin; give every older proposal its digest; make declared versions unique."""
    with op.batch_alter_table("agreement_proposals") as batch:
        batch.add_column(sa.Column("sha256", sa.String(64), nullable=True))
        batch.add_column(sa.Column("origin", sa.String(16), nullable=False, server_default="proposal"))
    _fill_digests()
    with op.batch_alter_table("agreement_proposals") as batch:
        batch.alter_column("sha256", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint("uq_agreement_proposals_declared_version", ["declared_version"])
        batch.create_check_constraint("ck_agreement_proposals_origin", "origin IN ('proposal', 'seeded')")
    with op.batch_alter_table("lead_scores") as batch:
        batch.add_column(sa.Column("agreement_sha256", sa.String(64), nullable=True))


def _fill_digests() -> None:
    # Before this revision one declared version could hold several texts (the flaw this revision closes): the
    # oldest keeps its declared version and the later ones are renamed to their full version, so none is lost.
    proposals = sa.table("agreement_proposals", sa.column("version", sa.String),
                         sa.column("declared_version", sa.String), sa.column("text", sa.Text),
                         sa.column("proposed_at", sa.DateTime), sa.column("sha256", sa.String))
    connection = op.get_bind()
    seen: set[str] = set()
    rows = connection.execute(sa.select(proposals).order_by(proposals.c.proposed_at, proposals.c.version)).all()
    for row in rows:
        declared = row.declared_version if row.declared_version not in seen else row.version
        seen.add(declared)
        connection.execute(sa.update(proposals).where(proposals.c.version == row.version).values(
            sha256=hashlib.sha256(row.text.encode("utf-8")).hexdigest(), declared_version=declared))


def downgrade() -> None:
    """Drop what this revision added."""
    with op.batch_alter_table("lead_scores") as batch:
        batch.drop_column("agreement_sha256")
    with op.batch_alter_table("agreement_proposals") as batch:
        batch.drop_constraint("ck_agreement_proposals_origin", type_="check")
        batch.drop_constraint("uq_agreement_proposals_declared_version", type_="unique")
        batch.drop_column("origin")
        batch.drop_column("sha256")
