"""Opaque cursors for newest-first lists: the (published_at, id) of the last item seen."""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from masthead.domain.errors import BadRequest

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class Cursor:
    published_at: datetime
    post_id: int

    def encode(self) -> str:
        raw = f"{self.published_at.isoformat()}|{self.post_id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            moment, post_id = raw.split("|")
            published_at = datetime.fromisoformat(moment)
            if published_at.tzinfo is None:
                raise ValueError("naive time")
            return cls(published_at=published_at, post_id=int(post_id))
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
