"""indexes for pages: statements of reasons by time (the transparency report counts today's decisions and
moderators' actions, and the export reads a range of days, without scanning every decision); published posts in
publication order across channels (the front page's newest posts without sorting every post)

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_decisions_created", "decisions", ["created_at"])
    op.create_index("ix_moderation_events_created", "moderation_events", ["created_at"])
    published = sa.text("state = 'published'")
    op.create_index("ix_posts_publication", "posts", ["feed_seq", "id"], sqlite_where=published,
                    postgresql_where=published)


def downgrade() -> None:
    op.drop_index("ix_posts_publication", table_name="posts")
    op.drop_index("ix_moderation_events_created", table_name="moderation_events")
    op.drop_index("ix_decisions_created", table_name="decisions")
