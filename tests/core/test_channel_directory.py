"""The channel directory's paging and subscriber counts, and the subscriptions it marks (in-process, both engines)."""
from __future__ import annotations

from masthead.context import Context
from masthead.services.accounts import access_account_by_token
from masthead.services.channels import channel_directory, subscribed_among
from tests.conftest import Api


async def test_the_directory_pages_by_handle_with_subscriber_counts(api: Api, ctx: Context) -> None:
    owner = await api.sign_up("owner")
    for handle in ("cc_news", "aa_news", "bb_news"):
        await api.channel(owner, handle)
    for reader in ("reader_one", "reader_two"):
        token = await api.sign_up(reader)
        await api.client.post("/api/v1/channels/bb_news/subscription", headers=api.auth(token))
    first = await channel_directory(ctx, None, 2)
    assert [(channel.handle, count) for channel, count in first.items] == [("aa_news", 0), ("bb_news", 2)]
    assert first.next_cursor == "bb_news"
    second = await channel_directory(ctx, first.next_cursor, 2)
    assert [(channel.handle, count) for channel, count in second.items] == [("cc_news", 0)]
    assert second.next_cursor is None

    viewer = await access_account_by_token(ctx, token)
    channels = [channel for channel, _ in first.items + second.items]
    bb = next(channel for channel in channels if channel.handle == "bb_news")
    assert await subscribed_among(ctx, viewer, channels) == {bb.id}
    assert await subscribed_among(ctx, None, channels) == set()


async def test_the_directory_page_in_process(api: Api) -> None:
    owner = await api.sign_up("owner")
    await api.channel(owner, "dd_news", "Daily Dispatch")
    page = await api.client.get("/channels")
    assert page.status_code == 200 and "Daily Dispatch" in page.text and "0 subscribers" in page.text
