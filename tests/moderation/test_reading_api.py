"""What readers read through the API: corrections in a post's view, unread notices and marking them read."""
from __future__ import annotations

from typing import Any

import pytest

from masthead.context import Context
from masthead.domain.accounts import Role
from tests.conftest import Api
from tests.moderation.test_workflow import queue, resolve, staff
from tests.scores import PoliticalScores


@pytest.fixture
def scored_api(api: Api) -> Api:
    api.app.state.worker.stages.insert(-1, PoliticalScores())
    return api


async def _notifications(api: Api, token: str, **params: Any) -> dict[str, Any]:
    response = await api.client.get("/api/v1/notifications", headers=api.auth(token), params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_post_and_its_copy_show_the_correction(scored_api: Api, ctx: Context) -> None:
    api = scored_api
    origin = await api.sign_up("origin_desk")
    await api.channel(origin, "origin_desk")
    copier = await api.sign_up("copy_desk")
    await api.channel(copier, "copy_desk")
    reader = await api.sign_up("careful_reader")
    moderator = await staff(ctx, "mod_reading", Role.MODERATOR)
    original = await api.publish(origin, "origin_desk", "Bridge to close", "The old bridge closes for a year.")
    await api.run_pipeline()
    copy = await api.publish(copier, "copy_desk", "Bridge to close (reprint)", "The old bridge closes for a year.",
                             reprint_of=original)
    unrelated = await api.publish(origin, "origin_desk", "Garden show", "Roses everywhere.")
    await api.run_pipeline()
    assert (await api.client.get(f"/api/v1/posts/{original}")).json()["corrections"] == []

    await api.client.post(f"/api/v1/posts/{original}/reports", headers=api.auth(reader), json={"reason": "rumour"})
    [item] = await queue(api, moderator, "report")
    refuted = await resolve(api, moderator, item["id"], "refute", "The bridge stays open; only one lane closes.",
                            link="https://example.org/bridge")
    assert refuted.status_code == 200, refuted.text

    for post_id in (original, copy):
        [correction] = (await api.client.get(f"/api/v1/posts/{post_id}")).json()["corrections"]
        assert correction["text"] == "The bridge stays open; only one lane closes."
        assert correction["link"] == "https://example.org/bridge"
        assert correction["refuted_post_id"] == original
        assert correction["created_at"]
    assert (await api.client.get(f"/api/v1/posts/{unrelated}")).json()["corrections"] == []


async def test_unread_count_and_marking_notices_read(scored_api: Api, ctx: Context) -> None:
    api = scored_api
    author = await api.sign_up("noisy_author")
    await api.channel(author, "noisy_news")
    first_reader = await api.sign_up("first_reader")
    second_reader = await api.sign_up("second_reader")
    moderator = await staff(ctx, "mod_notices", Role.MODERATOR)
    post_id = await api.publish(author, "noisy_news", "Buy cheap watches", "Click here.")
    await api.run_pipeline()
    assert (await _notifications(api, first_reader))["unread"] == 0
    for reader in (first_reader, second_reader):
        await api.client.post(f"/api/v1/posts/{post_id}/reports", headers=api.auth(reader), json={"reason": "spam"})
    [item] = await queue(api, moderator, "report")
    assert (await resolve(api, moderator, item["id"], "remove", "advertising")).status_code == 200

    before = await _notifications(api, first_reader)
    [notice] = before["items"]
    assert before["unread"] == 1 and notice["kind"] == "report_outcome" and notice["read"] is False

    marked = await api.client.post("/api/v1/notifications/read", headers=api.auth(first_reader),
                                   json={"up_to_id": notice["id"]})
    assert marked.status_code == 200 and marked.json() == {"marked": 1, "unread": 0}
    after = await _notifications(api, first_reader)
    assert after["unread"] == 0 and after["items"][0]["read"] is True
    again = await api.client.post("/api/v1/notifications/read", headers=api.auth(first_reader),
                                  json={"up_to_id": notice["id"]})
    assert again.json() == {"marked": 0, "unread": 0}

    # Marking reaches only one's own notices, whatever id is named.
    other = await _notifications(api, second_reader)
    await api.client.post("/api/v1/notifications/read", headers=api.auth(first_reader),
                          json={"up_to_id": other["items"][0]["id"]})
    assert (await _notifications(api, second_reader))["unread"] == 1
    # The author's notices (the removal and the strike) are untouched and still counted.
    assert (await _notifications(api, author))["unread"] == 2


async def test_marking_read_needs_an_id_and_a_signed_in_account(api: Api) -> None:
    token = await api.sign_up("tidy_reader")
    for body, code in (({"up_to_id": "abc"}, "invalid_notification_id"), ({}, None), ({"up_to_id": 3}, None)):
        response = await api.client.post("/api/v1/notifications/read", headers=api.auth(token), json=body)
        assert response.status_code == 422, response.text
        if code:
            assert response.json()["error"]["code"] == code
    anonymous = await api.client.post("/api/v1/notifications/read", json={"up_to_id": "1"})
    assert anonymous.status_code == 401
