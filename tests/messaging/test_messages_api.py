"""Private messages over the API, on SQLite and PostgreSQL: requests, groups, blocks, ciphertext only, exact
delivery by cursor, consensual reports."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from masthead.context import Context
from masthead.domain.accounts import Role
from masthead.domain.errors import Unprocessable
from masthead.messaging.client import MessagingClient, MessagingError
from masthead.messaging.service import MAX_GROUP_MEMBERS, do_start_conversation
from masthead.services.accounts import access_account_by_token
from masthead.store.tables import dm_envelopes, dm_messages
from tests.conftest import Api
from tests.messaging.conftest import People
from tests.moderation.test_workflow import staff

SECRET = "The vault code is 7391, tell nobody"


async def _conversation_with_accepted_request(alice: MessagingClient, bob: MessagingClient) -> str:
    conversation = await alice.start(["bob"])
    await bob.accept(conversation)
    return conversation


async def test_two_people_exchange_messages_the_server_cannot_read(people: People, ctx: Context) -> None:
    alice = await people.person("alice")
    bob = await people.person("bob", x25519=False)  # a browser without X25519: the pair falls back to P-256
    conversation = await _conversation_with_accepted_request(alice, bob)
    await alice.send(conversation, SECRET)
    await bob.send(conversation, "Got it. 收到，谢谢")
    assert [(m.sender, m.text) for m in await bob.fetch()] == [("alice", SECRET), ("bob", "Got it. 收到，谢谢")]
    assert [m.text for m in await alice.fetch()] == [SECRET, "Got it. 收到，谢谢"]
    async with ctx.db.read() as connection:
        stored = [bytes(c) for c in (await connection.execute(sa.select(dm_envelopes.c.ciphertext))).scalars()]
        sizes = (await connection.execute(sa.select(dm_messages.c.size))).scalars().all()
    assert len(stored) == 4 and all(SECRET.encode() not in blob and b"vault" not in blob for blob in stored)
    assert sizes == [sum(len(b) for b in stored[:2]), sum(len(b) for b in stored[2:])]


async def test_a_third_person_cannot_read_or_join(people: People) -> None:
    alice = await people.person("alice")
    bob = await people.person("bob")
    carol = await people.person("carol")
    conversation = await _conversation_with_accepted_request(alice, bob)
    await alice.send(conversation, SECRET)
    assert await carol.fetch() == []
    for method, path in [("GET", f"/api/v1/messages/conversations/{conversation}"),
                         ("GET", f"/api/v1/messages/conversations/{conversation}/devices"),
                         ("GET", f"/api/v1/messages/inbox?device={bob.device_id}")]:
        with pytest.raises(MessagingError) as failed:
            await carol._call(method, path)
        assert failed.value.status == 404
    with pytest.raises(MessagingError, match="conversation_not_found"):
        await carol.send(conversation, "let me in")


async def test_a_message_request_is_accepted_or_declined(people: People) -> None:
    alice = await people.person("alice")
    bob = await people.person("bob")
    conversation = await alice.start(["bob"])
    [request] = await bob.conversations()
    assert request["state"] == "requested" and request["id"] == conversation
    await alice.send(conversation, "Hello, we have not met")
    assert [m.text for m in await bob.fetch()] == ["Hello, we have not met"]
    with pytest.raises(MessagingError, match="request_not_accepted"):
        await bob.send(conversation, "reply before accepting")
    await bob.decline(conversation)
    assert await bob.conversations() == []
    await alice.send(conversation, "Are you there?")
    assert await bob.fetch() == []
    assert await alice.start(["bob"]) == conversation  # one conversation per pair: no new request


async def test_accepted_people_start_conversations_without_requests(people: People) -> None:
    alice = await people.person("alice")
    bob = await people.person("bob")
    await _conversation_with_accepted_request(alice, bob)
    group = await alice.start(["bob"], group=True)
    assert {c["id"]: c["state"] for c in await bob.conversations()}[group] == "active"


async def test_the_creator_adds_and_removes_group_members_and_others_leave(people: People) -> None:
    alice = await people.person("alice")
    bob = await people.person("bob")
    carol = await people.person("carol")
    dave = await people.person("dave")
    group = await alice.start(["bob", "carol"], group=True)
    await bob.accept(group)
    await carol.accept(group)
    with pytest.raises(MessagingError, match="not_group_creator"):
        await bob.add(group, "dave")
    await alice.add(group, "dave")
    await dave.accept(group)
    await alice.send(group, "Welcome, all three of you")
    await alice.remove(group, "carol")
    await dave.leave(group)
    await alice.send(group, "Only Bob now")
    assert [m.text for m in await bob.fetch()] == ["Welcome, all three of you", "Only Bob now"]
    assert [m.text for m in await carol.fetch()] == ["Welcome, all three of you"]
    assert [m.text for m in await dave.fetch()] == ["Welcome, all three of you"]
    with pytest.raises(MessagingError, match="conversation_not_found"):
        await carol.send(group, "still here?")
    with pytest.raises(MessagingError, match="not_a_group"):
        await alice.leave(await alice.start(["bob"]))


async def test_groups_have_at_most_200_people(api: Api, ctx: Context) -> None:
    token = await api.sign_up("alice")
    alice = await access_account_by_token(ctx, token)
    with pytest.raises(Unprocessable, match="at most 200"):
        await do_start_conversation(ctx, alice, [f"person{i}" for i in range(MAX_GROUP_MEMBERS)], group=True)


async def test_a_blocked_person_no_longer_reaches_the_blocker(people: People) -> None:
    alice = await people.person("alice")
    bob = await people.person("bob")
    conversation = await _conversation_with_accepted_request(alice, bob)
    await bob.block("alice")
    await alice.send(conversation, "Can you hear me?")
    assert await bob.fetch() == []
    assert [m.text for m in await alice.fetch()] == ["Can you hear me?"]  # she is not told


async def test_every_device_gets_a_copy_and_a_stale_device_list_is_refused(people: People, api: Api) -> None:
    alice = await people.person("alice")
    bob = await people.person("bob")
    conversation = await _conversation_with_accepted_request(alice, bob)
    devices = (await alice._call("GET", f"/api/v1/messages/conversations/{conversation}/devices"))["recipients"]
    bob_laptop = await people.another_device(bob, x25519=False)
    stale = {"device_id": str(alice.device_id), "client_id": "stale-1",
             "envelopes": [{"device_id": d["id"], "ciphertext": "AAAA"} for d in devices]}
    response = await api.client.post(f"/api/v1/messages/conversations/{conversation}/messages",
                                     headers=api.auth(alice.token), json=stale)
    assert response.status_code == 409 and response.json()["error"]["code"] == "devices_changed"
    await alice.send(conversation, "to both of Bob's devices")
    assert [m.text for m in await bob.fetch()] == ["to both of Bob's devices"]
    assert [m.text for m in await bob_laptop.fetch()] == ["to both of Bob's devices"]


async def test_a_retried_send_is_stored_once(people: People) -> None:
    alice = await people.person("alice")
    bob = await people.person("bob")
    conversation = await _conversation_with_accepted_request(alice, bob)
    first = await alice.send(conversation, "only once", client_id="retry-me")
    again = await alice.send(conversation, "only once", client_id="retry-me")
    assert first == again
    assert [m.text for m in await bob.fetch()] == ["only once"]


async def test_a_changed_key_changes_the_safety_number_and_is_noticed(people: People) -> None:
    alice = await people.person("alice")
    bob = await people.person("bob")
    conversation = await _conversation_with_accepted_request(alice, bob)
    assert await alice.safety_number(conversation) == await bob.safety_number(conversation)
    before = await bob.safety_number(conversation)
    assert await bob.changed_keys(conversation) == []
    await alice._call("DELETE", f"/api/v1/messages/devices/{alice.device_id}")
    await alice.register()  # a new key pair on a reinstalled device
    assert await bob.changed_keys(conversation) == ["alice"]
    assert await bob.safety_number(conversation) != before
    assert await bob.safety_number(conversation) == await alice.safety_number(conversation)


async def test_bad_input_is_refused_in_words(people: People, api: Api) -> None:
    alice = await people.person("alice")
    response = await api.client.post("/api/v1/messages/devices", headers=api.auth(alice.token),
                                     json={"public_keys": {"X25519": "AAAA"}})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_public_keys"
    response = await api.client.post("/api/v1/messages/conversations", headers=api.auth(alice.token),
                                     json={"members": ["nobody_here"]})
    assert response.status_code == 404 and response.json()["error"]["code"] == "account_not_found"
    response = await api.client.get("/api/v1/messages/inbox?device=1&cursor=abc", headers=api.auth(alice.token))
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_cursor"


async def test_what_the_openapi_document_rules_out_is_refused(people: People, api: Api) -> None:
    """The limits /openapi.json states for messages are the ones the code checks (tests/core runs schemathesis)."""
    alice = await people.person("alice")
    bob = await people.person("bob")
    auth = api.auth(alice.token)
    keys = alice.keys.public_keys()
    for public_keys, label in [({**keys, "P-256": keys["P-256"] + "="}, ""), (keys, "x" * 101)]:
        response = await api.client.post("/api/v1/messages/devices", headers=auth,
                                         json={"public_keys": public_keys, "label": label})
        assert response.status_code == 422, response.text
    for members in [[], ["@bob"], ["bob"] * 200]:
        response = await api.client.post("/api/v1/messages/conversations", headers=auth, json={"members": members})
        assert response.status_code == 422, response.text
    response = await api.client.post("/api/v1/messages/conversations", headers=auth, json={"members": ["alice"]})
    assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_members"
    conversation = await alice.start(["bob"])
    await bob.accept(conversation)
    twice = {"device_id": str(alice.device_id), "client_id": "twice",
             "envelopes": [{"device_id": str(alice.device_id), "ciphertext": c} for c in ("AAAA", "BBBB")]}
    response = await api.client.post(f"/api/v1/messages/conversations/{conversation}/messages", headers=auth,
                                     json=twice)
    assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_envelopes"
    for device in ("\u00b2", "1" * 19):
        response = await api.client.get(f"/api/v1/messages/inbox?device={device}", headers=auth)
        assert response.status_code == 404, response.text


async def test_a_recipient_reports_a_message_with_consent(people: People, api: Api, ctx: Context) -> None:
    alice = await people.person("alice")
    bob = await people.person("bob")
    conversation = await _conversation_with_accepted_request(alice, bob)
    await alice.send(conversation, "Buy fake passports from me")
    [received] = await bob.fetch()
    refused = await api.client.post("/api/v1/messages/reports", headers=api.auth(bob.token), json={
        "message_id": received.id, "plaintext": received.text, "reason": "illegal", "consent": False})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "consent_required"
    with pytest.raises(MessagingError, match="message_not_found"):
        await alice.report(received, reason="spam")  # only a recipient can report
    item_id = await bob.report(received, reason="illegal", comment="a stranger")

    moderator = await staff(ctx, "mod_messages", Role.MODERATOR)
    queue = (await api.client.get("/api/v1/moderation/queue?kind=message", headers=api.auth(moderator))).json()
    assert [item["id"] for item in queue["items"]] == [item_id]
    shown = (await api.client.get(f"/api/v1/moderation/items/{item_id}/message", headers=api.auth(moderator))).json()
    assert shown["plaintext"] == "Buy fake passports from me" and shown["sender"] == "alice"
    assert shown["reporter"] == "bob" and shown["verified"] is False
    forbidden = await api.client.get(f"/api/v1/moderation/items/{item_id}/message", headers=api.auth(alice.token))
    assert forbidden.status_code == 403
    api.client.cookies.set("masthead_session", moderator)  # the moderators' console, as a browser signs in
    try:
        case = await api.client.get(f"/moderation/items/{item_id}")
        assert case.status_code == 200
        assert "Reported private message" in case.text and "Buy fake passports from me" in case.text
        listing = await api.client.get("/moderation?kind=message")
        assert listing.status_code == 200 and "Reported messages" in listing.text
    finally:
        api.client.cookies.clear()
    resolved = await api.client.post(f"/api/v1/moderation/items/{item_id}/resolve", headers=api.auth(moderator),
                                      json={"action": "reject", "reason": "selling forged documents"})
    assert resolved.status_code == 200, resolved.text
    notices = (await api.client.get("/api/v1/notifications", headers=api.auth(bob.token))).json()["items"]
    assert notices[0]["kind"] == "report_outcome" and notices[0]["payload"]["outcome"] == "reject"
