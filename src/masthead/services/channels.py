"""Channels: creation, authors, subscriptions."""
from __future__ import annotations

from masthead.context import Context
from masthead.domain.accounts import check_display_name, check_handle
from masthead.domain.errors import Conflict, Forbidden, NotFound, Unprocessable
from masthead.domain.models import Account, Channel, ChannelMember
from masthead.domain.paging import Page, check_page_size
from masthead.domain.permissions import Action, check_allowed, may_manage_channel
from masthead.store import accounts as account_store
from masthead.store import channels as store
from masthead.store.audit import append_audit_txn

MAX_DESCRIPTION_LENGTH = 2000


async def do_create_channel(ctx: Context, account: Account, *, handle: str, name: str, description: str) -> Channel:
    check_allowed(account.roles, Action.CREATE_CHANNEL)
    handle = check_handle(handle)
    name = check_display_name(name, field="name")
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise Unprocessable(f"description must be at most {MAX_DESCRIPTION_LENGTH} characters",
                            code="invalid_description")
    async with ctx.db.write() as connection:
        channel_id = await store.insert_channel_txn(
            connection, handle=handle, name=name, description=description, owner_id=account.id, now=ctx.clock.now())
        if channel_id is None:
            raise Conflict(f"the channel handle {handle!r} is taken", code="handle_taken")
        channel = await store.channel_by_id(connection, channel_id)
        await append_audit_txn(connection, actor=f"account:{account.handle}", action="channel.create",
                               subject=f"channel:{handle}", payload={"name": name}, now=ctx.clock.now())
    assert channel is not None
    return channel


async def access_channel(ctx: Context, handle: str) -> Channel:
    async with ctx.db.read() as connection:
        channel = await store.channel_by_handle(connection, handle)
    if channel is None:
        raise NotFound(f"no channel is called {handle!r}", code="channel_not_found")
    return channel


async def channel_details(ctx: Context, channel: Channel) -> tuple[list[ChannelMember], int]:
    async with ctx.db.read() as connection:
        return await store.members_of(connection, channel.id), await store.subscriber_count(connection, channel.id)


async def _access_managed_channel(ctx: Context, account: Account, handle: str,
                                  what: str = "change its authors") -> Channel:
    channel = await access_channel(ctx, handle)
    async with ctx.db.read() as connection:
        role = await store.member_role(connection, channel.id, account.id)
    if not may_manage_channel(role):
        raise Forbidden(f"only the owner of {handle!r} may {what}")
    return channel


async def do_add_author(ctx: Context, account: Account, handle: str, author_handle: str) -> None:
    channel = await _access_managed_channel(ctx, account, handle)
    async with ctx.db.write() as connection:
        author = await account_store.account_by_handle(connection, author_handle)
        if author is None:
            raise NotFound(f"no account is called {author_handle!r}", code="unknown_account")
        if await store.member_role(connection, channel.id, author.id) is None:
            await store.add_author_txn(connection, channel.id, author.id)
            await append_audit_txn(connection, actor=f"account:{account.handle}", action="channel.add_author",
                                   subject=f"channel:{handle}", payload={"author": author_handle}, now=ctx.clock.now())


async def do_remove_author(ctx: Context, account: Account, handle: str, author_handle: str) -> None:
    channel = await _access_managed_channel(ctx, account, handle)
    async with ctx.db.write() as connection:
        author = await account_store.account_by_handle(connection, author_handle)
        if author is None or not await store.remove_author_txn(connection, channel.id, author.id):
            raise NotFound(f"{author_handle!r} is not an author of {handle!r}", code="author_not_found")
        await append_audit_txn(connection, actor=f"account:{account.handle}", action="channel.remove_author",
                               subject=f"channel:{handle}", payload={"author": author_handle}, now=ctx.clock.now())


async def do_update_channel(ctx: Context, owner: Account, handle: str, *, name: str | None = None,
                            description: str | None = None, new_handle: str | None = None) -> Channel:
    """Rename or describe a channel. A new handle or name lapses the credentials verified under the old ones."""
    from masthead.verification.service import lapse_on_rename_txn

    channel = await _access_managed_channel(ctx, owner, handle, what="change it")
    values: dict[str, str] = {}
    if name is not None:
        values["name"] = check_display_name(name, field="name")
    if description is not None:
        if len(description) > MAX_DESCRIPTION_LENGTH:
            raise Unprocessable(f"description must be at most {MAX_DESCRIPTION_LENGTH} characters",
                                code="invalid_description")
        values["description"] = description
    if new_handle is not None and new_handle != handle:
        values["handle"] = check_handle(new_handle)
    if not values:
        return channel
    now = ctx.clock.now()
    async with ctx.db.write() as connection:
        if "handle" in values and await store.channel_by_handle(connection, values["handle"]) is not None:
            raise Conflict(f"the channel handle {values['handle']!r} is taken", code="handle_taken")
        await store.update_channel_txn(connection, channel.id, values, now)
        updated = await store.channel_by_id(connection, channel.id)
        assert updated is not None
        await lapse_on_rename_txn(connection, updated, owner.id, now)
        await append_audit_txn(connection, actor=f"account:{owner.handle}", action="channel.update",
                               subject=f"channel:{handle}", payload=values, now=now)
    return updated


async def do_subscribe(ctx: Context, account: Account, handle: str) -> Channel:
    check_allowed(account.roles, Action.SUBSCRIBE)
    channel = await access_channel(ctx, handle)
    async with ctx.db.write() as connection:
        await store.subscribe_txn(connection, account.id, channel.id, ctx.clock.now())
    return channel


async def do_unsubscribe(ctx: Context, account: Account, handle: str) -> Channel:
    channel = await access_channel(ctx, handle)
    async with ctx.db.write() as connection:
        await store.unsubscribe_txn(connection, account.id, channel.id, ctx.clock.now())
    return channel


async def channel_directory(ctx: Context, cursor: str | None, limit: int) -> Page[tuple[Channel, int]]:
    """Every channel with its subscriber count, by handle; the cursor is the last handle of the previous page."""
    limit = check_page_size(limit)
    async with ctx.db.read() as connection:
        found = await store.channel_directory(connection, cursor or None, limit + 1)
    items = found[:limit]
    return Page(items=items, next_cursor=items[-1][0].handle if len(found) > limit else None)


async def subscribed_among(ctx: Context, account: Account | None, channels: list[Channel]) -> set[int]:
    """The ids of those channels the account subscribes to (none when signed out)."""
    if account is None or not channels:
        return set()
    async with ctx.db.read() as connection:
        return await store.subscribed_among(connection, account.id, [channel.id for channel in channels])
