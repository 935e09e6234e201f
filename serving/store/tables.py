"""The lead store's tables (SQLAlchemy Core): leads, their scores, outcomes, activities and score feedback.

The schema itself is created and changed only by the Alembic revisions in `migrations/versions`;
these definitions are what the code reads and writes, and a test checks that they match the migrated
schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import DateTime, TypeDecorator

VERSION_TABLE = "lead_store_version"  # not `alembic_version`: the store may share a database with MLflow
OUTCOMES = ("won", "lost", "recycled")
ACTIVITY_KINDS = ("call", "email", "meeting", "note")
ACTIVITY_RESULTS = ("reached", "no_answer", "left_message", "bounced")
FEEDBACK_REASONS = ("too_high", "too_low", "wrong_rule")
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Id = BigInteger().with_variant(Integer, "sqlite")  # SQLite auto-increments only an INTEGER primary key
Document = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC time on every backend (SQLite keeps naive UTC text, PostgreSQL timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"time {value.isoformat()} has no time zone: the lead store keeps aware UTC times")
        value = value.astimezone(dt.UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


metadata = MetaData(naming_convention=NAMING)

leads = Table(
    "leads",
    metadata,
    Column("lead_id", String(200), primary_key=True),
    Column("first_scored_at", UtcDateTime(), nullable=False),
    # Kept by the writers in the same transaction as the rows they point at, so "latest" is one join.
    Column("latest_score_id", Id, nullable=True),
    Column("latest_scored_at", UtcDateTime(), nullable=True),
    Column("latest_outcome_id", Id, nullable=True),
    # The earliest and latest contact (revision 0004), kept by the activity writers like the pointers above.
    Column("first_contact_at", UtcDateTime(), nullable=True),
    Column("last_contact_at", UtcDateTime(), nullable=True),
)

lead_scores = Table(
    "lead_scores",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("lead_id", String(200), ForeignKey("leads.lead_id"), nullable=False),
    Column("scored_at", UtcDateTime(), nullable=False),
    Column("probability", Float(), nullable=False),
    Column("grade", String(16), nullable=False),
    Column("model_grade", String(16), nullable=False),
    Column("label", String(100), nullable=False),
    Column("disqualified", Boolean(), nullable=False),
    Column("deciding_rule", String(200), nullable=True),
    Column("rules", Document, nullable=False),
    Column("reasons", Document, nullable=False),
    Column("contributions", Document, nullable=True),
    Column("model_version", String(300), nullable=False),
    Column("agreement_version", String(100), nullable=False),
    Column("agreement_sha256", String(64), nullable=True),  # null on scores logged before revision 0003
    Column("input_hash", String(64), nullable=False),
    Column("fields", Document, nullable=False),
    Column("personal", Document, nullable=False),
    Column("source", String(500), nullable=True),
    Index(None, "lead_id", "scored_at"),
)

lead_outcomes = Table(
    "lead_outcomes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("lead_id", String(200), ForeignKey("leads.lead_id"), nullable=False),
    Column("outcome", String(16), nullable=False),
    # "final" for won and lost (one per lead), "recycled:<digest of the payload>" for a recycle,
    # so the database itself refuses a duplicate even when two replicas race.
    Column("dedupe_key", String(80), nullable=False),
    Column("closed_on", Date(), nullable=True),
    Column("call_back_on", Date(), nullable=True),
    Column("call_back_at", UtcDateTime(), nullable=True),
    Column("score_was_wrong", Boolean(), nullable=True),
    Column("comment", Text(), nullable=True),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("score_id", Id, ForeignKey("lead_scores.id"), nullable=True),
    Column("lost_reason", String(32), nullable=True),  # one of LOST_REASONS in records.py (revision 0004)
    UniqueConstraint("lead_id", "dedupe_key"),
    CheckConstraint("outcome IN ('won', 'lost', 'recycled')", name="outcome"),
)

# --- activities and seller feedback (revision 0004) ---------------------------------------------

lead_activities = Table(
    "lead_activities",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("lead_id", String(200), ForeignKey("leads.lead_id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("result", String(16), nullable=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("by", String(200), nullable=True),
    Column("note", Text(), nullable=True),
    # digest of the activity's content: a CRM that posts the same backfill twice stores each activity once
    Column("dedupe_key", String(64), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Index(None, "lead_id", "at"),
    UniqueConstraint("lead_id", "dedupe_key"),
    CheckConstraint("kind IN ('call', 'email', 'meeting', 'note')", name="kind"),
    CheckConstraint("result IS NULL OR result IN ('reached', 'no_answer', 'left_message', 'bounced')", name="result"),
)

score_feedback = Table(
    "score_feedback",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("lead_id", String(200), ForeignKey("leads.lead_id"), nullable=False),
    Column("score_id", Id, ForeignKey("lead_scores.id"), nullable=True),  # the score the seller disputes
    Column("reason", String(16), nullable=False),
    Column("comment", Text(), nullable=True),
    Column("by", String(200), nullable=True),
    Column("recorded_at", UtcDateTime(), nullable=False),
    CheckConstraint("reason IN ('too_high', 'too_low', 'wrong_rule')", name="reason"),
)

# --- agreement sign-off (revisions 0002 and 0003) ----------------------------------------------

SIGN_ROLES = ("sales", "marketing")
AUDIT_EVENTS = ("proposed", "signed", "activated")
ORIGINS = ("proposal", "seeded")  # seeded: the configured file put in force on an empty store, never signed

agreement_proposals = Table(
    "agreement_proposals",
    metadata,
    Column("version", String(100), primary_key=True),  # Agreement.version: declared version + content hash
    Column("declared_version", String(100), nullable=False),  # one text per declared version
    Column("text", Text(), nullable=False),  # the YAML exactly as proposed: its bytes give the version's hash
    Column("proposed_at", UtcDateTime(), nullable=False),
    Column("activated_at", UtcDateTime(), nullable=True),
    Column("sha256", String(64), nullable=False),  # of the text's UTF-8 bytes: what a signer signs
    Column("origin", String(16), nullable=False, server_default="proposal"),
    UniqueConstraint("declared_version"),
    CheckConstraint("origin IN ('proposal', 'seeded')", name="origin"),
)

agreement_audit = Table(
    "agreement_audit",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("version", String(100), ForeignKey("agreement_proposals.version"), nullable=False),
    Column("event", String(16), nullable=False),
    Column("role", String(16), nullable=True),  # the signing role; None for proposed and activated
    Column("signer", String(200), nullable=True),
    Column("at", UtcDateTime(), nullable=False),
    # one signature per role and version, refused by the database even when two replicas race
    UniqueConstraint("version", "event", "role"),
    CheckConstraint("event IN ('proposed', 'signed', 'activated')", name="event"),
    CheckConstraint("role IS NULL OR role IN ('sales', 'marketing')", name="role"),
)

# --- leases (revision 0005) -----------------------------------------------------------------------

store_leases = Table(
    "store_leases",
    metadata,
    Column("name", String(100), primary_key=True),  # the job, e.g. "rescore"
    Column("holder", String(200), nullable=False),  # host, process and run of the one that holds it
    Column("taken_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),  # renewed as the holder works; free once passed
)
