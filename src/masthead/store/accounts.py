"""Accounts, roles and tokens."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.domain.accounts import Role
from masthead.domain.models import Account
from masthead.store.tables import account_roles, accounts, tokens


async def insert_account_txn(
    connection: AsyncConnection, *, handle: str, display_name: str, password_hash: str,
    roles: Iterable[Role], now: datetime,
) -> int | None:
    """The new account's id, or None when the handle is taken."""
    result = await connection.execute(
        sa.select(accounts.c.id).where(accounts.c.handle == handle)
    )
    if result.first() is not None:
        return None
    account_id: int = (await connection.execute(
        accounts.insert().values(handle=handle, display_name=display_name, password_hash=password_hash,
                                 created_at=now).returning(accounts.c.id)
    )).scalar_one()
    role_rows = [{"account_id": account_id, "role": role.value} for role in set(roles)]
    await connection.execute(account_roles.insert(), role_rows)
    return account_id


async def add_role_txn(connection: AsyncConnection, account_id: int, role: Role) -> None:
    exists = (await connection.execute(sa.select(account_roles.c.role).where(
        account_roles.c.account_id == account_id, account_roles.c.role == role.value))).first()
    if exists is None:
        await connection.execute(account_roles.insert().values(account_id=account_id, role=role.value))


async def insert_token_txn(connection: AsyncConnection, *, token_hash: str, account_id: int, now: datetime) -> None:
    await connection.execute(tokens.insert().values(token_hash=token_hash, account_id=account_id, created_at=now))


async def delete_token_txn(connection: AsyncConnection, token_hash: str) -> None:
    await connection.execute(tokens.delete().where(tokens.c.token_hash == token_hash))


async def _roles_of(connection: AsyncConnection, account_id: int) -> frozenset[Role]:
    rows = await connection.execute(sa.select(account_roles.c.role).where(account_roles.c.account_id == account_id))
    return frozenset(Role(row.role) for row in rows)


async def _account_where(connection: AsyncConnection, condition: sa.ColumnElement[bool]) -> Account | None:
    row = (await connection.execute(
        sa.select(accounts.c.id, accounts.c.handle, accounts.c.display_name, accounts.c.created_at).where(condition)
    )).first()
    if row is None:
        return None
    return Account(id=row.id, handle=row.handle, display_name=row.display_name,
                   roles=await _roles_of(connection, row.id), created_at=row.created_at)


async def account_by_handle(connection: AsyncConnection, handle: str) -> Account | None:
    return await _account_where(connection, accounts.c.handle == handle)


async def account_by_id(connection: AsyncConnection, account_id: int) -> Account | None:
    return await _account_where(connection, accounts.c.id == account_id)


async def account_by_token_hash(connection: AsyncConnection, token_hash: str, issued_after: datetime) -> Account | None:
    """The account of a token issued after the given moment (older tokens have expired)."""
    return await _account_where(connection, accounts.c.id == sa.select(tokens.c.account_id).where(
        tokens.c.token_hash == token_hash, tokens.c.created_at > issued_after).scalar_subquery())


@dataclass(frozen=True)
class Session:
    token_hash: str
    created_at: datetime


async def sessions_of(connection: AsyncConnection, account_id: int, issued_after: datetime) -> list[Session]:
    rows = await connection.execute(sa.select(tokens.c.token_hash, tokens.c.created_at).where(
        tokens.c.account_id == account_id, tokens.c.created_at > issued_after).order_by(tokens.c.created_at.desc()))
    return [Session(row.token_hash, row.created_at) for row in rows]


async def delete_account_token_txn(connection: AsyncConnection, account_id: int, token_hash_prefix: str) -> int:
    result = await connection.execute(tokens.delete().where(
        tokens.c.account_id == account_id, tokens.c.token_hash.startswith(token_hash_prefix, autoescape=True)))
    return int(result.rowcount or 0)


async def password_hash_of(connection: AsyncConnection, handle: str) -> tuple[int, str] | None:
    row = (await connection.execute(
        sa.select(accounts.c.id, accounts.c.password_hash).where(accounts.c.handle == handle)
    )).first()
    return None if row is None else (row.id, row.password_hash)


async def update_password_hash_txn(connection: AsyncConnection, account_id: int, password_hash: str) -> None:
    await connection.execute(accounts.update().where(accounts.c.id == account_id).values(password_hash=password_hash))
