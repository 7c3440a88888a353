"""Write limits: every POST, PUT, PATCH and DELETE counts against the signed-in account and the client address,
in fixed windows of `write_limit_window_seconds`. With MASTHEAD_REDIS_URL set, every node counts in Redis, so N
nodes together allow the limit once; without Redis (or while it cannot be reached) each process counts its own.
Past a limit the answer is 429 with Retry-After; every write response carries X-RateLimit-Limit, -Remaining and
-Reset for the tighter of the two."""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from masthead.api.deps import token_account
from masthead.context import Context
from masthead.domain.errors import RateLimited, Unauthenticated

if TYPE_CHECKING:
    import redis.asyncio as redis

log = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
STATE_KEY = "write_limit"
REDIS_PREFIX = "masthead:writes:"


@dataclass(frozen=True)
class Verdict:
    limit: int
    remaining: int
    reset_at: datetime

    @property
    def allowed(self) -> bool:
        return self.remaining >= 0


class WindowCounts(Protocol):
    async def add(self, key: str, window_index: int, window_seconds: float) -> int:
        """Count one more hit of `key` in the window; the count so far in that window."""


class LocalCounts:
    """This process's counts; a window's are dropped when the next one starts."""

    def __init__(self) -> None:
        self._index = -1
        self._counts: dict[str, int] = {}

    async def add(self, key: str, window_index: int, window_seconds: float) -> int:
        if window_index != self._index:
            self._index, self._counts = window_index, {}
        count = self._counts.get(key, 0) + 1
        self._counts[key] = count
        return count


class RedisCounts:
    """Counts every node shares: one INCR per hit of a key named by the window, expiring soon after it ends.
    While Redis cannot be reached this process counts alone (a write is never refused for Redis's sake)."""

    def __init__(self, client: redis.Redis, prefix: str = REDIS_PREFIX) -> None:
        from redis.exceptions import RedisError  # Redis is imported only when configured

        self.client = client
        self.prefix = prefix
        self.fallback = LocalCounts()
        self._unreachable: tuple[type[Exception], ...] = (RedisError, OSError)
        self._warned_window = -1

    async def add(self, key: str, window_index: int, window_seconds: float) -> int:
        name = f"{self.prefix}{window_index}:{key}"
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.incr(name)
                pipe.expire(name, math.ceil(window_seconds) + 1, nx=True)
                count, _ = await pipe.execute()
            return int(count)
        except self._unreachable as exc:
            if self._warned_window != window_index:
                self._warned_window = window_index
                log.warning("write limits counted by this process alone: Redis is unreachable (%s)", exc)
            return await self.fallback.add(key, window_index, window_seconds)


class FixedWindowCounter:
    """At most `limit` hits per key in each window."""

    def __init__(self, limit: int, window: timedelta, counts: WindowCounts) -> None:
        self.limit = limit
        self.window = window
        self.counts = counts

    async def hit(self, key: str, now: datetime) -> Verdict:
        seconds = self.window.total_seconds()
        index = int(now.timestamp() // seconds)
        count = await self.counts.add(key, index, seconds)
        reset_at = datetime.fromtimestamp((index + 1) * seconds, tz=now.tzinfo)
        return Verdict(self.limit, self.limit - count, reset_at)


class WriteLimits:
    def __init__(self, per_account: int, per_address: int, window_seconds: float,
                 counts: WindowCounts | None = None) -> None:
        window = timedelta(seconds=window_seconds)
        counts = counts or LocalCounts()
        self.counts = counts
        self.per_account = FixedWindowCounter(per_account, window, counts) if per_account > 0 else None
        self.per_address = FixedWindowCounter(per_address, window, counts) if per_address > 0 else None

    async def check(self, account_id: int | None, address: str, now: datetime) -> Verdict | None:
        """The tighter verdict, or None when no limit applies; RateLimited past either limit."""
        verdicts = []
        if self.per_account is not None and account_id is not None:
            verdicts.append(("account", await self.per_account.hit(f"account:{account_id}", now)))
        if self.per_address is not None:
            verdicts.append(("address", await self.per_address.hit(f"address:{address}", now)))
        if not verdicts:
            return None
        who, tightest = min(verdicts, key=lambda pair: pair[1].remaining)
        if not tightest.allowed:
            raise RateLimited(f"too many writes from this {who}: at most {tightest.limit} per "
                              f"{int(self.window_seconds)} seconds", limit=tightest.limit, reset_at=tightest.reset_at,
                              retry_after=max(1, int((tightest.reset_at - now).total_seconds() + 0.999)))
        return tightest

    async def close(self) -> None:
        if isinstance(self.counts, RedisCounts):
            await self.counts.client.aclose()

    @property
    def window_seconds(self) -> float:
        counter = self.per_account or self.per_address
        return counter.window.total_seconds() if counter else 0.0


def write_limits_for(ctx: Context) -> WriteLimits:
    settings = ctx.settings
    counts: WindowCounts | None = None
    if settings.redis_url:
        import redis.asyncio as redis

        counts = RedisCounts(redis.Redis.from_url(settings.redis_url, socket_connect_timeout=1, socket_timeout=1))
    return WriteLimits(settings.write_limit_per_account, settings.write_limit_per_address,
                       settings.write_limit_window_seconds, counts)


async def limit_writes(connection: HTTPConnection) -> None:
    """An app-wide dependency (so every route added later is counted too): counts writes; reads and WebSocket
    connections pass untouched."""
    if connection.scope["type"] != "http" or connection.scope["method"] not in WRITE_METHODS:
        return
    ctx: Context = connection.app.state.ctx
    try:
        account = await token_account(connection, ctx)
    except Unauthenticated:  # the route's own authentication answers that
        account = None
    address = connection.client.host if connection.client else "unknown"
    verdict = await connection.app.state.write_limits.check(None if account is None else account.id, address,
                                                            ctx.clock.now())
    if verdict is not None:
        connection.scope.setdefault("state", {})[STATE_KEY] = verdict


class RateLimitHeaders:
    """Adds X-RateLimit-* of the write limit to responses that do not already carry a limit of their own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            verdict = scope.get("state", {}).get(STATE_KEY)
            if message["type"] == "http.response.start" and isinstance(verdict, Verdict):
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"x-ratelimit-limit" for name, _ in headers):
                    headers += [(b"x-ratelimit-limit", str(verdict.limit).encode()),
                                (b"x-ratelimit-remaining", str(max(0, verdict.remaining)).encode()),
                                (b"x-ratelimit-reset", verdict.reset_at.isoformat().encode())]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
