"""Posts: their states, the outcomes a decision can have, and input rules."""
from __future__ import annotations

import re
from enum import StrEnum

from masthead.domain.errors import PayloadTooLarge, Unprocessable


class PostState(StrEnum):
    RECEIVED = "received"
    PUBLISHED = "published"
    HELD = "held"
    REJECTED = "rejected"
    REMOVED = "removed"


class Outcome(StrEnum):
    PUBLISH = "publish"
    LABEL = "label"
    LIMIT = "limit"
    HOLD = "hold"
    REJECT = "reject"

    @property
    def state(self) -> PostState:
        return _STATE_OF_OUTCOME[self]


_STATE_OF_OUTCOME = {
    Outcome.PUBLISH: PostState.PUBLISHED,
    Outcome.LABEL: PostState.PUBLISHED,
    Outcome.LIMIT: PostState.PUBLISHED,
    Outcome.HOLD: PostState.HELD,
    Outcome.REJECT: PostState.REJECTED,
}

MAX_TITLE_LENGTH = 300


def analysed_text(title: str, body: str) -> str:
    """What the classifiers and the reprint index read of a post: its title, a blank line, its body."""
    return title + "\n\n" + body


def check_title(title: str) -> str:
    if len(title) > MAX_TITLE_LENGTH:
        raise Unprocessable(f"title must be at most {MAX_TITLE_LENGTH} characters", code="invalid_title")
    title = title.strip()
    if not title:
        raise Unprocessable("title must not be empty", code="invalid_title")
    return title


def check_body(body: str, max_bytes: int) -> str:
    size = len(body.encode("utf-8"))
    if size > max_bytes:
        raise PayloadTooLarge(
            f"body is {size} bytes; this server accepts at most {max_bytes} bytes per post"
        )
    if not body.strip():
        raise Unprocessable("body must not be empty", code="invalid_body")
    return body


REPRINT_RIGHTS = ("allow", "attribute", "deny", "verified_only")


def check_rights(policy: str, whitelist: list[str], *, original: bool) -> tuple[str, list[str]]:
    if policy not in REPRINT_RIGHTS:
        raise Unprocessable(f"rights.policy must be one of {', '.join(REPRINT_RIGHTS)}", code="invalid_rights")
    if (policy != "attribute" or whitelist) and not original:
        raise Unprocessable("reprint rights belong to posts declared original (\"original\": true)",
                            code="rights_need_original")
    return policy, sorted(set(whitelist))


# An absolute http or https URL with a host, and no white space anywhere.
SOURCE_URL_PATTERN = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#\x00]+([/?#][^\s\x00]*)?")
MAX_SOURCE_URL_LENGTH = 2000


def check_source_url(url: str) -> str:
    if len(url) > MAX_SOURCE_URL_LENGTH:
        raise Unprocessable(f"source_url must be at most {MAX_SOURCE_URL_LENGTH} characters",
                            code="invalid_source_url")
    if not SOURCE_URL_PATTERN.fullmatch(url):
        raise Unprocessable("source_url must be an absolute http or https URL", code="invalid_source_url")
    return url
