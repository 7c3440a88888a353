"""Plain records passed between the store, the services and the interfaces."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from masthead.domain.accounts import Role
from masthead.domain.permissions import ChannelRole
from masthead.domain.posts import PostState


@dataclass(frozen=True)
class Account:
    id: int
    handle: str
    display_name: str
    roles: frozenset[Role]
    created_at: datetime


@dataclass(frozen=True)
class Channel:
    id: int
    handle: str
    name: str
    description: str
    created_at: datetime


@dataclass(frozen=True)
class ChannelMember:
    account_id: int
    handle: str
    role: ChannelRole


@dataclass(frozen=True)
class Post:
    id: int
    channel_id: int
    channel_handle: str
    author_id: int
    title: str
    body: str
    body_html: str
    state: PostState
    lang: str | None
    labels: tuple[str, ...]
    reprint_of: int | None
    source_url: str | None
    original: bool
    created_at: datetime
    published_at: datetime | None
    feed_seq: int | None
