"""SQL for private messages: the dm_* tables, read and written only here (by masthead.messaging, and by the
live hub, which relays envelopes to connected devices)."""
from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.store.tables import (
    accounts,
    dm_blocks,
    dm_conversations,
    dm_devices,
    dm_envelopes,
    dm_members,
    dm_messages,
)

# Members who receive messages: an unanswered request still receives (the request shows them), the others not.
RECEIVING = ("active", "requested")


@dataclass(frozen=True)
class Device:
    id: int
    account_id: int
    handle: str
    public_keys: dict[str, str]
    label: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class Member:
    account_id: int
    handle: str
    display_name: str
    state: str
    read_seq: int
    joined_at: datetime


@dataclass(frozen=True)
class Conversation:
    id: int
    kind: str
    creator_id: int
    last_seq: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Envelope:
    seq: int
    message_id: int
    conversation_id: int
    sender_id: int
    sender_handle: str
    sender_device_id: int
    client_id: str
    size: int
    created_at: datetime
    ciphertext: bytes


@dataclass(frozen=True)
class Summary:
    conversation: Conversation
    state: str
    unread: int


_DEVICE_COLUMNS = (dm_devices, accounts.c.handle)


def _device(row: sa.Row[Any]) -> Device:
    return Device(id=row.id, account_id=row.account_id, handle=row.handle, public_keys=dict(row.public_keys),
                  label=row.label, created_at=row.created_at, revoked_at=row.revoked_at)


def _conversation(row: sa.Row[Any]) -> Conversation:
    return Conversation(id=row.id, kind=row.kind, creator_id=row.creator_id, last_seq=row.last_seq,
                        created_at=row.created_at, updated_at=row.updated_at)


async def insert_device_txn(connection: AsyncConnection, account_id: int, public_keys: dict[str, str], label: str,
                            now: datetime) -> int:
    device_id: int = (await connection.execute(dm_devices.insert().values(
        account_id=account_id, public_keys=public_keys, label=label, created_at=now).returning(dm_devices.c.id)
    )).scalar_one()
    return device_id


async def device_by_id(connection: AsyncConnection, device_id: int) -> Device | None:
    row = (await connection.execute(sa.select(*_DEVICE_COLUMNS).join(accounts, accounts.c.id == dm_devices.c.account_id)
                                    .where(dm_devices.c.id == device_id))).first()
    return None if row is None else _device(row)


async def devices_of_accounts(connection: AsyncConnection, account_ids: Iterable[int]) -> list[Device]:
    """Unrevoked devices of these accounts, oldest first."""
    rows = await connection.execute(
        sa.select(*_DEVICE_COLUMNS).join(accounts, accounts.c.id == dm_devices.c.account_id)
        .where(dm_devices.c.account_id.in_(sorted(set(account_ids))), dm_devices.c.revoked_at.is_(None))
        .order_by(dm_devices.c.id))
    return [_device(row) for row in rows]


async def revoke_device_txn(connection: AsyncConnection, device_id: int, now: datetime) -> None:
    await connection.execute(dm_devices.update().where(dm_devices.c.id == device_id).values(revoked_at=now))


async def accounts_by_handle(connection: AsyncConnection, handles: Iterable[str]) -> dict[str, int]:
    rows = await connection.execute(sa.select(accounts.c.handle, accounts.c.id).where(
        accounts.c.handle.in_(sorted(set(handles)))))
    return {handle: account_id for handle, account_id in rows}


async def conversation_by_id(connection: AsyncConnection, conversation_id: int, *,
                             for_update: bool = False) -> Conversation | None:
    query = sa.select(dm_conversations).where(dm_conversations.c.id == conversation_id)
    if for_update and connection.dialect.name == "postgresql":
        query = query.with_for_update()
    row = (await connection.execute(query)).first()
    return None if row is None else _conversation(row)


async def conversation_by_pair(connection: AsyncConnection, pair_key: str) -> Conversation | None:
    row = (await connection.execute(sa.select(dm_conversations).where(
        dm_conversations.c.pair_key == pair_key))).first()
    return None if row is None else _conversation(row)


async def insert_conversation_txn(connection: AsyncConnection, *, kind: str, creator_id: int, pair_key: str | None,
                                  now: datetime) -> int:
    conversation_id: int = (await connection.execute(dm_conversations.insert().values(
        kind=kind, creator_id=creator_id, pair_key=pair_key, created_at=now, updated_at=now
    ).returning(dm_conversations.c.id))).scalar_one()
    return conversation_id


async def members_of(connection: AsyncConnection, conversation_id: int) -> list[Member]:
    rows = await connection.execute(
        sa.select(dm_members, accounts.c.handle, accounts.c.display_name)
        .join(accounts, accounts.c.id == dm_members.c.account_id)
        .where(dm_members.c.conversation_id == conversation_id).order_by(dm_members.c.joined_at, accounts.c.handle))
    return [Member(account_id=row.account_id, handle=row.handle, display_name=row.display_name, state=row.state,
                   read_seq=row.read_seq, joined_at=row.joined_at) for row in rows]


async def upsert_member_txn(connection: AsyncConnection, conversation_id: int, account_id: int, state: str,
                            now: datetime) -> None:
    updated = await connection.execute(dm_members.update().where(
        dm_members.c.conversation_id == conversation_id, dm_members.c.account_id == account_id
    ).values(state=state, joined_at=now))
    if not updated.rowcount:
        await connection.execute(dm_members.insert().values(conversation_id=conversation_id, account_id=account_id,
                                                            state=state, joined_at=now))


async def set_member_state_txn(connection: AsyncConnection, conversation_id: int, account_id: int,
                               state: str) -> None:
    await connection.execute(dm_members.update().where(
        dm_members.c.conversation_id == conversation_id, dm_members.c.account_id == account_id).values(state=state))


async def set_read_seq_txn(connection: AsyncConnection, conversation_id: int, account_id: int, seq: int) -> None:
    await connection.execute(dm_members.update().where(
        dm_members.c.conversation_id == conversation_id, dm_members.c.account_id == account_id,
        dm_members.c.read_seq < seq).values(read_seq=seq))


async def shares_active_conversation(connection: AsyncConnection, first: int, second: int) -> bool:
    mine = dm_members.alias("mine")
    theirs = dm_members.alias("theirs")
    row = (await connection.execute(
        sa.select(mine.c.conversation_id).join(theirs, theirs.c.conversation_id == mine.c.conversation_id)
        .where(mine.c.account_id == first, mine.c.state == "active", theirs.c.account_id == second,
               theirs.c.state == "active").limit(1))).first()
    return row is not None


async def blockers_among(connection: AsyncConnection, blocked_id: int, account_ids: Iterable[int]) -> set[int]:
    """Which of `account_ids` have blocked `blocked_id`."""
    rows = await connection.execute(sa.select(dm_blocks.c.blocker_id).where(
        dm_blocks.c.blocked_id == blocked_id, dm_blocks.c.blocker_id.in_(sorted(set(account_ids)))))
    return {row.blocker_id for row in rows}


async def blocked_handles(connection: AsyncConnection, blocker_id: int) -> list[str]:
    rows = await connection.execute(sa.select(accounts.c.handle).join(
        dm_blocks, dm_blocks.c.blocked_id == accounts.c.id).where(dm_blocks.c.blocker_id == blocker_id)
        .order_by(accounts.c.handle))
    return [row.handle for row in rows]


async def insert_block_txn(connection: AsyncConnection, blocker_id: int, blocked_id: int, now: datetime) -> None:
    exists = (await connection.execute(sa.select(dm_blocks.c.blocker_id).where(
        dm_blocks.c.blocker_id == blocker_id, dm_blocks.c.blocked_id == blocked_id))).first()
    if exists is None:
        await connection.execute(dm_blocks.insert().values(blocker_id=blocker_id, blocked_id=blocked_id,
                                                           created_at=now))


async def delete_block_txn(connection: AsyncConnection, blocker_id: int, blocked_id: int) -> None:
    await connection.execute(dm_blocks.delete().where(dm_blocks.c.blocker_id == blocker_id,
                                                      dm_blocks.c.blocked_id == blocked_id))


async def message_by_client_id(connection: AsyncConnection, sender_device_id: int,
                               client_id: str) -> tuple[int, int] | None:
    """(id, seq) of a message already sent under this client id."""
    row = (await connection.execute(sa.select(dm_messages.c.id, dm_messages.c.seq).where(
        dm_messages.c.sender_device_id == sender_device_id, dm_messages.c.client_id == client_id))).first()
    return None if row is None else (row.id, row.seq)


async def insert_message_txn(connection: AsyncConnection, *, conversation_id: int, sender_id: int,
                             sender_device_id: int, client_id: str, seq: int,
                             envelopes: Sequence[tuple[int, bytes]], now: datetime) -> int:
    size = sum(len(ciphertext) for _, ciphertext in envelopes)
    message_id: int = (await connection.execute(dm_messages.insert().values(
        conversation_id=conversation_id, sender_id=sender_id, sender_device_id=sender_device_id,
        client_id=client_id, seq=seq, size=size, created_at=now).returning(dm_messages.c.id))).scalar_one()
    await connection.execute(dm_envelopes.insert(), [
        {"device_id": device_id, "seq": seq, "message_id": message_id, "ciphertext": ciphertext}
        for device_id, ciphertext in envelopes])
    await connection.execute(dm_conversations.update().where(dm_conversations.c.id == conversation_id)
                             .values(last_seq=seq, updated_at=now))
    return message_id


_ENVELOPE_QUERY = (
    sa.select(dm_envelopes.c.seq, dm_envelopes.c.message_id, dm_envelopes.c.ciphertext,
              dm_messages.c.conversation_id, dm_messages.c.sender_id, dm_messages.c.sender_device_id,
              dm_messages.c.client_id, dm_messages.c.size, dm_messages.c.created_at,
              accounts.c.handle.label("sender_handle"))
    .join(dm_messages, dm_messages.c.id == dm_envelopes.c.message_id)
    .join(accounts, accounts.c.id == dm_messages.c.sender_id)
)


def _envelope(row: Any) -> Envelope:
    return Envelope(seq=row.seq, message_id=row.message_id, conversation_id=row.conversation_id,
                    sender_id=row.sender_id, sender_handle=row.sender_handle, sender_device_id=row.sender_device_id,
                    client_id=row.client_id, size=row.size, created_at=row.created_at,
                    ciphertext=bytes(row.ciphertext))


async def envelopes_after(connection: AsyncConnection, device_id: int, after_seq: int, limit: int, *,
                          conversation_id: int | None = None, until_seq: int | None = None) -> list[Envelope]:
    query = _ENVELOPE_QUERY.where(dm_envelopes.c.device_id == device_id, dm_envelopes.c.seq > after_seq)
    if conversation_id is not None:
        query = query.where(dm_messages.c.conversation_id == conversation_id)
    if until_seq is not None:
        query = query.where(dm_envelopes.c.seq <= until_seq)
    rows = await connection.execute(query.order_by(dm_envelopes.c.seq).limit(limit))
    return [_envelope(row) for row in rows]


async def envelopes_before(connection: AsyncConnection, device_id: int, conversation_id: int, before_seq: int | None,
                           limit: int) -> list[Envelope]:
    """A conversation's history on one device, newest first."""
    query = _ENVELOPE_QUERY.where(dm_envelopes.c.device_id == device_id,
                                  dm_messages.c.conversation_id == conversation_id)
    if before_seq is not None:
        query = query.where(dm_envelopes.c.seq < before_seq)
    rows = await connection.execute(query.order_by(dm_envelopes.c.seq.desc()).limit(limit))
    return [_envelope(row) for row in rows]


async def envelope_of_message(connection: AsyncConnection, message_id: int,
                              device_ids: Sequence[int]) -> Envelope | None:
    row = (await connection.execute(_ENVELOPE_QUERY.where(
        dm_envelopes.c.message_id == message_id, dm_envelopes.c.device_id.in_(list(device_ids))).limit(1))).first()
    return None if row is None else _envelope(row)


async def summaries_of(connection: AsyncConnection, account_id: int) -> list[Summary]:
    """The account's conversations (active and requested), latest activity first, with unread counts: messages
    from others, sent to one of its devices after what it last read."""
    mine = sa.select(dm_devices.c.id).where(dm_devices.c.account_id == account_id).scalar_subquery()
    unread = (sa.select(sa.func.count(sa.distinct(dm_envelopes.c.message_id)))
              .select_from(dm_envelopes.join(dm_messages, dm_messages.c.id == dm_envelopes.c.message_id))
              .where(dm_messages.c.conversation_id == dm_conversations.c.id,
                     dm_messages.c.seq > dm_members.c.read_seq, dm_messages.c.sender_id != account_id,
                     dm_envelopes.c.device_id.in_(mine))
              .scalar_subquery())
    rows = await connection.execute(
        sa.select(dm_conversations, dm_members.c.state, unread.label("unread"))
        .join(dm_members, dm_members.c.conversation_id == dm_conversations.c.id)
        .where(dm_members.c.account_id == account_id, dm_members.c.state.in_(RECEIVING))
        .order_by(dm_conversations.c.updated_at.desc(), dm_conversations.c.id.desc()))
    return [Summary(conversation=_conversation(row), state=row.state, unread=row.unread) for row in rows]


async def members_of_many(connection: AsyncConnection, conversation_ids: Sequence[int]) -> dict[int, list[Member]]:
    found: dict[int, list[Member]] = {conversation_id: [] for conversation_id in conversation_ids}
    if not conversation_ids:
        return found
    rows = await connection.execute(
        sa.select(dm_members, accounts.c.handle, accounts.c.display_name)
        .join(accounts, accounts.c.id == dm_members.c.account_id)
        .where(dm_members.c.conversation_id.in_(list(conversation_ids)))
        .order_by(dm_members.c.joined_at, accounts.c.handle))
    for row in rows:
        found[row.conversation_id].append(Member(
            account_id=row.account_id, handle=row.handle, display_name=row.display_name, state=row.state,
            read_seq=row.read_seq, joined_at=row.joined_at))
    return found


async def latest_seq(connection: AsyncConnection) -> int:
    found: int | None = (await connection.execute(sa.select(sa.func.max(dm_messages.c.seq)))).scalar()
    return found or 0


async def envelopes_between(connection: AsyncConnection, after_seq: int, until_seq: int,
                            device_ids: Collection[int] | None, limit: int) -> tuple[list[tuple[int, Envelope]], int]:
    """(device id, envelope) relayed after `after_seq` up to `until_seq` to the given devices (every device when
    None), oldest first, for at most `limit` messages (all of a message's envelopes, however many devices it
    went to); and the seq they cover up to, so a reader goes on from there."""
    if device_ids is None:  # along the messages' seq index, not every device's envelopes
        chosen = sa.select(dm_messages.c.seq).where(dm_messages.c.seq > after_seq, dm_messages.c.seq <= until_seq
                                                    ).order_by(dm_messages.c.seq)
    else:
        chosen = sa.select(dm_envelopes.c.seq).distinct().where(
            dm_envelopes.c.device_id.in_(sorted(device_ids)), dm_envelopes.c.seq > after_seq,
            dm_envelopes.c.seq <= until_seq).order_by(dm_envelopes.c.seq)
    seqs = list((await connection.execute(chosen.limit(limit))).scalars())
    if not seqs:
        return [], until_seq
    covered = seqs[-1] if len(seqs) == limit else until_seq
    query = _ENVELOPE_QUERY.add_columns(dm_envelopes.c.device_id)
    if device_ids is None:
        query = query.where(dm_messages.c.seq > after_seq, dm_messages.c.seq <= covered)
    else:
        query = query.where(dm_envelopes.c.device_id.in_(sorted(device_ids)), dm_envelopes.c.seq > after_seq,
                            dm_envelopes.c.seq <= covered)
    rows = await connection.execute(query.order_by(dm_envelopes.c.seq, dm_envelopes.c.device_id))
    return [(row.device_id, _envelope(row)) for row in rows], covered
