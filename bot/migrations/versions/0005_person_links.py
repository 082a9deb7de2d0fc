"""person links: one customer's identities across sources; cases by source and arrival (source health)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_links",
        sa.Column("a_key", sa.String(length=320), nullable=False),
        sa.Column("b_key", sa.String(length=320), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("created_at", bot.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("a_key", "b_key"),
    )
    op.create_index("ix_person_links_b_key", "person_links", ["b_key"])
    op.create_index("ix_cases_source_received", "cases", ["source", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_cases_source_received", table_name="cases")
    op.drop_index("ix_person_links_b_key", table_name="person_links")
    op.drop_table("person_links")
