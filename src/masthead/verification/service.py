"""Credential applications and their review, credentials, renewals, revocations and reminders."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.context import Context
from masthead.domain.errors import Conflict, Forbidden, NotFound, Unprocessable
from masthead.domain.models import Account, Channel
from masthead.domain.moderation import Action, ItemKind, ReviewState
from masthead.domain.permissions import Action as Permission
from masthead.domain.permissions import allowed, check_allowed, may_manage_channel
from masthead.moderation.recording import item_priority
from masthead.services.channels import access_channel
from masthead.store import credentials as store
from masthead.store import moderation as moderation_store
from masthead.store.audit import append_audit_txn
from masthead.store.channels import channel_by_id, member_role
from masthead.store.notifications import do_notify_txn
from masthead.store.tables import channel_members, moderation_items
from masthead.verification.scopes import Scope, check_scopes, load_scopes

OPEN_STATES = ("submitted", "under_review")
REMINDER_DAYS = 30
ISSUER = "Masthead verification"


MAX_STATEMENT_LENGTH = 10_000


@dataclass(frozen=True)
class Evidence:
    organisation: str
    registration_number: str
    contact: str
    statement: str

    def check(self) -> dict[str, str]:
        for name in ("organisation", "registration_number", "contact"):
            if not getattr(self, name).strip():
                raise Unprocessable(f"evidence.{name} must not be empty", code="invalid_evidence")
        if len(self.statement) > MAX_STATEMENT_LENGTH:
            raise Unprocessable("evidence.statement must be at most 10,000 characters", code="invalid_evidence")
        return {"organisation": self.organisation.strip(), "registration_number": self.registration_number.strip(),
                "contact": self.contact.strip(), "statement": self.statement}


def scopes_of(ctx: Context) -> dict[str, Scope]:
    return load_scopes(ctx.settings.scopes_file)


async def _owner_of(connection: AsyncConnection, channel_id: int) -> int:
    owner: int = (await connection.execute(sa.select(channel_members.c.account_id).where(
        channel_members.c.channel_id == channel_id, channel_members.c.role == "owner"))).scalar_one()
    return owner


async def _record_txn(connection: AsyncConnection, application: store.Application, actor: Account, action: str,
                      reason: str | None, now: datetime) -> None:
    await store.insert_application_event_txn(connection, application_id=application.id, actor_id=actor.id,
                                             action=action, reason=reason, now=now)
    await do_notify_txn(connection, await _owner_of(connection, application.channel_id), "credential_application", {
        "application_id": str(application.id), "scopes": application.scopes, "step": action, "reason": reason}, now)
    await append_audit_txn(connection, actor=f"account:{actor.handle}", action=f"credential.{action}",
                           subject=f"application:{application.id}", payload={"scopes": application.scopes,
                                                                             "reason": reason}, now=now)


async def do_apply(ctx: Context, owner: Account, handle: str, scopes: list[str], evidence: Evidence) -> int:
    channel = await access_channel(ctx, handle)
    names = check_scopes(scopes, scopes_of(ctx))
    details = evidence.check()
    now = ctx.clock.now()
    async with ctx.db.write() as connection:
        if not may_manage_channel(await member_role(connection, channel.id, owner.id)):
            raise Forbidden(f"only the owner of {handle!r} may apply for its credentials")
        for earlier in await store.applications_of_channel(connection, channel.id):
            overlap = set(earlier.scopes) & set(names)
            if not overlap:
                continue
            if earlier.state in OPEN_STATES:
                raise Conflict(f"application {earlier.id} for {', '.join(sorted(overlap))} is still open",
                               code="application_open")
            wait_until = earlier.updated_at + timedelta(days=ctx.settings.reapply_wait_days)
            if earlier.state == "denied" and now < wait_until:
                raise Conflict(f"application {earlier.id} was denied; you may apply again from "
                               f"{wait_until.date().isoformat()}", code="reapply_too_soon")
        application_id = await store.insert_application_txn(connection, channel_id=channel.id, applicant_id=owner.id,
                                                            scopes=names, evidence=details, now=now)
        await moderation_store.insert_items_txn(connection, [{
            "kind": ItemKind.APPLICATION.value, "post_id": None, "channel_id": channel.id, "decision_id": None,
            "application_id": application_id, "priority": item_priority(2, 0), "severity": 2, "reach": 0,
            "automated_origin": False}], now)
        application = await store.application_by_id(connection, application_id)
        assert application is not None
        await _record_txn(connection, application, owner, "submitted", None, now)
    return application_id


async def access_application(ctx: Context, viewer: Account, application_id: int) -> tuple[store.Application, Channel]:
    async with ctx.db.read() as connection:
        application = await store.application_by_id(connection, application_id)
        if application is None:
            raise NotFound(f"no credential application {application_id}", code="application_not_found")
        role = await member_role(connection, application.channel_id, viewer.id)
        channel = await channel_by_id(connection, application.channel_id)
    if not (may_manage_channel(role) or allowed(viewer.roles, Permission.DECIDE_CREDENTIAL)):
        raise NotFound(f"no credential application {application_id}", code="application_not_found")
    assert channel is not None
    return application, channel


async def applications_for(ctx: Context, viewer: Account, handle: str) -> list[store.Application]:
    channel = await access_channel(ctx, handle)
    async with ctx.db.read() as connection:
        role = await member_role(connection, channel.id, viewer.id)
        if not (may_manage_channel(role) or allowed(viewer.roles, Permission.DECIDE_CREDENTIAL)):
            raise Forbidden(f"only the owner of {handle!r} and verifiers see its applications")
        return await store.applications_of_channel(connection, channel.id)


async def application_details(ctx: Context, application_id: int) -> dict[str, Any]:
    async with ctx.db.read() as connection:
        return {"history": await store.application_history(connection, application_id),
                "files": await store.files_of(connection, application_id)}


async def _decide(ctx: Context, verifier: Account, application_id: int, action: str,
                  reason: str | None) -> store.Application:
    """Move an application along; verifiers and admins only, never for their own channel."""
    check_allowed(verifier.roles, Permission.DECIDE_CREDENTIAL)
    now = ctx.clock.now()
    async with ctx.db.write() as connection:
        application = await store.application_by_id(connection, application_id, for_update=True)
        if application is None:
            raise NotFound(f"no credential application {application_id}", code="application_not_found")
        if await member_role(connection, application.channel_id, verifier.id) is not None:
            raise Forbidden("nobody decides an application of a channel they own or write for", code="own_channel")
        if application.state not in OPEN_STATES:
            raise Conflict(f"application {application_id} is already {application.state}", code="application_closed")
        if action == "under_review" and application.state == "under_review":
            raise Conflict(f"application {application_id} is already under review", code="already_under_review")
        if action == "granted":
            scopes = scopes_of(ctx)
            for name in application.scopes:
                if not scopes[name].granted_by & verifier.roles:
                    raise Forbidden(f"scope {name!r} may only be granted by {', '.join(sorted(scopes[name].granted_by))}")
            await _grant_txn(connection, ctx, verifier, application, now)
        await store.set_application_state_txn(connection, application.id, action, reason, now)
        await _record_txn(connection, application, verifier, action, reason, now)
        if action in ("granted", "denied"):
            await _close_item_txn(connection, application.id, verifier, Action.GRANT if action == "granted"
                                  else Action.DENY, reason or "", now)
        updated = await store.application_by_id(connection, application.id)
    assert updated is not None
    return updated


async def _close_item_txn(connection: AsyncConnection, application_id: int, actor: Account, action: Action,
                          reason: str, now: datetime) -> None:
    row = (await connection.execute(sa.select(moderation_items.c.id).where(
        moderation_items.c.application_id == application_id))).scalar()
    if row is None:
        return
    item = await moderation_store.item_by_id(connection, row)
    assert item is not None
    await moderation_store.append_event_txn(connection, item_id=item.id, post_id=None, actor_id=actor.id,
                                            action=action, reason=reason, payload={}, now=now)
    await moderation_store.set_review_state_txn(connection, item, ReviewState.CLOSED, now)


async def _grant_txn(connection: AsyncConnection, ctx: Context, verifier: Account, application: store.Application,
                     now: datetime) -> None:
    channel = await channel_by_id(connection, application.channel_id)
    assert channel is not None
    scopes = scopes_of(ctx)
    for name in application.scopes:
        validity = timedelta(days=scopes[name].validity_days)
        previous = await store.current_credential(connection, channel.id, name, now)
        # A renewal before expiry continues the old credential: the new one runs on from its end.
        expires = (previous.expires_at if previous else now) + validity
        await store.insert_credential_txn(
            connection, channel_id=channel.id, scope=name, issuer=f"{ISSUER} ({verifier.handle})",
            granted_by=verifier.id, application_id=application.id, renews=previous.id if previous else None,
            verified_handle=channel.handle, verified_name=channel.name, granted_at=now, expires_at=expires)


async def do_start_review(ctx: Context, verifier: Account, application_id: int) -> store.Application:
    return await _decide(ctx, verifier, application_id, "under_review", None)


async def do_grant(ctx: Context, verifier: Account, application_id: int) -> store.Application:
    return await _decide(ctx, verifier, application_id, "granted", None)


async def do_deny(ctx: Context, verifier: Account, application_id: int, reason: str) -> store.Application:
    if not reason.strip():
        raise Unprocessable("a denial needs a reason: it is sent to the applicant", code="reason_required")
    return await _decide(ctx, verifier, application_id, "denied", reason)


async def access_own_open_application_txn(connection: AsyncConnection, owner: Account,
                                          application_id: int) -> store.Application:
    """An application of a channel the account owns, locked, and still open."""
    application = await store.application_by_id(connection, application_id, for_update=True)
    if application is None or not may_manage_channel(await member_role(connection, application.channel_id,
                                                                        owner.id)):
        raise NotFound(f"no credential application {application_id}", code="application_not_found")
    if application.state not in OPEN_STATES:
        raise Conflict(f"application {application_id} is already {application.state}", code="application_closed")
    return application


async def do_withdraw(ctx: Context, owner: Account, application_id: int) -> store.Application:
    now = ctx.clock.now()
    async with ctx.db.write() as connection:
        application = await access_own_open_application_txn(connection, owner, application_id)
        await store.set_application_state_txn(connection, application.id, "withdrawn", None, now)
        await _record_txn(connection, application, owner, "withdrawn", None, now)
        await _close_item_txn(connection, application.id, owner, Action.COMMENT, "withdrawn", now)
        updated = await store.application_by_id(connection, application.id)
    assert updated is not None
    return updated


async def do_revoke(ctx: Context, verifier: Account, handle: str, scope: str, reason: str) -> None:
    check_allowed(verifier.roles, Permission.REVOKE_CREDENTIAL)
    if not reason.strip():
        raise Unprocessable("a revocation needs a reason: it is shown with the badge", code="reason_required")
    channel = await access_channel(ctx, handle)
    now = ctx.clock.now()
    async with ctx.db.write() as connection:
        credential = await store.current_credential(connection, channel.id, scope, now)
        if credential is None:
            raise NotFound(f"{handle!r} holds no valid {scope!r} credential", code="credential_not_found")
        await store.revoke_txn(connection, credential.id, reason, now)
        await do_notify_txn(connection, await _owner_of(connection, channel.id), "credential_revoked",
                            {"scope": scope, "reason": reason}, now)
        await append_audit_txn(connection, actor=f"account:{verifier.handle}", action="credential.revoke",
                               subject=f"channel:{handle}", payload={"scope": scope, "reason": reason}, now=now)


async def lapse_on_rename_txn(connection: AsyncConnection, channel: Channel, owner_id: int, now: datetime) -> None:
    lapsed = await store.lapse_mismatched_txn(connection, channel.id, channel.handle, channel.name, now)
    if lapsed:
        await do_notify_txn(connection, owner_id, "credential_lapsed", {
            "reason": "the channel's handle or name changed; credentials certify the verified handle and name, "
                      "so apply again to restore the badge", "credentials": lapsed}, now)


async def do_send_expiry_reminders(ctx: Context) -> int:
    """Tell owners 30 days before a credential expires, once per credential."""
    now = ctx.clock.now()
    sent = 0
    async with ctx.db.write() as connection:
        for credential in await store.due_reminders(connection, now, now + timedelta(days=REMINDER_DAYS)):
            if await store.mark_reminded_txn(connection, credential.id, now):
                await do_notify_txn(connection, await _owner_of(connection, credential.channel_id),
                                    "credential_expiring", {"scope": credential.scope,
                                                            "expires_at": credential.expires_at.isoformat()}, now)
                sent += 1
    return sent


def badge_view(credential: store.Credential, now: datetime) -> dict[str, Any]:
    return {"scope": credential.scope, "issuer": credential.issuer, "issued_at": credential.granted_at.isoformat(),
            "expires_at": credential.expires_at.isoformat(), "status": credential.status(now),
            "revoke_reason": credential.revoke_reason}


async def badges_for(connection: AsyncConnection, channel_ids: list[int], now: datetime) -> dict[int, list[dict[str, Any]]]:
    """Every credential not continued by a renewal, whatever its status: lapsed badges show as lapsed."""
    found = await store.credentials_of(connection, channel_ids)
    renewed = {credential.renews for credential in found if credential.renews is not None}
    badges: dict[int, list[dict[str, Any]]] = {channel_id: [] for channel_id in channel_ids}
    for credential in found:
        if credential.id not in renewed and credential.status(now) != "pending":
            badges[credential.channel_id].append(badge_view(credential, now))
    return badges
