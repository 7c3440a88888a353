"""Cursors over the publication order: (feed_seq, post id) of the last item seen.

Every batch of posts the pipeline publishes takes the next value of one counter inside its own transaction,
so feed_seq follows commit order: a reader who has seen (s, i) has seen every post ordered before it, and
timelines, feeds and the live stream can all resume from the same cursor without missing anything."""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from masthead.domain.errors import BadRequest

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Ids and cursor numbers have at most 18 digits, so every one a client can send fits a 64-bit column.
ID_PATTERN = "[0-9]{1,18}"
_NUMBER = "-?[0-9]{1,18}"


def cursor_pattern(parts: int, optional_parts: int = 0) -> str:
    """The regular expression (anchored, for the OpenAPI document) of a cursor of dot-separated numbers; an
    empty cursor means the first page."""
    tail = f"(\\.{_NUMBER}){{{parts - 1},{parts - 1 + optional_parts}}}"
    return f"^({_NUMBER}{tail})?$"


def parse_id(text: str) -> int | None:
    """The id a path names, or None when it cannot be one (then nothing has it)."""
    return int(text) if re.fullmatch(ID_PATTERN, text) else None


def invalid_cursor() -> BadRequest:
    return BadRequest("cursor is not one this server issued; start again without it", code="invalid_cursor")


def decode_numbers(token: str, counts: tuple[int, ...]) -> list[int]:
    """The numbers of a cursor `n.n[.n]` with one of `counts` parts, or BadRequest. Cursors issued before
    they were written plainly (unpadded base64url of the same text) are still read."""
    text = token
    if "." not in text:
        try:
            text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise invalid_cursor() from None
    parts = text.split(".")
    if len(parts) not in counts or not all(re.fullmatch(_NUMBER, part) for part in parts):
        raise invalid_cursor()
    return [int(part) for part in parts]


@dataclass(frozen=True, order=True)
class Cursor:
    feed_seq: int
    post_id: int

    PATTERN = cursor_pattern(2)

    def encode(self) -> str:
        return f"{self.feed_seq}.{self.post_id}"

    @classmethod
    def decode(cls, token: str) -> Cursor:
        feed_seq, post_id = decode_numbers(token, (2,))
        return cls(feed_seq=feed_seq, post_id=post_id)


def check_page_size(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE_SIZE}", code="invalid_limit")
    return limit


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
