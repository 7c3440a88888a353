"""Publishing (accept now, decide in the pipeline) and reading timelines and feeds."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from masthead import metrics
from masthead.context import Context
from masthead.domain.errors import Forbidden, NotFound, Unprocessable
from masthead.domain.models import Account, Channel, Post
from masthead.domain.paging import Cursor, Page, check_page_size, parse_id
from masthead.domain.permissions import Action, allowed, may_publish
from masthead.domain.posts import PostState, check_body, check_rights, check_source_url, check_title
from masthead.domain.render import render_markdown
from masthead.services.channels import access_channel
from masthead.store import channels as channel_store
from masthead.store import moderation as moderation_store
from masthead.store import posts as store
from masthead.store.audit import append_audit_txn


@dataclass(frozen=True)
class Draft:
    """A post as its author submitted it, checked: what publishing stores and what a dry run decides."""

    title: str
    body: str
    reprint_of: int | None
    source_url: str | None
    original: bool
    rights: tuple[str, list[str]]


def check_draft(ctx: Context, *, title: str, body: str, reprint_of: int | None = None, source_url: str | None = None,
                original: bool = False, rights: tuple[str, list[str]] = ("attribute", [])) -> Draft:
    title = check_title(title)
    body = check_body(body, ctx.settings.max_body_bytes)
    if source_url is not None:
        source_url = check_source_url(source_url)
    if original and reprint_of is not None:
        raise Unprocessable("a post cannot be both original and a reprint", code="original_and_reprint")
    return Draft(title, body, reprint_of, source_url, original, check_rights(*rights, original=original))


async def check_may_publish_txn(connection: AsyncConnection, ctx: Context, account: Account, channel: Channel,
                                draft: Draft) -> None:
    """The account may publish this draft in the channel now: a member, not suspended, reprinting a real post."""
    if not may_publish(await channel_store.member_role(connection, channel.id, account.id)):
        raise Forbidden(f"only the owner and authors of {channel.handle!r} may publish there")
    suspended = await moderation_store.suspension_until(connection, channel.id, ctx.clock.now())
    if suspended is not None:
        raise Forbidden(f"{channel.handle!r} may not publish until {suspended[0].isoformat()}: {suspended[1]}",
                        code="channel_suspended")
    if draft.reprint_of is not None and not await store.post_exists(connection, draft.reprint_of):
        raise NotFound(f"reprint_of names post {draft.reprint_of}, which does not exist", code="unknown_post")


async def do_publish(
    ctx: Context, account: Account, handle: str, *, title: str, body: str, reprint_of: int | None = None,
    source_url: str | None = None, original: bool = False, rights: tuple[str, list[str]] = ("attribute", []),
    on_accepted: Callable[[], None] | None = None,
) -> Post:
    """Store the post as `received` with its outbox entry in one transaction; the pipeline decides it later."""
    channel = await access_channel(ctx, handle)
    draft = check_draft(ctx, title=title, body=body, reprint_of=reprint_of, source_url=source_url,
                        original=original, rights=rights)
    reprint_rights, whitelist = draft.rights
    body_html = render_markdown(draft.body)
    async with ctx.db.write() as connection:
        await check_may_publish_txn(connection, ctx, account, channel, draft)
        [post_id] = await store.insert_posts_txn(connection, [{
            "channel_id": channel.id, "author_id": account.id, "title": draft.title, "body": draft.body,
            "body_html": body_html, "reprint_of": draft.reprint_of, "source_url": draft.source_url,
            "original": draft.original, "reprint_rights": reprint_rights, "reprint_whitelist": whitelist,
        }], ctx.clock.now())
        post = await store.post_by_id(connection, post_id)
        await append_audit_txn(connection, actor=f"account:{account.handle}", action="post.accept",
                               subject=f"post:{post_id}", payload={"channel": handle}, now=ctx.clock.now())
    assert post is not None
    metrics.POSTS_ACCEPTED.inc()
    if on_accepted is not None:
        on_accepted()
    return post


async def access_post(ctx: Context, viewer: Account | None, post_id: int) -> Post:
    """A published post for anyone; an undecided or restricted one only for its channel's people and staff."""
    async with ctx.db.read() as connection:
        post = await store.post_by_id(connection, post_id)
        visible = post is not None and (
            post.state is PostState.PUBLISHED
            or (viewer is not None and (
                allowed(viewer.roles, Action.VIEW_DECISION_PRIVATE)
                or await channel_store.member_role(connection, post.channel_id, viewer.id) is not None))
        )
    if post is None or not visible:
        raise NotFound(f"no post {post_id} is visible to you", code="post_not_found")
    return post


def _page(posts: list[Post], limit: int) -> Page[Post]:
    if len(posts) <= limit:
        return Page(items=posts, next_cursor=None)
    last = posts[limit - 1]
    assert last.feed_seq is not None
    return Page(items=posts[:limit], next_cursor=Cursor(last.feed_seq, last.id).encode())


async def channel_timeline(ctx: Context, channel: Channel, cursor: str | None, limit: int) -> Page[Post]:
    limit = check_page_size(limit)
    after = Cursor.decode(cursor) if cursor else None
    async with ctx.db.read() as connection:
        return _page(await store.channel_timeline(connection, channel.id, after, limit + 1), limit)


async def feed(ctx: Context, account: Account, cursor: str | None, limit: int) -> Page[Post]:
    limit = check_page_size(limit)
    after = Cursor.decode(cursor) if cursor else None
    async with ctx.db.read() as connection:
        return _page(await store.feed(connection, account.id, after, limit + 1), limit)


async def recent(ctx: Context, cursor: str | None, limit: int) -> Page[Post]:
    limit = check_page_size(limit)
    after = Cursor.decode(cursor) if cursor else None
    async with ctx.db.read() as connection:
        return _page(await store.recent_posts(connection, after, limit + 1), limit)


async def access_post_by_id_text(ctx: Context, viewer: Account | None, post_id: str) -> Post:
    found = parse_id(post_id)
    if found is None:
        raise NotFound(f"no post {post_id!r} exists", code="post_not_found")
    return await access_post(ctx, viewer, found)


async def do_record_reader(ctx: Context, post_id: int, account_id: int) -> None:
    """Remember a signed-in reader, so that a later correction of the post reaches them."""
    async with ctx.db.write() as connection:
        await moderation_store.record_reader_txn(connection, post_id, account_id, ctx.clock.now())
