"""The schema. Alembic migrations under store/migrations create and change it; this is their reference."""
from __future__ import annotations

import sqlalchemy as sa

from masthead.store.types import BigId, Json, UTCDateTime

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

accounts = sa.Table(
    "accounts", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("handle", sa.String(30), nullable=False, unique=True),
    sa.Column("display_name", sa.String(100), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

account_roles = sa.Table(
    "account_roles", metadata,
    sa.Column("account_id", BigId, sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role", sa.String(20), primary_key=True),
)

tokens = sa.Table(
    "tokens", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("account_id", BigId, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

channels = sa.Table(
    "channels", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("handle", sa.String(30), nullable=False, unique=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

channel_members = sa.Table(
    "channel_members", metadata,
    sa.Column("channel_id", BigId, sa.ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("account_id", BigId, sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Index("ix_channel_members_account", "account_id"),
)

subscriptions = sa.Table(
    "subscriptions", metadata,
    sa.Column("account_id", BigId, sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("channel_id", BigId, sa.ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_subscriptions_channel", "channel_id"),
)

# Subscriptions that ended, kept so that a correction still reaches whoever subscribed when a post went out.
subscription_periods = sa.Table(
    "subscription_periods", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("account_id", BigId, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("channel_id", BigId, sa.ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("ended_at", UTCDateTime, nullable=False),
    sa.Index("ix_subscription_periods_channel", "channel_id", "ended_at"),
)

posts = sa.Table(
    "posts", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("channel_id", BigId, sa.ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    sa.Column("author_id", BigId, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("lang", sa.String(8), nullable=True),
    sa.Column("labels", Json, nullable=False),
    sa.Column("reprint_of", BigId, sa.ForeignKey("posts.id"), nullable=True),
    sa.Column("source_url", sa.String(2000), nullable=True),
    sa.Column("original", sa.Boolean, nullable=False, server_default=sa.false()),
    # An original's reprint rights: allow, attribute (the default), deny, verified_only; plus channels always allowed.
    sa.Column("reprint_rights", sa.String(20), nullable=False, server_default="attribute"),
    sa.Column("reprint_whitelist", Json, nullable=False, server_default="[]"),
    # Set when the pipeline found the copy itself rather than the author declaring it.
    sa.Column("reprint_detected", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("reprint_similarity", sa.Float, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("published_at", UTCDateTime, nullable=True),
    # Position in publication order (see domain/paging.py); set when the post is published.
    sa.Column("feed_seq", sa.BigInteger, nullable=True),
    # A channel's timeline is this table read newest first; nothing is copied per subscriber.
    sa.Index("ix_posts_timeline", "channel_id", "state", "feed_seq", "id"),
    sa.Index("ix_posts_reprint_of", "reprint_of"),
    # Published posts of every channel in publication order (the front page, a stream of all channels).
    sa.Index("ix_posts_publication", "feed_seq", "id", sqlite_where=sa.text("state = 'published'"),
             postgresql_where=sa.text("state = 'published'")),
)

# The text of a post, written once. Kept apart from `posts` so that changing a post's state rewrites a short
# row rather than the whole article.
post_bodies = sa.Table(
    "post_bodies", metadata,
    sa.Column("post_id", BigId, sa.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("body_html", sa.Text, nullable=False),
)

# One row per accepted post until the pipeline has decided it: the durable hand-off between publish and worker.
outbox = sa.Table(
    "outbox", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("post_id", BigId, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False, unique=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("available_at", UTCDateTime, nullable=False),
    sa.Column("claimed_at", UTCDateTime, nullable=True),
    sa.Column("claimed_by", sa.String(64), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # Claims walk this index oldest first and stop after one batch, however long the backlog.
    sa.Index("ix_outbox_available", "available_at", "id"),
)

decisions = sa.Table(
    "decisions", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("post_id", BigId, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("policy_id", sa.String(100), nullable=False),
    sa.Column("policy_version", sa.Integer, nullable=False),
    sa.Column("outcome", sa.String(10), nullable=False),
    sa.Column("labels", Json, nullable=False),
    sa.Column("facts", Json, nullable=False),
    sa.Column("trace", Json, nullable=False),
    sa.Column("versions", Json, nullable=False),
    sa.Column("automated", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # The moment the policy judged (the post's time), what it said, and the DSA statement of reasons.
    sa.Column("decided_for", UTCDateTime, nullable=False),
    sa.Column("policy_sha256", sa.String(64), nullable=False),
    sa.Column("explanation", sa.Text, nullable=False),
    sa.Column("statement", Json, nullable=True),
    sa.Column("restriction_ends_at", UTCDateTime, nullable=True),
    # When a time-limited restriction (a campaign's) lifted by itself.
    sa.Column("lifted_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("post_id", "policy_id", "policy_version", name="uq_decisions_post_policy"),
    sa.Index("ix_decisions_restriction_ends", "restriction_ends_at"),
    # The transparency report and export read statements by the time they were made.
    sa.Index("ix_decisions_created", "created_at"),
)

# The reprint index, shared by every worker: each published post's MinHash signature and its LSH band keys.
reprint_signatures = sa.Table(
    "reprint_signatures", metadata,
    sa.Column("post_id", BigId, sa.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("signature", sa.LargeBinary, nullable=False),
    sa.Column("index_version", sa.String(100), nullable=False),
)

# No foreign key on purpose (migration 0002): 32 rows a post, and a query only trusts posts with a signature.
reprint_bands = sa.Table(
    "reprint_bands", metadata,
    sa.Column("band_key", sa.BigInteger, primary_key=True),
    sa.Column("post_id", BigId, primary_key=True),
    sqlite_with_rowid=False,
)

# Every policy text that has decided anything, by hash, so a decision can be replayed after the policy changed.
policy_texts = sa.Table(
    "policy_texts", metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("policy_id", sa.String(100), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("source_name", sa.String(500), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("first_used_at", UTCDateTime, nullable=False),
)

# Actions each campaign took per UTC day, for campaigns with a daily cap.
campaign_actions = sa.Table(
    "campaign_actions", metadata,
    sa.Column("campaign_id", sa.String(100), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

# Named counters whose next value is taken inside the transaction that uses it, so values follow commit order.
sequences = sa.Table(
    "sequences", metadata,
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

# Notices to one account: decisions about their posts, report outcomes, corrections, credential news.
notifications = sa.Table(
    "notifications", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("account_id", BigId, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("payload", Json, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("read_at", UTCDateTime, nullable=True),
    sa.Index("ix_notifications_account", "account_id", "id"),
)

# Append-only, hash-chained record of every state change (see moderation/audit.py).
audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("payload", Json, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# One item per thing people must decide: a held post, a reported post (all its reports), an appeal.
moderation_items = sa.Table(
    "moderation_items", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("post_id", BigId, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=True),
    sa.Column("channel_id", BigId, sa.ForeignKey("channels.id", ondelete="CASCADE"), nullable=True),
    sa.Column("decision_id", BigId, sa.ForeignKey("decisions.id", ondelete="CASCADE"), nullable=True),
    sa.Column("application_id", BigId, nullable=True),
    sa.Column("review_state", sa.String(20), nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("severity", sa.Integer, nullable=False),
    sa.Column("reach", sa.Integer, nullable=False),
    sa.Column("automated_origin", sa.Boolean, nullable=False),
    sa.Column("report_count", sa.Integer, nullable=False),
    sa.Column("assigned_to", BigId, sa.ForeignKey("accounts.id"), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # The queue reads pending items (not closed) by priority, with or without a kind: two partial indexes.
    sa.Index("ix_moderation_pending", sa.text("priority DESC"), "id",
             sqlite_where=sa.text("review_state != 'closed'"), postgresql_where=sa.text("review_state != 'closed'")),
    sa.Index("ix_moderation_pending_kind", "kind", sa.text("priority DESC"), "id",
             sqlite_where=sa.text("review_state != 'closed'"), postgresql_where=sa.text("review_state != 'closed'")),
    sa.Index("ix_moderation_items_post", "post_id", "kind"),
)

# Items per kind and review state, kept exact in the transactions that add or move items, so the queue's
# counts cost one small read however long the queue is.
moderation_counts = sa.Table(
    "moderation_counts", metadata,
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("review_state", sa.String(20), primary_key=True),
    sa.Column("count", sa.BigInteger, nullable=False),
)

# The moderation record: append-only; an item's review state and a post's status derive from it.
moderation_events = sa.Table(
    "moderation_events", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("item_id", BigId, sa.ForeignKey("moderation_items.id", ondelete="CASCADE"), nullable=True),
    sa.Column("post_id", BigId, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=True),
    sa.Column("actor_id", BigId, sa.ForeignKey("accounts.id"), nullable=True),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("payload", Json, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_moderation_events_post", "post_id", "id"),
    sa.Index("ix_moderation_events_item", "item_id", "id"),
    sa.Index("ix_moderation_events_created", "created_at"),
)

reports = sa.Table(
    "reports", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("post_id", BigId, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("reporter_id", BigId, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("item_id", BigId, sa.ForeignKey("moderation_items.id", ondelete="CASCADE"), nullable=False),
    sa.Column("reason", sa.String(20), nullable=False),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_reports_reporter", "reporter_id", "created_at"),
)

appeals = sa.Table(
    "appeals", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("decision_id", BigId, sa.ForeignKey("decisions.id", ondelete="CASCADE"), nullable=False,
              unique=True),
    sa.Column("appellant_id", BigId, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("item_id", BigId, sa.ForeignKey("moderation_items.id", ondelete="CASCADE"), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("outcome", sa.String(20), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

strikes = sa.Table(
    "strikes", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("channel_id", BigId, sa.ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    sa.Column("post_id", BigId, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("voided_at", UTCDateTime, nullable=True),
    sa.Index("ix_strikes_channel", "channel_id", "expires_at"),
)

suspensions = sa.Table(
    "suspensions", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("channel_id", BigId, sa.ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("starts_at", UTCDateTime, nullable=False),
    sa.Column("ends_at", UTCDateTime, nullable=False),
    sa.Index("ix_suspensions_channel", "channel_id", "ends_at"),
)

corrections = sa.Table(
    "corrections", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("post_id", BigId, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("moderator_id", BigId, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("link", sa.String(2000), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

# Signed-in readers of a post, so a later correction reaches them.
post_readers = sa.Table(
    "post_readers", metadata,
    sa.Column("post_id", BigId, sa.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("account_id", BigId, sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("read_at", UTCDateTime, nullable=False),
)

credential_applications = sa.Table(
    "credential_applications", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("channel_id", BigId, sa.ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    sa.Column("applicant_id", BigId, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("scopes", Json, nullable=False),
    sa.Column("evidence", Json, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_credential_applications_channel", "channel_id", "state"),
)

# Every step of an application, with who took it and when.
application_events = sa.Table(
    "application_events", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("application_id", BigId, sa.ForeignKey("credential_applications.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("actor_id", BigId, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_application_events_application", "application_id", "id"),
)

application_files = sa.Table(
    "application_files", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("application_id", BigId, sa.ForeignKey("credential_applications.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("original_name", sa.String(255), nullable=False),
    sa.Column("content_type", sa.String(50), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("stored_name", sa.String(100), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

# A credential certifies a scope for a channel as verified under a handle and a name. It counts while
# granted_at <= t < expires_at and it was neither revoked nor lapsed (renamed) by t; renewals extend a
# lineage, so continuity is visible.
credentials = sa.Table(
    "credentials", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("channel_id", BigId, sa.ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    sa.Column("scope", sa.String(100), nullable=False),
    sa.Column("issuer", sa.String(200), nullable=False),
    sa.Column("granted_by", BigId, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("application_id", BigId, sa.ForeignKey("credential_applications.id"), nullable=True),
    sa.Column("renews", BigId, sa.ForeignKey("credentials.id"), nullable=True),
    sa.Column("verified_handle", sa.String(30), nullable=False),
    sa.Column("verified_name", sa.String(100), nullable=False),
    sa.Column("granted_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.Column("revoke_reason", sa.Text, nullable=True),
    sa.Column("lapsed_at", UTCDateTime, nullable=True),
    sa.Column("reminded_at", UTCDateTime, nullable=True),
    sa.Index("ix_credentials_channel", "channel_id", "scope", "expires_at"),
)

# Private messages (masthead.messaging). The server holds ciphertext it cannot read; its only metadata is who
# sent, to whom, when and how large. Every table is named dm_*, and no public-content code may read one
# (tests/messaging/test_boundary.py).
dm_devices = sa.Table(
    "dm_devices", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("account_id", BigId, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    # Public keys, base64url of the raw point: {"P-256": ..., "X25519": ...}; P-256 always.
    sa.Column("public_keys", Json, nullable=False),
    sa.Column("label", sa.String(100), nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.Index("ix_dm_devices_account", "account_id"),
)

dm_conversations = sa.Table(
    "dm_conversations", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(10), nullable=False),  # direct | group
    sa.Column("creator_id", BigId, sa.ForeignKey("accounts.id"), nullable=False),
    # Only direct conversations: "low:high" account ids, so a pair has one conversation.
    sa.Column("pair_key", sa.String(50), nullable=True, unique=True),
    sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

dm_members = sa.Table(
    "dm_members", metadata,
    sa.Column("conversation_id", BigId, sa.ForeignKey("dm_conversations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("account_id", BigId, sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    # requested (a message request not yet accepted) | active | declined | left | removed
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("read_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("joined_at", UTCDateTime, nullable=False),
    sa.Index("ix_dm_members_account", "account_id", "state"),
)

dm_blocks = sa.Table(
    "dm_blocks", metadata,
    sa.Column("blocker_id", BigId, sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("blocked_id", BigId, sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

dm_messages = sa.Table(
    "dm_messages", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", BigId, sa.ForeignKey("dm_conversations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("sender_id", BigId, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("sender_device_id", BigId, sa.ForeignKey("dm_devices.id", ondelete="CASCADE"), nullable=False),
    # The sender's own id for the message: a retried send finds the first one instead of storing a copy.
    sa.Column("client_id", sa.String(64), nullable=False),
    # Relay order, taken from a counter inside the sending transaction, so commit order is cursor order.
    sa.Column("seq", sa.BigInteger, nullable=False, unique=True),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("sender_device_id", "client_id", name="uq_dm_messages_sender_device_client"),
    sa.Index("ix_dm_messages_conversation", "conversation_id", "seq"),
)

# One ciphertext per recipient device; a device reads its own by cursor (seq).
dm_envelopes = sa.Table(
    "dm_envelopes", metadata,
    sa.Column("device_id", BigId, sa.ForeignKey("dm_devices.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True),
    sa.Column("message_id", BigId, sa.ForeignKey("dm_messages.id", ondelete="CASCADE"), nullable=False),
    sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    sa.Index("ix_dm_envelopes_message", "message_id"),
)

# A recipient's report of a private message: the plaintext they chose to hand to the moderators. It belongs to
# moderation (it is not a dm_* table): the reporter's copy, given with consent, never read from dm_* tables.
message_reports = sa.Table(
    "message_reports", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("item_id", BigId, sa.ForeignKey("moderation_items.id", ondelete="CASCADE"), nullable=False),
    sa.Column("reporter_id", BigId, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("reported_id", BigId, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("message_ref", sa.String(40), nullable=False),
    sa.Column("reason", sa.String(20), nullable=False),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("plaintext", sa.Text, nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_message_reports_item", "item_id"),
)

meta = sa.Table(
    "meta", metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
