"""The whole moderation workflow through the HTTP API, on both engines."""
from __future__ import annotations

from typing import Any

import pytest

from masthead.context import Context
from masthead.domain.accounts import Role
from masthead.services.accounts import do_sign_up
from tests.conftest import Api
from tests.scores import PoliticalScores


@pytest.fixture
def scored_api(api: Api) -> Api:
    api.app.state.worker.stages.insert(-1, PoliticalScores())
    return api


async def staff(ctx: Context, handle: str, role: Role) -> str:
    _, token = await do_sign_up(ctx, handle=handle, password="long enough pw", display_name=handle, roles={role})
    return token


async def notices(api: Api, token: str, kind: str) -> list[dict[str, Any]]:
    items = (await api.client.get("/api/v1/notifications", headers=api.auth(token), params={"limit": 100})).json()
    return [n["payload"] for n in items["items"] if n["kind"] == kind]


async def queue(api: Api, token: str, kind: str) -> list[dict[str, Any]]:
    response = await api.client.get("/api/v1/moderation/queue", headers=api.auth(token), params={"kind": kind})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def resolve(api: Api, token: str, item_id: str, action: str, reason: str = "", **extra: Any) -> Any:
    return await api.client.post(f"/api/v1/moderation/items/{item_id}/resolve", headers=api.auth(token),
                                 json={"action": action, "reason": reason, **extra})


async def rejected_posts(api: Api, ctx: Context, channel: str, count: int) -> str:
    """A new channel whose `count` held political posts a moderator rejects; its owner's token."""
    author = await api.sign_up(f"{channel}_owner")
    await api.channel(author, channel)
    moderator = await staff(ctx, f"{channel}_mod", Role.MODERATOR)
    for i in range(count):
        await api.publish(author, channel, f"Election rumour {i}", "Unverified claims.")
    await api.run_pipeline()
    for item in await queue(api, moderator, "held"):
        assert (await resolve(api, moderator, item["id"], "reject", "unverified political news")).status_code == 200
    return author


async def test_held_rejected_appealed_overturned_delivered(scored_api: Api, ctx: Context) -> None:
    api = scored_api
    author = await api.sign_up("reporter_zhang")
    await api.channel(author, "city_voice", "City Voice")
    subscriber = await api.sign_up("subscriber")
    await api.client.post("/api/v1/channels/city_voice/subscription", headers=api.auth(subscriber))
    mod_a = await staff(ctx, "mod_a", Role.MODERATOR)
    mod_b = await staff(ctx, "mod_b", Role.MODERATOR)

    post_id = await api.publish(author, "city_voice", "Election results announced", "Turnout was 61 percent.")
    await api.run_pipeline()
    post = (await api.client.get(f"/api/v1/posts/{post_id}", headers=api.auth(author))).json()
    assert post["state"] == "held"
    [decision_notice] = await notices(api, author, "decision")
    assert decision_notice["outcome"] == "hold" and "news.publish" in decision_notice["explanation"]
    assert f"/api/v1/decisions/{post['decision']['id']}/appeals" in decision_notice["appeal"]

    [held] = await queue(api, mod_a, "held")
    assert held["post_id"] == post_id and held["automated_origin"] is True
    counts = (await api.client.get("/api/v1/moderation/queue", headers=api.auth(mod_a))).json()["counts"]
    assert counts["held"] == {"open": 1}
    no_reason = await resolve(api, mod_a, held["id"], "reject")
    assert no_reason.status_code == 422 and no_reason.json()["error"]["code"] == "reason_required"
    rejected = await resolve(api, mod_a, held["id"], "reject", "Reads as political news; channel not verified.")
    assert rejected.status_code == 200 and rejected.json()["post_state"] == "rejected"
    again = await resolve(api, mod_b, held["id"], "approve", "changed my mind")
    assert again.status_code == 409 and again.json()["error"]["code"] == "item_closed"
    strikes = (await api.client.get("/api/v1/channels/city_voice/strikes", headers=api.auth(author))).json()
    assert len(strikes["strikes"]) == 1 and strikes["suspended_until"] is None
    assert (await notices(api, author, "moderation"))[0]["action"] == "reject"

    appeal = await api.client.post(f"/api/v1/decisions/{post['decision']['id']}/appeals", headers=api.auth(author),
                                   json={"text": "This is local civic news, not political commentary."})
    assert appeal.status_code == 201, appeal.text
    twice = await api.client.post(f"/api/v1/decisions/{post['decision']['id']}/appeals", headers=api.auth(author),
                                  json={"text": "again"})
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_appealed"
    [appeal_item] = await queue(api, mod_b, "appeal")
    assert appeal_item["automated_origin"] is False
    own = await resolve(api, mod_a, appeal_item["id"], "overturn", "I was wrong")
    assert own.status_code == 403 and own.json()["error"]["code"] == "own_decision"
    overturned = await resolve(api, mod_b, appeal_item["id"], "overturn", "Local civic reporting is allowed.")
    assert overturned.status_code == 200 and overturned.json()["post_state"] == "published"
    counts = (await api.client.get("/api/v1/moderation/queue", headers=api.auth(mod_b))).json()["counts"]
    assert counts == {"held": {}, "report": {}, "application": {}, "appeal": {}, "message": {}}

    feed = (await api.client.get("/api/v1/feed", headers=api.auth(subscriber))).json()
    assert [item["id"] for item in feed["items"]] == [post_id]
    assert (await notices(api, author, "appeal_outcome"))[0]["outcome"] == "overturn"
    strikes = (await api.client.get("/api/v1/channels/city_voice/strikes", headers=api.auth(author))).json()
    assert strikes["strikes"] == []


async def test_reports_merge_and_a_correction_reaches_every_copy(scored_api: Api, ctx: Context) -> None:
    api = scored_api
    origin = await api.sign_up("origin")
    await api.channel(origin, "origin_news")
    copier = await api.sign_up("copier")
    await api.channel(copier, "copy_news")
    fan_of_copy = await api.sign_up("fan_of_copy")
    await api.client.post("/api/v1/channels/copy_news/subscription", headers=api.auth(fan_of_copy))
    reader = await api.sign_up("reader")
    bystander = await api.sign_up("bystander")
    moderator = await staff(ctx, "mod_c", Role.MODERATOR)
    triage = await staff(ctx, "triage_t", Role.TRIAGE)

    await api.channel(copier, "twin_news")
    fan_of_twin = await api.sign_up("fan_of_twin")
    await api.client.post("/api/v1/channels/twin_news/subscription", headers=api.auth(fan_of_twin))

    original = await api.publish(origin, "origin_news", "Miracle cure found", "Drinking salt water cures flu.")
    # Decided in the same batch as the original: found in the batch, not in the index.
    twin = await api.publish(copier, "twin_news", "Miracle cure found!", "Drinking salt water cures flu!")
    await api.run_pipeline()
    copy = await api.publish(copier, "copy_news", "Cure found", "Drinking salt water cures flu.")  # undeclared
    await api.run_pipeline()
    for attributed in (copy, twin):
        assert (await api.client.get(f"/api/v1/posts/{attributed}")).json()["reprint_of"] == original
    await api.client.get(f"/api/v1/posts/{original}", headers=api.auth(reader))

    for who, reason in ((reader, "rumour"), (bystander, "other")):
        response = await api.client.post(f"/api/v1/posts/{original}/reports", headers=api.auth(who),
                                         json={"reason": reason, "comment": "this is false"})
        assert response.status_code == 201 and response.headers["X-RateLimit-Limit"] == "20"
    bad = await api.client.post(f"/api/v1/posts/{original}/reports", headers=api.auth(reader),
                                json={"reason": "boring"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_reason"
    [item] = await queue(api, moderator, "report")
    assert item["report_count"] == 2
    refused = await resolve(api, triage, item["id"], "refute", "Salt water does not cure flu.")
    assert refused.status_code == 403
    refuted = await resolve(api, moderator, item["id"], "refute", "Salt water does not cure flu.",
                            link="https://example.org/flu-facts")
    assert refuted.status_code == 200, refuted.text
    for post_id in (original, copy, twin):
        assert "refuted rumour" in (await api.client.get(f"/api/v1/posts/{post_id}")).json()["labels"]
    for token in (reader, fan_of_copy, fan_of_twin):
        [correction] = await notices(api, token, "correction")
        assert correction["text"] == "Salt water does not cure flu."
        assert {p["id"] for p in correction["posts"]} == {original, copy, twin}
    assert await notices(api, bystander, "correction") == []
    for token in (reader, bystander):
        assert (await notices(api, token, "report_outcome"))[0]["outcome"] == "refute"


async def test_nobody_reviews_their_own_channel(scored_api: Api, ctx: Context) -> None:
    api = scored_api
    moderator = await staff(ctx, "mod_owner", Role.MODERATOR)
    await api.channel(moderator, "mod_channel")
    await api.publish(moderator, "mod_channel", "Election night live", "Results as they come.")
    await api.run_pipeline()
    [held] = await queue(api, moderator, "held")
    response = await resolve(api, moderator, held["id"], "approve", "fine")
    assert response.status_code == 403 and response.json()["error"]["code"] == "own_channel"


async def test_members_cannot_see_the_queue_and_reports_are_rate_limited(scored_api: Api, ctx: Context) -> None:
    api = scored_api
    member = await api.sign_up("member")
    assert (await api.client.get("/api/v1/moderation/queue", headers=api.auth(member))).status_code == 403
    await api.channel(member, "member_news")
    post_id = await api.publish(member, "member_news", "Hello", "World")
    await api.run_pipeline()
    ctx.settings = ctx.settings.__class__(**{**ctx.settings.__dict__, "reports_per_hour": 2})
    for _ in range(2):
        assert (await api.client.post(f"/api/v1/posts/{post_id}/reports", headers=api.auth(member),
                                      json={"reason": "spam"})).status_code == 201
    limited = await api.client.post(f"/api/v1/posts/{post_id}/reports", headers=api.auth(member),
                                    json={"reason": "spam"})
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
    assert limited.headers["X-RateLimit-Remaining"] == "0" and "Retry-After" in limited.headers


async def test_three_strikes_suspend_publishing(scored_api: Api, ctx: Context) -> None:
    api = scored_api
    author = await rejected_posts(api, ctx, "repeat_news", 3)
    strikes = (await api.client.get("/api/v1/channels/repeat_news/strikes", headers=api.auth(author))).json()
    assert len(strikes["strikes"]) == 3 and strikes["suspended_until"] is not None
    refused = await api.client.post("/api/v1/channels/repeat_news/posts", headers=api.auth(author),
                                    json={"title": "Garden", "body": "Basil"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "channel_suspended"
    assert (await notices(api, author, "suspension"))[0]["reason"].startswith("3 strikes")
    api.app.state.ctx.clock.advance(days=8)
    assert (await api.client.post("/api/v1/channels/repeat_news/posts", headers=api.auth(author),
                                  json={"title": "Garden", "body": "Basil"})).status_code == 202


async def test_a_connected_reader_receives_the_correction_live(scored_api: Api, ctx: Context) -> None:
    api = scored_api
    import asyncio
    from dataclasses import replace

    from masthead.live.stream import resolve_scope
    from masthead.services.accounts import access_account_by_token
    from tests.live.hub_client import HubClient, until

    ctx.settings = replace(ctx.settings, live_poll_seconds=30.0, live_heartbeat_seconds=30.0)
    origin = await api.sign_up("origin")
    await api.channel(origin, "origin_news")
    reader = await api.sign_up("reader")
    await api.client.post("/api/v1/channels/origin_news/subscription", headers=api.auth(reader))
    moderator = await staff(ctx, "mod_live", Role.MODERATOR)
    post_id = await api.publish(origin, "origin_news", "Miracle cure", "Salt water cures flu.")
    await api.run_pipeline()
    hub = api.app.state.hub
    await hub.start()
    stop = asyncio.Event()
    running = asyncio.ensure_future(hub.run(stop))
    viewer = await access_account_by_token(ctx, reader)
    client = await HubClient(hub, await resolve_scope(ctx, viewer, None)).joined()
    await api.client.post(f"/api/v1/posts/{post_id}/reports", headers=api.auth(reader), json={"reason": "rumour"})
    [item] = await queue(api, moderator, "report")
    await resolve(api, moderator, item["id"], "refute", "Salt water does not cure flu.")
    await until(lambda: len(client.outlet.messages) >= 2)  # well before the 30 s poll: the hub was rung
    first, second = client.outlet.events()
    assert [first["event"], second["event"]] == ["notice", "correction"]  # the report's outcome, then the correction
    assert second["data"]["payload"]["text"] == "Salt water does not cure flu."
    await client.leave()
    stop.set()
    await running


async def test_a_correction_reaches_a_near_duplicate_nobody_attributed(scored_api: Api, ctx: Context) -> None:
    """The original was held when decided, so it was not in the index when its copy came: only their texts
    link them, and the correction still reaches the copy's readers."""
    api = scored_api
    origin = await api.sign_up("held_origin")
    await api.channel(origin, "held_origin")
    copier = await api.sign_up("quiet_copier")
    await api.channel(copier, "quiet_copy")
    fan = await api.sign_up("fan_of_quiet_copy")
    await api.client.post("/api/v1/channels/quiet_copy/subscription", headers=api.auth(fan))
    moderator = await staff(ctx, "mod_near", Role.MODERATOR)
    text = "Officials say the vote count was rigged in three districts, according to a leaked memo."
    original = await api.publish(origin, "held_origin", "Election rigged, memo says", text)
    await api.run_pipeline()
    assert (await api.client.get(f"/api/v1/posts/{original}", headers=api.auth(origin))).json()["state"] == "held"
    copy = await api.publish(copier, "quiet_copy", "Rigged, memo says", text)
    await api.run_pipeline()
    copied = (await api.client.get(f"/api/v1/posts/{copy}")).json()
    assert copied["state"] == "published" and copied["reprint_of"] is None
    [held] = await queue(api, moderator, "held")
    assert (await resolve(api, moderator, held["id"], "approve", "newsworthy")).status_code == 200

    await api.client.post(f"/api/v1/posts/{original}/reports", headers=api.auth(fan), json={"reason": "rumour"})
    [item] = await queue(api, moderator, "report")
    assert (await resolve(api, moderator, item["id"], "refute", "No memo exists.")).status_code == 200
    [correction] = await notices(api, fan, "correction")
    assert {p["id"] for p in correction["posts"]} == {original, copy}
    assert "refuted rumour" in (await api.client.get(f"/api/v1/posts/{copy}")).json()["labels"]


async def test_a_correction_reaches_who_subscribed_when_the_post_went_out(scored_api: Api, ctx: Context) -> None:
    api = scored_api
    author = await api.sign_up("rumour_mill")
    await api.channel(author, "rumour_mill")
    left_after, left_before = await api.sign_up("left_after"), await api.sign_up("left_before")
    subscription = "/api/v1/channels/rumour_mill/subscription"
    for token in (left_after, left_before):
        await api.client.post(subscription, headers=api.auth(token))
    ctx.clock.advance(hours=1)
    assert (await api.client.delete(subscription, headers=api.auth(left_before))).status_code == 200
    ctx.clock.advance(hours=1)
    post_id = await api.publish(author, "rumour_mill", "Salt cures flu", "Drinking salt water cures flu.")
    await api.run_pipeline()
    ctx.clock.advance(hours=1)
    assert (await api.client.delete(subscription, headers=api.auth(left_after))).status_code == 200

    moderator = await staff(ctx, "mod_period", Role.MODERATOR)
    await api.client.post(f"/api/v1/posts/{post_id}/reports", headers=api.auth(left_after),
                          json={"reason": "rumour"})
    [item] = await queue(api, moderator, "report")
    assert (await resolve(api, moderator, item["id"], "refute", "It does not.")).status_code == 200
    assert [c["text"] for c in await notices(api, left_after, "correction")] == ["It does not."]
    assert await notices(api, left_before, "correction") == []
