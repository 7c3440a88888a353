"""subscription periods: ended subscriptions are kept, so corrections reach who subscribed at the time

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import masthead.store.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscription_periods",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("started_at", masthead.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", masthead.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_subscription_periods_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"], name=op.f("fk_subscription_periods_channel_id_channels"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_periods")),
    )
    op.create_index("ix_subscription_periods_channel", "subscription_periods", ["channel_id", "ended_at"])


def downgrade() -> None:
    op.drop_index("ix_subscription_periods_channel", table_name="subscription_periods")
    op.drop_table("subscription_periods")
