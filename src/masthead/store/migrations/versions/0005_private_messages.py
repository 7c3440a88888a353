"""private messages: devices' public keys, conversations, members, blocks, ciphertext envelopes; message reports

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import masthead.store.types

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dm_blocks',
    sa.Column('blocker_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('blocked_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['blocked_id'], ['accounts.id'], name=op.f('fk_dm_blocks_blocked_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['blocker_id'], ['accounts.id'], name=op.f('fk_dm_blocks_blocker_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('blocker_id', 'blocked_id', name=op.f('pk_dm_blocks'))
    )
    op.create_table('dm_conversations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('creator_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('pair_key', sa.String(length=50), nullable=True),
    sa.Column('last_seq', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['creator_id'], ['accounts.id'], name=op.f('fk_dm_conversations_creator_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dm_conversations')),
    sa.UniqueConstraint('pair_key', name=op.f('uq_dm_conversations_pair_key'))
    )
    op.create_table('dm_devices',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('public_keys', masthead.store.types.Json, nullable=False),
    sa.Column('label', sa.String(length=100), server_default='', nullable=False),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', masthead.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_dm_devices_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dm_devices'))
    )
    op.create_index('ix_dm_devices_account', 'dm_devices', ['account_id'])

    op.create_table('dm_members',
    sa.Column('conversation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('read_seq', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('joined_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_dm_members_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id'], ['dm_conversations.id'], name=op.f('fk_dm_members_conversation_id_dm_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conversation_id', 'account_id', name=op.f('pk_dm_members'))
    )
    op.create_index('ix_dm_members_account', 'dm_members', ['account_id', 'state'])

    op.create_table('dm_messages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('conversation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sender_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sender_device_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['dm_conversations.id'], name=op.f('fk_dm_messages_conversation_id_dm_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_device_id'], ['dm_devices.id'], name=op.f('fk_dm_messages_sender_device_id_dm_devices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['accounts.id'], name=op.f('fk_dm_messages_sender_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dm_messages')),
    sa.UniqueConstraint('sender_device_id', 'client_id', name='uq_dm_messages_sender_device_client'),
    sa.UniqueConstraint('seq', name=op.f('uq_dm_messages_seq'))
    )
    op.create_index('ix_dm_messages_conversation', 'dm_messages', ['conversation_id', 'seq'])

    op.create_table('dm_envelopes',
    sa.Column('device_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['dm_devices.id'], name=op.f('fk_dm_envelopes_device_id_dm_devices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['dm_messages.id'], name=op.f('fk_dm_envelopes_message_id_dm_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('device_id', 'seq', name=op.f('pk_dm_envelopes'))
    )
    op.create_index('ix_dm_envelopes_message', 'dm_envelopes', ['message_id'])

    op.create_table('message_reports',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reporter_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reported_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('message_ref', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('plaintext', sa.Text(), nullable=False),
    sa.Column('sent_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', masthead.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['moderation_items.id'], name=op.f('fk_message_reports_item_id_moderation_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reported_id'], ['accounts.id'], name=op.f('fk_message_reports_reported_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['accounts.id'], name=op.f('fk_message_reports_reporter_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_reports'))
    )
    op.create_index('ix_message_reports_item', 'message_reports', ['item_id'])



def downgrade() -> None:
    op.drop_index('ix_message_reports_item', table_name='message_reports')

    op.drop_table('message_reports')
    op.drop_index('ix_dm_envelopes_message', table_name='dm_envelopes')

    op.drop_table('dm_envelopes')
    op.drop_index('ix_dm_messages_conversation', table_name='dm_messages')

    op.drop_table('dm_messages')
    op.drop_index('ix_dm_members_account', table_name='dm_members')

    op.drop_table('dm_members')
    op.drop_index('ix_dm_devices_account', table_name='dm_devices')

    op.drop_table('dm_devices')
    op.drop_table('dm_conversations')
    op.drop_table('dm_blocks')
