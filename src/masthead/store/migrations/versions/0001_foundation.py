"""foundation: accounts, channels, posts, outbox, decisions

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 16:12:15.346228
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import masthead.store.types
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('handle', sa.String(length=30), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('handle', name=op.f('uq_accounts_handle'))
    )
    op.create_table('channels',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('handle', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channels')),
    sa.UniqueConstraint('handle', name=op.f('uq_channels_handle'))
    )
    op.create_table('policy_texts',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('policy_id', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source_name', sa.String(length=500), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('first_used_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_policy_texts'))
    )
    op.create_table('campaign_actions',
    sa.Column('campaign_id', sa.String(length=100), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('campaign_id', 'day', name=op.f('pk_campaign_actions'))
    )
    op.create_table('moderation_counts',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('review_state', sa.String(length=20), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'review_state', name=op.f('pk_moderation_counts'))
    )
    op.create_table('sequences',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_sequences'))
    )
    op.create_table('meta',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_meta'))
    )
    op.create_table('account_roles',
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_roles_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'role', name=op.f('pk_account_roles'))
    )
    op.create_table('channel_members',
    sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_channel_members_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_channel_members_channel_id_channels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('channel_id', 'account_id', name=op.f('pk_channel_members'))
    )
    with op.batch_alter_table('channel_members', schema=None) as batch_op:
        batch_op.create_index('ix_channel_members_account', ['account_id'], unique=False)

    op.create_table('posts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('author_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=True),
    sa.Column('labels', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('reprint_of', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('source_url', sa.String(length=2000), nullable=True),
    sa.Column('original', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('reprint_rights', sa.String(length=20), server_default='attribute', nullable=False),
    sa.Column('reprint_whitelist', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), server_default='[]', nullable=False),
    sa.Column('reprint_detected', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('reprint_similarity', sa.Float(), nullable=True),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', masthead.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('feed_seq', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['accounts.id'], name=op.f('fk_posts_author_id_accounts')),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_posts_channel_id_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reprint_of'], ['posts.id'], name=op.f('fk_posts_reprint_of_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posts'))
    )
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_reprint_of', ['reprint_of'], unique=False)
        batch_op.create_index('ix_posts_timeline', ['channel_id', 'state', 'feed_seq', 'id'], unique=False)

    op.create_table('post_bodies',
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_bodies_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', name=op.f('pk_post_bodies'))
    )

    op.create_table('subscriptions',
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_subscriptions_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_subscriptions_channel_id_channels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'channel_id', name=op.f('pk_subscriptions'))
    )
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.create_index('ix_subscriptions_channel', ['channel_id'], unique=False)

    op.create_table('tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_tokens_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_tokens'))
    )
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tokens_account_id'), ['account_id'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('policy_id', sa.String(length=100), nullable=False),
    sa.Column('policy_version', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('labels', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('facts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('trace', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('versions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('automated', sa.Boolean(), nullable=False),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_for', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('policy_sha256', sa.String(length=64), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('statement', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('restriction_ends_at', masthead.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lifted_at', masthead.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_decisions_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions')),
    sa.UniqueConstraint('post_id', 'policy_id', 'policy_version', name='uq_decisions_post_policy')
    )

    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index('ix_decisions_restriction_ends', ['restriction_ends_at'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('available_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', masthead.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_outbox_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('post_id', name=op.f('uq_outbox_post_id'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_available', ['available_at', 'id'], unique=False)
    op.create_table('audit_log',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_log'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', masthead.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_notifications_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_account', ['account_id', 'id'], unique=False)

    op.create_table('suspensions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('starts_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_suspensions_channel_id_channels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suspensions'))
    )
    with op.batch_alter_table('suspensions', schema=None) as batch_op:
        batch_op.create_index('ix_suspensions_channel', ['channel_id', 'ends_at'], unique=False)

    op.create_table('corrections',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('moderator_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=2000), nullable=True),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['moderator_id'], ['accounts.id'], name=op.f('fk_corrections_moderator_id_accounts')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_corrections_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corrections'))
    )
    op.create_table('post_readers',
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('read_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_post_readers_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_readers_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'account_id', name=op.f('pk_post_readers'))
    )
    op.create_table('strikes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('voided_at', masthead.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_strikes_channel_id_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_strikes_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_strikes'))
    )
    with op.batch_alter_table('strikes', schema=None) as batch_op:
        batch_op.create_index('ix_strikes_channel', ['channel_id', 'expires_at'], unique=False)

    op.create_table('moderation_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decision_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('review_state', sa.String(length=20), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('severity', sa.Integer(), nullable=False),
    sa.Column('reach', sa.Integer(), nullable=False),
    sa.Column('automated_origin', sa.Boolean(), nullable=False),
    sa.Column('report_count', sa.Integer(), nullable=False),
    sa.Column('assigned_to', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assigned_to'], ['accounts.id'], name=op.f('fk_moderation_items_assigned_to_accounts')),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_moderation_items_channel_id_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_moderation_items_decision_id_decisions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_moderation_items_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_items'))
    )
    with op.batch_alter_table('moderation_items', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_items_post', ['post_id', 'kind'], unique=False)
        batch_op.create_index('ix_moderation_pending', [sa.text('priority DESC'), 'id'], unique=False,
                              sqlite_where=sa.text("review_state != 'closed'"),
                              postgresql_where=sa.text("review_state != 'closed'"))
        batch_op.create_index('ix_moderation_pending_kind', ['kind', sa.text('priority DESC'), 'id'], unique=False,
                              sqlite_where=sa.text("review_state != 'closed'"),
                              postgresql_where=sa.text("review_state != 'closed'"))

    op.create_table('appeals',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('decision_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('appellant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appellant_id'], ['accounts.id'], name=op.f('fk_appeals_appellant_id_accounts')),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_appeals_decision_id_decisions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['moderation_items.id'], name=op.f('fk_appeals_item_id_moderation_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals')),
    sa.UniqueConstraint('decision_id', name=op.f('uq_appeals_decision_id'))
    )
    op.create_table('moderation_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['accounts.id'], name=op.f('fk_moderation_events_actor_id_accounts')),
    sa.ForeignKeyConstraint(['item_id'], ['moderation_items.id'], name=op.f('fk_moderation_events_item_id_moderation_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_moderation_events_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_events'))
    )
    with op.batch_alter_table('moderation_events', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_events_item', ['item_id', 'id'], unique=False)
        batch_op.create_index('ix_moderation_events_post', ['post_id', 'id'], unique=False)

    op.create_table('reports',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reporter_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['moderation_items.id'], name=op.f('fk_reports_item_id_moderation_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_reports_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['accounts.id'], name=op.f('fk_reports_reporter_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports'))
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index('ix_reports_reporter', ['reporter_id', 'created_at'], unique=False)
    op.create_table('credential_applications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('applicant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('scopes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('evidence', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['accounts.id'], name=op.f('fk_credential_applications_applicant_id_accounts')),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_credential_applications_channel_id_channels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credential_applications'))
    )
    with op.batch_alter_table('credential_applications', schema=None) as batch_op:
        batch_op.create_index('ix_credential_applications_channel', ['channel_id', 'state'], unique=False)

    op.create_table('application_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['accounts.id'], name=op.f('fk_application_events_actor_id_accounts')),
    sa.ForeignKeyConstraint(['application_id'], ['credential_applications.id'], name=op.f('fk_application_events_application_id_credential_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_events'))
    )
    with op.batch_alter_table('application_events', schema=None) as batch_op:
        batch_op.create_index('ix_application_events_application', ['application_id', 'id'], unique=False)

    op.create_table('application_files',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_name', sa.String(length=100), nullable=False),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['credential_applications.id'], name=op.f('fk_application_files_application_id_credential_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_files'))
    )
    op.create_table('credentials',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('scope', sa.String(length=100), nullable=False),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('granted_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('renews', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('verified_handle', sa.String(length=30), nullable=False),
    sa.Column('verified_name', sa.String(length=100), nullable=False),
    sa.Column('granted_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', masthead.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=True),
    sa.Column('lapsed_at', masthead.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', masthead.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['credential_applications.id'], name=op.f('fk_credentials_application_id_credential_applications')),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_credentials_channel_id_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by'], ['accounts.id'], name=op.f('fk_credentials_granted_by_accounts')),
    sa.ForeignKeyConstraint(['renews'], ['credentials.id'], name=op.f('fk_credentials_renews_credentials')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credentials'))
    )
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.create_index('ix_credentials_channel', ['channel_id', 'scope', 'expires_at'], unique=False)

    with op.batch_alter_table('moderation_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_pending'), sqlite_where=sa.text("review_state != 'closed'"))
        batch_op.create_index('ix_moderation_pending', [sa.literal_column('priority DESC'), 'id'], unique=False, sqlite_where=sa.text("review_state != 'closed'"), postgresql_where=sa.text("review_state != 'closed'"))
        batch_op.drop_index(batch_op.f('ix_moderation_pending_kind'), sqlite_where=sa.text("review_state != 'closed'"))
        batch_op.create_index('ix_moderation_pending_kind', ['kind', sa.literal_column('priority DESC'), 'id'], unique=False, sqlite_where=sa.text("review_state != 'closed'"), postgresql_where=sa.text("review_state != 'closed'"))
    op.create_table('reprint_bands',
    sa.Column('band_key', sa.BigInteger(), nullable=False),
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_reprint_bands_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('band_key', 'post_id', name=op.f('pk_reprint_bands'))
    )
    op.create_table('reprint_signatures',
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=False),
    sa.Column('index_version', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_reprint_signatures_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', name=op.f('pk_reprint_signatures'))
    )


def downgrade() -> None:
    op.drop_table('reprint_signatures')
    op.drop_table('reprint_bands')
    with op.batch_alter_table('moderation_items', schema=None) as batch_op:
        batch_op.drop_index('ix_moderation_pending_kind', sqlite_where=sa.text("review_state != 'closed'"), postgresql_where=sa.text("review_state != 'closed'"))
        batch_op.create_index(batch_op.f('ix_moderation_pending_kind'), ['kind', 'priority', 'id'], unique=False, sqlite_where=sa.text("review_state != 'closed'"))
        batch_op.drop_index('ix_moderation_pending', sqlite_where=sa.text("review_state != 'closed'"), postgresql_where=sa.text("review_state != 'closed'"))
        batch_op.create_index(batch_op.f('ix_moderation_pending'), ['priority', 'id'], unique=False, sqlite_where=sa.text("review_state != 'closed'"))

    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.drop_index('ix_credentials_channel')

    op.drop_table('credentials')
    op.drop_table('application_files')
    with op.batch_alter_table('application_events', schema=None) as batch_op:
        batch_op.drop_index('ix_application_events_application')

    op.drop_table('application_events')
    with op.batch_alter_table('credential_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_credential_applications_channel')

    op.drop_table('credential_applications')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_reporter')

    op.drop_table('reports')
    with op.batch_alter_table('moderation_events', schema=None) as batch_op:
        batch_op.drop_index('ix_moderation_events_post')
        batch_op.drop_index('ix_moderation_events_item')

    op.drop_table('moderation_events')
    op.drop_table('appeals')
    with op.batch_alter_table('moderation_items', schema=None) as batch_op:
        batch_op.drop_index('ix_moderation_queue')
        batch_op.drop_index('ix_moderation_items_post')

    op.drop_table('moderation_items')
    with op.batch_alter_table('strikes', schema=None) as batch_op:
        batch_op.drop_index('ix_strikes_channel')

    op.drop_table('strikes')
    op.drop_table('post_readers')
    op.drop_table('corrections')
    with op.batch_alter_table('suspensions', schema=None) as batch_op:
        batch_op.drop_index('ix_suspensions_channel')

    op.drop_table('suspensions')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_account')

    op.drop_table('notifications')
    op.drop_table('audit_log')
    op.drop_table('moderation_counts')
    op.drop_table('campaign_actions')
    op.drop_table('policy_texts')
    op.drop_table('sequences')
    op.drop_table('post_bodies')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_available')

    op.drop_table('outbox')
    op.drop_table('decisions')
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tokens_account_id'))

    op.drop_table('tokens')
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index('ix_subscriptions_channel')

    op.drop_table('subscriptions')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_timeline')
        batch_op.drop_index('ix_posts_reprint_of')

    op.drop_table('posts')
    with op.batch_alter_table('channel_members', schema=None) as batch_op:
        batch_op.drop_index('ix_channel_members_account')

    op.drop_table('channel_members')
    op.drop_table('account_roles')
    op.drop_table('meta')
    op.drop_table('channels')
    op.drop_table('accounts')
