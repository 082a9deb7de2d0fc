"""outbox error codes, waiting connector; case reply and resolve targets; source cursors

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 23:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.models

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", bot.models.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_used_at", bot.models.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "source_cursors",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("stream", sa.String(length=128), nullable=False),
        sa.Column("since_id", sa.String(length=64), nullable=True),
        sa.Column("last_ok_at", bot.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("paused_until", bot.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("degraded", sa.Boolean(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=True),
        sa.Column("reads", sa.Integer(), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("updated_at", bot.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("source", "stream"),
    )
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("reply_due_at", bot.models.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("resolve_due_at", bot.models.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("late_minutes", sa.Integer(), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("error_code", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("waiting_for", sa.String(length=64), nullable=True))
    # rows that failed before codes existed: the old message prefixes become codes once, here
    outbox = sa.table(
        "outbox", sa.column("status", sa.String), sa.column("last_error", sa.String), sa.column("error_code", sa.String)
    )
    for prefix, code in (
        ("ratelimited", "rate_limited"),
        ("slack unavailable", "unavailable"),
        ("slack error", "unavailable"),
    ):
        op.execute(
            outbox.update()
            .where(outbox.c.status == "failed", outbox.c.last_error.startswith(prefix))
            .values(error_code=code)
        )
    op.execute(
        outbox.update().where(outbox.c.status == "failed", outbox.c.error_code.is_(None)).values(error_code="rejected")
    )


def downgrade() -> None:
    op.drop_table("source_cursors")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("late_minutes")
        batch.drop_column("resolve_due_at")
        batch.drop_column("reply_due_at")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("waiting_for")
        batch.drop_column("error_code")
