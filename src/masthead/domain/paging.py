"""Opaque cursors over the publication order: (feed_seq, post id) of the last item seen.

Every batch of posts the pipeline publishes takes the next value of one counter inside its own transaction,
so feed_seq follows commit order: a reader who has seen (s, i) has seen every post ordered before it, and
timelines, feeds and the live stream can all resume from the same cursor without missing anything."""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Generic, TypeVar

from masthead.domain.errors import BadRequest

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True, order=True)
class Cursor:
    feed_seq: int
    post_id: int

    def encode(self) -> str:
        return base64.urlsafe_b64encode(f"{self.feed_seq}.{self.post_id}".encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            feed_seq, post_id = raw.split(".")
            return cls(feed_seq=int(feed_seq), post_id=int(post_id))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise BadRequest("cursor is not one this server issued; start again without it",
                             code="invalid_cursor") from None


def check_page_size(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE_SIZE}", code="invalid_limit")
    return limit


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
