"""Private conversations: devices and their public keys, conversations and requests, blocks, and relaying
ciphertext. Every function checks who may do it; nothing here can read a message."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.context import Context
from masthead.domain.errors import Conflict, Forbidden, NotFound, Unprocessable
from masthead.domain.models import Account
from masthead.messaging import store
from masthead.messaging.protocol import ENVELOPE_MAX_BYTES, check_public_keys
from masthead.messaging.store import RECEIVING, Conversation, Device, Envelope, Member, Summary
from masthead.moderation.participation import Filed
from masthead.moderation.private_reports import do_report_message as file_message_report
from masthead.store.sequences import next_sequence_value_txn

MAX_GROUP_MEMBERS = 200
MAX_DEVICES_PER_ACCOUNT = 20
MAX_LABEL_LENGTH = 100
CLIENT_ID_PATTERN = "[A-Za-z0-9_-]{1,64}"
MAX_PAGE = 500
SEQUENCE = "dm_messages"


@dataclass(frozen=True)
class Sent:
    message_id: int
    seq: int
    repeated: bool


@dataclass(frozen=True)
class ConversationView:
    conversation: Conversation
    members: list[Member]
    me: Member

    @property
    def receiving(self) -> list[Member]:
        return [member for member in self.members if member.state in RECEIVING]


def _pair_key(first: int, second: int) -> str:
    low, high = sorted((first, second))
    return f"{low}:{high}"


async def do_register_device(ctx: Context, account: Account, public_keys: object, label: str = "") -> Device:
    try:
        keys = check_public_keys(public_keys)
    except ValueError as exc:
        raise Unprocessable(str(exc), code="invalid_public_keys") from None
    async with ctx.db.write() as connection:
        if len(await store.devices_of_accounts(connection, [account.id])) >= MAX_DEVICES_PER_ACCOUNT:
            raise Conflict(f"an account may have at most {MAX_DEVICES_PER_ACCOUNT} devices; remove one first",
                           code="too_many_devices")
        device_id = await store.insert_device_txn(connection, account.id, keys, label[:MAX_LABEL_LENGTH], ctx.clock.now())
        device = await store.device_by_id(connection, device_id)
    assert device is not None
    return device


async def access_own_device(ctx: Context, account: Account, device_id: int) -> Device:
    async with ctx.db.read() as connection:
        device = await store.device_by_id(connection, device_id)
    if device is None or device.account_id != account.id or device.revoked_at is not None:
        raise NotFound(f"you have no device {device_id}; register this device's keys again",
                       code="device_not_found")
    return device


async def public_device(ctx: Context, device_id: int) -> Device:
    """Any device's public keys, revoked ones too (to read what they sent before)."""
    async with ctx.db.read() as connection:
        device = await store.device_by_id(connection, device_id)
    if device is None:
        raise NotFound(f"no device {device_id}", code="device_not_found")
    return device


async def devices_of(ctx: Context, account: Account) -> list[Device]:
    async with ctx.db.read() as connection:
        return await store.devices_of_accounts(connection, [account.id])


async def do_revoke_device(ctx: Context, account: Account, device_id: int) -> None:
    await access_own_device(ctx, account, device_id)
    async with ctx.db.write() as connection:
        await store.revoke_device_txn(connection, device_id, ctx.clock.now())


async def do_start_conversation(ctx: Context, account: Account, handles: list[str], *, group: bool = False) -> int:
    """One other handle (and not `group`): the pair's one direct conversation, made if needed. Otherwise a new
    group that `account` creates. People who share no accepted conversation with `account` get a request."""
    named = {handle.strip().lstrip("@") for handle in handles if handle.strip()}
    if not named:
        raise Unprocessable("name at least one other person", code="invalid_members")
    others = sorted(named - {account.handle})
    if not others:  # a valid list, but of the signed-in account alone
        raise Conflict("name at least one other person than yourself", code="invalid_members")
    if len(others) + 1 > MAX_GROUP_MEMBERS:
        raise Unprocessable(f"a conversation has at most {MAX_GROUP_MEMBERS} people", code="too_many_members")
    now = ctx.clock.now()
    async with ctx.db.write() as connection:
        ids = await store.accounts_by_handle(connection, others)
        missing = [handle for handle in others if handle not in ids]
        if missing:
            raise NotFound(f"nobody is called {', '.join(missing)}", code="account_not_found")
        blockers = await store.blockers_among(connection, account.id, ids.values())
        if len(others) == 1 and not group:
            other = ids[others[0]]
            existing = await store.conversation_by_pair(connection, _pair_key(account.id, other))
            if existing is not None:
                await store.upsert_member_txn(connection, existing.id, account.id, "active", now)
                return existing.id
            conversation_id = await store.insert_conversation_txn(
                connection, kind="direct", creator_id=account.id, pair_key=_pair_key(account.id, other), now=now)
        else:
            conversation_id = await store.insert_conversation_txn(
                connection, kind="group", creator_id=account.id, pair_key=None, now=now)
        await store.upsert_member_txn(connection, conversation_id, account.id, "active", now)
        for other in ids.values():
            state = "declined" if other in blockers else (
                "active" if await store.shares_active_conversation(connection, account.id, other) else "requested")
            await store.upsert_member_txn(connection, conversation_id, other, state, now)
    return conversation_id


async def access_conversation(ctx: Context, account: Account, conversation_id: int) -> ConversationView:
    """The conversation as `account` sees it: only its current members and those with a pending request."""
    async with ctx.db.read() as connection:
        conversation = await store.conversation_by_id(connection, conversation_id)
        members = [] if conversation is None else await store.members_of(connection, conversation_id)
    me = next((member for member in members if member.account_id == account.id), None)
    if conversation is None or me is None or me.state not in RECEIVING:
        raise NotFound(f"you have no conversation {conversation_id}", code="conversation_not_found")
    return ConversationView(conversation, members, me)


async def conversations_of(ctx: Context, account: Account) -> list[tuple[Summary, list[Member]]]:
    async with ctx.db.read() as connection:
        summaries = await store.summaries_of(connection, account.id)
        members = await store.members_of_many(connection, [s.conversation.id for s in summaries])
    return [(summary, members[summary.conversation.id]) for summary in summaries]


async def _expected_devices(connection: AsyncConnection, view: ConversationView, sender_id: int) -> list[Device]:
    receiving = [member.account_id for member in view.receiving]
    blockers = await store.blockers_among(connection, sender_id, receiving)
    return await store.devices_of_accounts(connection, [a for a in receiving if a not in blockers] + [sender_id])


async def recipient_devices(ctx: Context, account: Account, conversation_id: int) -> list[Device]:
    """Every device a message from `account` must be encrypted for, its own devices included."""
    view = await access_conversation(ctx, account, conversation_id)
    async with ctx.db.read() as connection:
        return await _expected_devices(connection, view, account.id)


async def member_devices(ctx: Context, account: Account, conversation_id: int) -> dict[str, list[Device]]:
    """Each receiving member's devices, for safety numbers and key-change warnings."""
    view = await access_conversation(ctx, account, conversation_id)
    async with ctx.db.read() as connection:
        devices = await store.devices_of_accounts(connection, [m.account_id for m in view.receiving])
    found: dict[str, list[Device]] = {member.handle: [] for member in view.receiving}
    for device in devices:
        found[device.handle].append(device)
    return found


def _check_client_id(client_id: str) -> None:
    if not re.fullmatch(CLIENT_ID_PATTERN, client_id):
        raise Unprocessable("client_id must be 1-64 letters, digits, '-' or '_'", code="invalid_client_id")


async def do_send(ctx: Context, account: Account, *, device_id: int, conversation_id: int, client_id: str,
                  envelopes: Mapping[int, bytes]) -> Sent:
    """Store one message: a ciphertext for every device of every receiving member. A retry with the same
    `client_id` returns the first message. A stale device list is refused with `devices_changed` (409)."""
    _check_client_id(client_id)
    await access_own_device(ctx, account, device_id)
    for ciphertext in envelopes.values():
        if len(ciphertext) > ENVELOPE_MAX_BYTES:
            raise Unprocessable(f"an envelope may be at most {ENVELOPE_MAX_BYTES} bytes", code="envelope_too_large")
    async with ctx.db.write() as connection:
        repeated = await store.message_by_client_id(connection, device_id, client_id)
        if repeated is not None:
            return Sent(repeated[0], repeated[1], True)
        conversation = await store.conversation_by_id(connection, conversation_id, for_update=True)
        members = [] if conversation is None else await store.members_of(connection, conversation_id)
        me = next((member for member in members if member.account_id == account.id), None)
        if conversation is None or me is None or me.state not in RECEIVING:
            raise NotFound(f"you have no conversation {conversation_id}", code="conversation_not_found")
        if me.state != "active":
            raise Forbidden("accept this message request before replying", code="request_not_accepted")
        expected = {device.id for device in
                    await _expected_devices(connection, ConversationView(conversation, members, me), account.id)}
        if set(envelopes) != expected:
            raise Conflict("the conversation's devices changed; fetch them again and re-encrypt",
                           code="devices_changed")
        seq = await next_sequence_value_txn(connection, SEQUENCE)
        message_id = await store.insert_message_txn(
            connection, conversation_id=conversation_id, sender_id=account.id, sender_device_id=device_id,
            client_id=client_id, seq=seq, envelopes=sorted(envelopes.items()), now=ctx.clock.now())
        await store.set_read_seq_txn(connection, conversation_id, account.id, seq)
    return Sent(message_id, seq, False)


async def inbox(ctx: Context, account: Account, device_id: int, after: int, limit: int,
                conversation_id: int | None = None) -> list[Envelope]:
    """The device's envelopes after cursor `after`, oldest first: what it missed while away."""
    await access_own_device(ctx, account, device_id)
    async with ctx.db.read() as connection:
        return await store.envelopes_after(connection, device_id, after, min(max(limit, 1), MAX_PAGE),
                                           conversation_id=conversation_id)


async def history(ctx: Context, account: Account, device_id: int, conversation_id: int, before: int | None,
                  limit: int) -> list[Envelope]:
    await access_conversation(ctx, account, conversation_id)
    await access_own_device(ctx, account, device_id)
    async with ctx.db.read() as connection:
        return await store.envelopes_before(connection, device_id, conversation_id, before,
                                            min(max(limit, 1), MAX_PAGE))


async def do_mark_read(ctx: Context, account: Account, conversation_id: int, seq: int) -> None:
    await access_conversation(ctx, account, conversation_id)
    async with ctx.db.write() as connection:
        await store.set_read_seq_txn(connection, conversation_id, account.id, seq)


async def _set_own_state(ctx: Context, account: Account, conversation_id: int, state: str, *,
                         from_states: tuple[str, ...]) -> None:
    view = await access_conversation(ctx, account, conversation_id)
    if view.me.state not in from_states:
        raise Conflict(f"this conversation is {view.me.state}, not {' or '.join(from_states)}",
                       code="wrong_state")
    async with ctx.db.write() as connection:
        await store.set_member_state_txn(connection, conversation_id, account.id, state)


async def do_accept(ctx: Context, account: Account, conversation_id: int) -> None:
    await _set_own_state(ctx, account, conversation_id, "active", from_states=("requested",))


async def do_decline(ctx: Context, account: Account, conversation_id: int) -> None:
    await _set_own_state(ctx, account, conversation_id, "declined", from_states=("requested",))


async def do_leave(ctx: Context, account: Account, conversation_id: int) -> None:
    view = await access_conversation(ctx, account, conversation_id)
    if view.conversation.kind != "group":
        raise Conflict("only a group can be left; block the person instead", code="not_a_group")
    await _set_own_state(ctx, account, conversation_id, "left", from_states=("active", "requested"))


async def _access_group_as_creator(ctx: Context, account: Account, conversation_id: int) -> ConversationView:
    view = await access_conversation(ctx, account, conversation_id)
    if view.conversation.kind != "group":
        raise Conflict("people are added to groups; start a group instead", code="not_a_group")
    if view.conversation.creator_id != account.id:
        raise Forbidden("only the group's creator adds and removes people", code="not_group_creator")
    return view


async def do_add_member(ctx: Context, account: Account, conversation_id: int, handle: str) -> None:
    view = await _access_group_as_creator(ctx, account, conversation_id)
    if len(view.receiving) >= MAX_GROUP_MEMBERS:
        raise Conflict(f"a group has at most {MAX_GROUP_MEMBERS} people", code="group_full")
    async with ctx.db.write() as connection:
        found = await store.accounts_by_handle(connection, [handle])
        if handle not in found:
            raise NotFound(f"nobody is called {handle}", code="account_not_found")
        other = found[handle]
        if any(member.account_id == other and member.state in RECEIVING for member in view.members):
            return
        blocked = bool(await store.blockers_among(connection, account.id, [other]))
        state = "declined" if blocked else (
            "active" if await store.shares_active_conversation(connection, account.id, other) else "requested")
        await store.upsert_member_txn(connection, conversation_id, other, state, ctx.clock.now())


async def do_remove_member(ctx: Context, account: Account, conversation_id: int, handle: str) -> None:
    view = await _access_group_as_creator(ctx, account, conversation_id)
    member = next((m for m in view.receiving if m.handle == handle), None)
    if member is None:
        raise NotFound(f"{handle} is not in this group", code="member_not_found")
    if member.account_id == account.id:
        raise Conflict("leave the group instead of removing yourself", code="cannot_remove_self")
    async with ctx.db.write() as connection:
        await store.set_member_state_txn(connection, conversation_id, member.account_id, "removed")


async def do_block(ctx: Context, account: Account, handle: str) -> None:
    """Their messages stop reaching you (they are not told); a request from them is declined."""
    async with ctx.db.write() as connection:
        found = await store.accounts_by_handle(connection, [handle])
        if handle not in found or found[handle] == account.id:
            raise NotFound(f"nobody else is called {handle}", code="account_not_found")
        await store.insert_block_txn(connection, account.id, found[handle], ctx.clock.now())
        direct = await store.conversation_by_pair(connection, _pair_key(account.id, found[handle]))
        if direct is not None:
            mine = [m for m in await store.members_of(connection, direct.id) if m.account_id == account.id]
            if mine and mine[0].state == "requested":
                await store.set_member_state_txn(connection, direct.id, account.id, "declined")


async def do_unblock(ctx: Context, account: Account, handle: str) -> None:
    async with ctx.db.write() as connection:
        found = await store.accounts_by_handle(connection, [handle])
        if handle not in found:
            raise NotFound(f"nobody is called {handle}", code="account_not_found")
        await store.delete_block_txn(connection, account.id, found[handle])


async def blocked_by(ctx: Context, account: Account) -> list[str]:
    async with ctx.db.read() as connection:
        return await store.blocked_handles(connection, account.id)


async def do_report(ctx: Context, account: Account, *, message_id: int, plaintext: str, reason: str,
                    comment: str, consent: bool) -> Filed:
    """Hand a received message's plaintext to the moderators, which only its recipient can do, and only when
    they say so: the server checks that one of their devices received it, never what it said."""
    if not consent:
        raise Unprocessable("reporting sends this message's text to the moderators; confirm that you agree",
                            code="consent_required")
    async with ctx.db.read() as connection:
        devices = await store.devices_of_accounts(connection, [account.id])
        envelope = await store.envelope_of_message(connection, message_id, [device.id for device in devices])
    if envelope is None or envelope.sender_id == account.id:
        raise NotFound(f"you received no message {message_id}", code="message_not_found")
    return await file_message_report(ctx, account, reported_id=envelope.sender_id, message_ref=str(message_id),
                                     sent_at=envelope.created_at, plaintext=plaintext, reason=reason,
                                     comment=comment)
