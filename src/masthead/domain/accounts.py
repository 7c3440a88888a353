"""Accounts, roles and the handle rules shared by accounts and channels."""
from __future__ import annotations

import re
from enum import StrEnum

from masthead.domain.errors import Unprocessable


class Role(StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"
    VERIFIER = "verifier"
    TRIAGE = "triage"
    MEMBER = "member"


HANDLE_PATTERN = re.compile(r"[a-z0-9_]{3,30}")

# Words that would be confused with the service itself or its pages.
RESERVED_HANDLES = frozenset({
    "admin", "administrator", "api", "app", "about", "account", "accounts", "all", "auth", "channel",
    "channels", "decisions", "feed", "help", "home", "login", "logout", "masthead", "me", "metrics",
    "moderation", "moderator", "new", "notifications", "official", "posts", "root", "search", "settings",
    "signin", "signup", "static", "stream", "support", "system", "transparency", "verified", "www",
})

MIN_PASSWORD_LENGTH = 8
MAX_DISPLAY_NAME_LENGTH = 100


def check_handle(handle: str, *, field: str = "handle") -> str:
    if not HANDLE_PATTERN.fullmatch(handle):
        raise Unprocessable(
            f"{field} must be 3 to 30 characters of lowercase letters, digits or underscore (got {handle!r})",
            code="invalid_handle",
        )
    if handle in RESERVED_HANDLES:
        raise Unprocessable(f"{field} {handle!r} is reserved; choose another", code="reserved_handle")
    return handle


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Unprocessable(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters", code="weak_password"
        )
    return password


def check_display_name(name: str, *, field: str = "display_name") -> str:
    if len(name) > MAX_DISPLAY_NAME_LENGTH:
        raise Unprocessable(
            f"{field} must be at most {MAX_DISPLAY_NAME_LENGTH} characters", code="invalid_name"
        )
    name = name.strip()
    if not name:
        raise Unprocessable(f"{field} must not be empty", code="invalid_name")
    return name


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise Unprocessable(f"unknown role {value!r}; expected one of {allowed}", code="invalid_role") from None
