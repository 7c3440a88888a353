"""Errors a person can act on: a stable snake_case code, a message, and the HTTP status that fits."""
from __future__ import annotations

from datetime import datetime


class MastheadError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class BadRequest(MastheadError):
    status = 400
    code = "bad_request"


class Unauthenticated(MastheadError):
    status = 401
    code = "unauthenticated"


class Forbidden(MastheadError):
    status = 403
    code = "forbidden"


class NotFound(MastheadError):
    status = 404
    code = "not_found"


class Conflict(MastheadError):
    status = 409
    code = "conflict"


class PayloadTooLarge(MastheadError):
    status = 413
    code = "payload_too_large"


class Unprocessable(MastheadError):
    status = 422
    code = "invalid_request"


class RateLimited(MastheadError):
    """Too many requests: `limit` per window, the window ends at `reset_at`, try again in `retry_after` seconds."""
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, limit: int, reset_at: datetime, retry_after: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.reset_at = reset_at
        self.retry_after = retry_after
