"""A device that was offline gets what was sent meanwhile exactly once when it returns, live over the node's
stream (`GET /api/v1/stream?device=D`) or by fetch."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import httpx
import pytest

from masthead.api.app import create_app
from masthead.context import Context
from masthead.live.hub import Hub
from masthead.live.stream import resolve_scope, start_position
from masthead.messaging.client import DeviceKeys, MessagingClient
from masthead.services.accounts import access_account_by_token
from masthead.settings import Settings
from tests.conftest import FAST_HASHER, Api
from tests.live.hub_client import HubClient, until
from tests.live_server import serving
from tests.messaging.conftest import People


@pytest.fixture
async def hub(api: Api, ctx: Context) -> AsyncIterator[Hub]:
    ctx.settings = replace(ctx.settings, live_poll_seconds=0.05, live_heartbeat_seconds=60.0)
    hub: Hub = api.app.state.hub
    await hub.start()
    yield hub


def _message_ids(client: HubClient) -> list[str]:
    return [event["data"]["message_id"] for event in client.outlet.events() if event["event"] == "message"]


async def test_the_stream_resumes_from_its_cursor_without_loss_or_repeat(people: People, api: Api, ctx: Context,
                                                                         hub: Hub) -> None:
    alice = await people.person("alice")
    bob = await people.person("bob")
    conversation = await alice.start(["bob"])
    await bob.accept(conversation)
    bob_account = await access_account_by_token(ctx, bob.token)
    scope = await resolve_scope(ctx, bob_account, None, str(bob.device_id))
    phone = await HubClient(hub, scope).joined()
    first = await alice.send(conversation, "before going offline")
    await hub.advance()
    assert _message_ids(phone) == [first]
    last_id = phone.outlet.events()[-1]["id"]
    await phone.leave()  # Bob's phone goes offline
    missed = [await alice.send(conversation, f"while away {i}") for i in range(5)]
    await hub.advance()  # the hub moves on without Bob

    resumed = await HubClient(hub, scope, start_position(scope, last_id, hub.position)).joined()
    assert _message_ids(resumed) == missed  # read from the database by cursor, once each

    # Sent through another node, whose send rings its own hub, not this one: this node's hub finds it when it
    # polls (every 0.05 s here).
    stop = asyncio.Event()
    running = asyncio.ensure_future(hub.run(stop))
    other_node = create_app(ctx, run_worker=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other_node), base_url="http://b.test") as http:
        alice_elsewhere = MessagingClient(http, alice.token, keys=alice.keys, device_id=alice.device_id)
        sent_elsewhere = await alice_elsewhere.send(conversation, "back online")
    await until(lambda: len(_message_ids(resumed)) == len(missed) + 1)
    stop.set()
    await running
    assert _message_ids(resumed) == missed + [sent_elsewhere]


@pytest.fixture
def live_base(settings: Settings) -> Iterator[str]:
    fast = Settings(**{**settings.__dict__, "live_poll_seconds": 5.0, "live_heartbeat_seconds": 5.0})
    with serving(create_app(Context.create(fast, hasher=FAST_HASHER), run_worker=False)) as base:
        yield base


def _sign_up(base: str, handle: str) -> str:
    response = httpx.post(f"{base}/api/v1/accounts", json={"handle": handle, "password": "correct horse battery",
                                                           "display_name": handle})
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


async def test_a_real_server_delivers_live_and_again_after_reconnecting(live_base: str) -> None:
    """Over a real connection: live delivery is woken at once (the poll interval is 5 s, the wait is 3 s), and
    Last-Event-ID brings exactly what was missed."""
    async with httpx.AsyncClient(base_url=live_base, timeout=10) as http:
        alice = MessagingClient(http, _sign_up(live_base, "alice"), keys=DeviceKeys.generate())
        bob = MessagingClient(http, _sign_up(live_base, "bob"), keys=DeviceKeys.generate(x25519=False))
        await alice.register()
        await bob.register()
        conversation = await alice.start(["bob"])
        await bob.accept(conversation)

        stream = bob.listen()
        await alice.send(conversation, "first")
        assert (await asyncio.wait_for(anext(stream), 3)).text == "first"
        # The stream now waits on the hub: only the send's ring can bring the next one within 3 s.
        await alice.send(conversation, "live one")
        assert (await asyncio.wait_for(anext(stream), 3)).text == "live one"
        await stream.aclose()
        missed = [await alice.send(conversation, f"missed {i}") for i in range(3)]
        params = {"device": str(bob.device_id)}
        assert bob.stream_cursor is not None and bob.stream_cursor.count(".") == 3
        headers = {"Authorization": f"Bearer {bob.token}", "Last-Event-ID": bob.stream_cursor}
        received: list[str] = []
        async with http.stream("GET", "/api/v1/stream", params=params, headers=headers) as response:
            event = ""
            async for line in response.aiter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "message":
                    received.append(json.loads(line[6:])["message_id"])
                    if len(received) == 3:
                        break
        assert received == missed
        # The client itself resumes from where its stream left off, with nothing repeated.
        again = bob.listen()
        assert [(await asyncio.wait_for(anext(again), 3)).id for _ in missed] == missed
        await again.aclose()
