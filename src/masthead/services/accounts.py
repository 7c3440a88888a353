"""Sign up, sign in and token authentication."""
from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from masthead.context import Context
from masthead.domain.accounts import Role, check_display_name, check_handle, check_password
from masthead.domain.errors import Conflict, NotFound, Unauthenticated
from masthead.domain.models import Account
from masthead.store import accounts as store
from masthead.store.audit import append_audit_txn

TOKEN_BYTES = 32


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def do_sign_up(
    ctx: Context, *, handle: str, password: str, display_name: str, roles: Iterable[Role] = (Role.MEMBER,)
) -> tuple[Account, str]:
    handle = check_handle(handle)
    check_password(password)
    display_name = check_display_name(display_name)
    password_hash = await asyncio.to_thread(ctx.hasher.hash, password)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = ctx.clock.now()
    async with ctx.db.write() as connection:
        account_id = await store.insert_account_txn(
            connection, handle=handle, display_name=display_name, password_hash=password_hash,
            roles={Role.MEMBER, *roles}, now=now)
        if account_id is None:
            raise Conflict(f"the handle {handle!r} is taken", code="handle_taken")
        await store.insert_token_txn(connection, token_hash=hash_token(token), account_id=account_id, now=now)
        account = await store.account_by_id(connection, account_id)
        assert account is not None
        await append_audit_txn(connection, actor=f"account:{handle}", action="account.create",
                               subject=f"account:{handle}", payload={"roles": sorted(r.value for r in account.roles)},
                               now=now)
    assert account is not None
    return account, token


async def do_sign_in(ctx: Context, *, handle: str, password: str) -> str:
    async with ctx.db.read() as connection:
        found = await store.password_hash_of(connection, handle)
    failure = Unauthenticated("handle or password is wrong", code="invalid_credentials")
    if found is None:
        # Spend the same time as a real check so that timing does not reveal which handles exist.
        await asyncio.to_thread(_verify_quietly, ctx, _DUMMY_HASH_SOURCE, password)
        raise failure
    account_id, password_hash = found
    if not await asyncio.to_thread(_verify_quietly, ctx, password_hash, password):
        raise failure
    token = secrets.token_urlsafe(TOKEN_BYTES)
    async with ctx.db.write() as connection:
        if ctx.hasher.check_needs_rehash(password_hash):
            rehashed = await asyncio.to_thread(ctx.hasher.hash, password)
            await store.update_password_hash_txn(connection, account_id, rehashed)
        await store.insert_token_txn(connection, token_hash=hash_token(token), account_id=account_id,
                                     now=ctx.clock.now())
    return token


async def do_sign_out(ctx: Context, token: str) -> None:
    """End a session: the token stops working at once."""
    async with ctx.db.write() as connection:
        await store.delete_token_txn(connection, hash_token(token))


_DUMMY_HASH_SOURCE = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$hYbT9gJ8c0ZyFh0P0GmZQ0r6xGmF5Hk2lC9bZxY1q6E"


def _verify_quietly(ctx: Context, password_hash: str, password: str) -> bool:
    try:
        return ctx.hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _sessions_issued_after(ctx: Context) -> datetime:
    return ctx.clock.now() - timedelta(days=ctx.settings.session_days)


async def access_account_by_token(ctx: Context, token: str) -> Account:
    async with ctx.db.read() as connection:
        account = await store.account_by_token_hash(connection, hash_token(token), _sessions_issued_after(ctx))
    if account is None:
        raise Unauthenticated("this token is not valid or has expired; sign in again with POST /api/v1/sessions",
                              code="invalid_token")
    return account


# A session is named by the start of its token's hash: enough to tell sessions apart, and useless to sign in with.
SESSION_ID_LENGTH = 16


@dataclass(frozen=True)
class SessionView:
    id: str
    created_at: datetime
    expires_at: datetime
    current: bool


async def sessions_of(ctx: Context, account: Account, current_token: str | None) -> list[SessionView]:
    async with ctx.db.read() as connection:
        found = await store.sessions_of(connection, account.id, _sessions_issued_after(ctx))
    current_hash = hash_token(current_token) if current_token else None
    lifetime = timedelta(days=ctx.settings.session_days)
    return [SessionView(s.token_hash[:SESSION_ID_LENGTH], s.created_at, s.created_at + lifetime,
                        s.token_hash == current_hash) for s in found]


async def do_revoke_session(ctx: Context, account: Account, session_id: str) -> None:
    """End one of the account's own sessions (on a lost phone, say); its token stops working at once."""
    if len(session_id) != SESSION_ID_LENGTH or not all(c in "0123456789abcdef" for c in session_id):
        raise NotFound(f"no session {session_id!r}", code="session_not_found")
    async with ctx.db.write() as connection:
        if not await store.delete_account_token_txn(connection, account.id, session_id):
            raise NotFound(f"no session {session_id!r}", code="session_not_found")
