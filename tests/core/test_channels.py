from __future__ import annotations

import pytest

from tests.conftest import Api


async def test_create_channel_and_read_it(api: Api) -> None:
    token = await api.sign_up("alice")
    created = await api.channel(token, "alice_news", "Alice News")
    assert created["handle"] == "alice_news"
    assert created["owner"] == "alice"
    assert created["badges"] == []
    fetched = await api.client.get("/api/v1/channels/alice_news")
    assert fetched.status_code == 200
    assert fetched.json()["name"] == "Alice News"
    me = await api.client.get("/api/v1/accounts/me", headers=api.auth(token))
    assert me.json()["channels"] == [{"handle": "alice_news", "name": "Alice News", "role": "owner"}]


async def test_channel_handle_taken_and_rules(api: Api) -> None:
    token = await api.sign_up("alice")
    await api.channel(token, "alice_news")
    again = await api.client.post("/api/v1/channels", headers=api.auth(token), json={"handle": "alice_news", "name": "X"})
    assert again.status_code == 409
    reserved = await api.client.post("/api/v1/channels", headers=api.auth(token), json={"handle": "api", "name": "X"})
    assert reserved.status_code == 422 and reserved.json()["error"]["code"] == "reserved_handle"
    unauthenticated = await api.client.post("/api/v1/channels", json={"handle": "bob_news", "name": "X"})
    assert unauthenticated.status_code == 401


async def test_unknown_channel_is_404(api: Api) -> None:
    response = await api.client.get("/api/v1/channels/nobody_here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "channel_not_found"


async def test_owner_names_authors_who_may_then_publish(api: Api) -> None:
    owner = await api.sign_up("alice")
    writer = await api.sign_up("bob")
    await api.channel(owner, "alice_news")
    refused = await api.client.post("/api/v1/channels/alice_news/posts", headers=api.auth(writer),
                                    json={"title": "Hi", "body": "text"})
    assert refused.status_code == 403
    not_owner = await api.client.post("/api/v1/channels/alice_news/authors", headers=api.auth(writer),
                                      json={"handle": "bob"})
    assert not_owner.status_code == 403
    added = await api.client.post("/api/v1/channels/alice_news/authors", headers=api.auth(owner), json={"handle": "bob"})
    assert added.status_code == 201 and added.json()["authors"] == ["bob"]
    await api.publish(writer, "alice_news")
    removed = await api.client.delete("/api/v1/channels/alice_news/authors/bob", headers=api.auth(owner))
    assert removed.status_code == 200 and removed.json()["authors"] == []
    again = await api.client.delete("/api/v1/channels/alice_news/authors/bob", headers=api.auth(owner))
    assert again.status_code == 404
    unknown = await api.client.post("/api/v1/channels/alice_news/authors", headers=api.auth(owner),
                                    json={"handle": "ghost"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_account"


async def test_subscribe_and_unsubscribe_are_idempotent(api: Api) -> None:
    owner = await api.sign_up("alice")
    reader = await api.sign_up("reader")
    await api.channel(owner, "alice_news")
    for _ in range(2):
        response = await api.client.post("/api/v1/channels/alice_news/subscription", headers=api.auth(reader))
        assert response.status_code == 200 and response.json()["subscribed"] is True
    assert (await api.client.get("/api/v1/channels/alice_news")).json()["subscribers"] == 1
    for _ in range(2):
        response = await api.client.delete("/api/v1/channels/alice_news/subscription", headers=api.auth(reader))
        assert response.status_code == 200 and response.json()["subscribed"] is False
    assert (await api.client.get("/api/v1/channels/alice_news")).json()["subscribers"] == 0
    missing = await api.client.post("/api/v1/channels/no_such/subscription", headers=api.auth(reader))
    assert missing.status_code == 404


@pytest.mark.parametrize(("payload", "fragment"), [
    ({"handle": "alice_news"}, "field 'name' is required"),
    ({"handle": "alice_news", "name": 5}, "field 'name' must be a string"),
    ({"handle": "alice_news", "name": "X", "colour": "red"}, "unknown field 'colour'"),
    ([1, 2], "must be a JSON object"),
])
async def test_bad_channel_input_is_explained(api: Api, payload: object, fragment: str) -> None:
    token = await api.sign_up("alice")
    response = await api.client.post("/api/v1/channels", headers=api.auth(token), json=payload)
    assert response.status_code == 422
    assert fragment in response.json()["error"]["message"]
