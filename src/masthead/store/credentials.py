"""Credential applications, their events and files, and credentials."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.store.tables import application_events, application_files, credential_applications, credentials


@dataclass(frozen=True)
class Application:
    id: int
    channel_id: int
    applicant_id: int
    scopes: list[str]
    evidence: dict[str, Any]
    state: str
    reason: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Credential:
    id: int
    channel_id: int
    scope: str
    issuer: str
    verified_handle: str
    verified_name: str
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoke_reason: str | None
    lapsed_at: datetime | None
    renews: int | None

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None and self.revoked_at <= now:
            return "revoked"
        if self.lapsed_at is not None and self.lapsed_at <= now:
            return "lapsed_name_change"
        if now >= self.expires_at:
            return "expired"
        return "valid" if now >= self.granted_at else "pending"


def _application(row: Any) -> Application:
    return Application(id=row.id, channel_id=row.channel_id, applicant_id=row.applicant_id, scopes=list(row.scopes),
                       evidence=dict(row.evidence), state=row.state, reason=row.reason, created_at=row.created_at,
                       updated_at=row.updated_at)


def _credential(row: Any) -> Credential:
    return Credential(id=row.id, channel_id=row.channel_id, scope=row.scope, issuer=row.issuer,
                      verified_handle=row.verified_handle, verified_name=row.verified_name, granted_at=row.granted_at,
                      expires_at=row.expires_at, revoked_at=row.revoked_at, revoke_reason=row.revoke_reason,
                      lapsed_at=row.lapsed_at, renews=row.renews)


async def insert_application_txn(connection: AsyncConnection, *, channel_id: int, applicant_id: int,
                                 scopes: list[str], evidence: dict[str, Any], now: datetime) -> int:
    application_id: int = (await connection.execute(credential_applications.insert().values(
        channel_id=channel_id, applicant_id=applicant_id, scopes=scopes, evidence=evidence, state="submitted",
        created_at=now, updated_at=now).returning(credential_applications.c.id))).scalar_one()
    return application_id


async def application_by_id(connection: AsyncConnection, application_id: int, *,
                            for_update: bool = False) -> Application | None:
    query = sa.select(credential_applications).where(credential_applications.c.id == application_id)
    if for_update:
        query = query.with_for_update()
    row = (await connection.execute(query)).first()
    return None if row is None else _application(row)


async def applications_of_channel(connection: AsyncConnection, channel_id: int) -> list[Application]:
    rows = await connection.execute(sa.select(credential_applications).where(
        credential_applications.c.channel_id == channel_id).order_by(credential_applications.c.id.desc()))
    return [_application(row) for row in rows]


async def set_application_state_txn(connection: AsyncConnection, application_id: int, state: str,
                                    reason: str | None, now: datetime) -> None:
    await connection.execute(credential_applications.update().where(credential_applications.c.id == application_id)
                             .values(state=state, reason=reason, updated_at=now))


async def insert_application_event_txn(connection: AsyncConnection, *, application_id: int, actor_id: int,
                                       action: str, reason: str | None, now: datetime) -> None:
    await connection.execute(application_events.insert().values(
        application_id=application_id, actor_id=actor_id, action=action, reason=reason, created_at=now))


async def application_history(connection: AsyncConnection, application_id: int) -> list[dict[str, Any]]:
    rows = await connection.execute(sa.select(application_events).where(
        application_events.c.application_id == application_id).order_by(application_events.c.id))
    return [{"action": r.action, "actor_id": str(r.actor_id), "reason": r.reason, "at": r.created_at.isoformat()}
            for r in rows]


async def insert_file_txn(connection: AsyncConnection, *, application_id: int, original_name: str,
                          content_type: str, size: int, sha256: str, stored_name: str, now: datetime) -> int:
    file_id: int = (await connection.execute(application_files.insert().values(
        application_id=application_id, original_name=original_name, content_type=content_type, size=size,
        sha256=sha256, stored_name=stored_name, created_at=now).returning(application_files.c.id))).scalar_one()
    return file_id


async def files_of(connection: AsyncConnection, application_id: int) -> list[dict[str, Any]]:
    rows = await connection.execute(sa.select(application_files).where(
        application_files.c.application_id == application_id).order_by(application_files.c.id))
    return [{"id": str(r.id), "name": r.original_name, "content_type": r.content_type, "size": r.size,
             "sha256": r.sha256} for r in rows]


async def insert_credential_txn(connection: AsyncConnection, **values: Any) -> int:
    credential_id: int = (await connection.execute(
        credentials.insert().values(**values).returning(credentials.c.id))).scalar_one()
    return credential_id


async def credentials_of(connection: AsyncConnection, channel_ids: Sequence[int]) -> list[Credential]:
    rows = await connection.execute(sa.select(credentials).where(credentials.c.channel_id.in_(list(channel_ids)))
                                    .order_by(credentials.c.scope, credentials.c.granted_at))
    return [_credential(row) for row in rows]


async def current_credential(connection: AsyncConnection, channel_id: int, scope: str,
                             now: datetime) -> Credential | None:
    """The credential in force for the scope (valid now), if any."""
    for credential in reversed(await credentials_of(connection, [channel_id])):
        if credential.scope == scope and credential.status(now) == "valid":
            return credential
    return None


async def credentials_valid_at(connection: AsyncConnection, moments: Sequence[tuple[int, datetime]]
                               ) -> dict[tuple[int, datetime], list[str]]:
    """For each (channel, moment): the scopes whose credential counted at that moment. One query per batch."""
    found = await credentials_of(connection, sorted({channel for channel, _ in moments}))
    return {(channel, at): sorted({c.scope for c in found if c.channel_id == channel and c.status(at) == "valid"})
            for channel, at in moments}


async def revoke_txn(connection: AsyncConnection, credential_id: int, reason: str, now: datetime) -> None:
    await connection.execute(credentials.update().where(credentials.c.id == credential_id)
                             .values(revoked_at=now, revoke_reason=reason))


async def lapse_mismatched_txn(connection: AsyncConnection, channel_id: int, handle: str, name: str,
                               now: datetime) -> int:
    """A rename ends every credential verified under the old handle or name."""
    result = await connection.execute(credentials.update().where(
        credentials.c.channel_id == channel_id, credentials.c.lapsed_at.is_(None), credentials.c.expires_at > now,
        sa.or_(credentials.c.verified_handle != handle, credentials.c.verified_name != name)).values(lapsed_at=now))
    return result.rowcount


async def due_reminders(connection: AsyncConnection, now: datetime, horizon: datetime) -> list[Credential]:
    rows = await connection.execute(sa.select(credentials).where(
        credentials.c.reminded_at.is_(None), credentials.c.revoked_at.is_(None), credentials.c.lapsed_at.is_(None),
        credentials.c.expires_at > now, credentials.c.expires_at <= horizon))
    return [_credential(row) for row in rows]


async def mark_reminded_txn(connection: AsyncConnection, credential_id: int, now: datetime) -> bool:
    result = await connection.execute(credentials.update().where(
        credentials.c.id == credential_id, credentials.c.reminded_at.is_(None)).values(reminded_at=now))
    return bool(result.rowcount)


async def stored_file(connection: AsyncConnection, application_id: int, file_id: int) -> dict[str, Any] | None:
    """One evidence file of an application, with the name it is stored under."""
    row = (await connection.execute(sa.select(application_files).where(
        application_files.c.id == file_id, application_files.c.application_id == application_id))).first()
    if row is None:
        return None
    return {"name": row.original_name, "content_type": row.content_type, "size": row.size,
            "stored_name": row.stored_name}
