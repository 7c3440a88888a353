"""A device that was offline gets what was sent meanwhile exactly once when it returns, live or by fetch."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from masthead.api.app import create_app
from masthead.context import Context
from masthead.messaging.client import DeviceKeys, MessagingClient
from masthead.messaging.live import DeviceHub, message_events
from masthead.services.accounts import access_account_by_token
from masthead.settings import Settings
from tests.conftest import FAST_HASHER
from tests.live_server import serving
from tests.messaging.conftest import People


@pytest.fixture
def quick_ctx(ctx: Context) -> Context:
    ctx.settings = replace(ctx.settings, live_poll_seconds=0.05, live_heartbeat_seconds=0.2)
    return ctx


async def test_the_stream_resumes_from_its_cursor_without_loss_or_repeat(people: People, quick_ctx: Context) -> None:
    alice = await people.person("alice")
    bob = await people.person("bob")
    conversation = await alice.start(["bob"])
    await bob.accept(conversation)
    bob_account = await access_account_by_token(quick_ctx, bob.token)
    assert bob.device_id is not None
    hub = DeviceHub()
    events = message_events(quick_ctx, hub, bob_account, bob.device_id, 0)
    await alice.send(conversation, "before going offline")
    first = await asyncio.wait_for(anext(events), 10)
    await events.aclose()  # Bob's phone goes offline
    assert first.envelope is not None
    missed = [await alice.send(conversation, f"while away {i}") for i in range(5)]

    resumed = message_events(quick_ctx, hub, bob_account, bob.device_id, first.cursor)
    received = []
    while (event := await asyncio.wait_for(anext(resumed), 10)).kind != "heartbeat":
        assert event.envelope is not None
        received.append(str(event.envelope.message_id))
    # Sent without ringing this hub, as from another node, while the stream waits with no heartbeat due: only
    # the node's poller (every 0.05 s here) can wake it.
    quick_ctx.settings = replace(quick_ctx.settings, live_heartbeat_seconds=60)
    pending = asyncio.ensure_future(anext(resumed))
    await asyncio.sleep(0.2)  # the stream reads, finds nothing, and waits
    sent_live = await alice.send(conversation, "back online")
    event = await asyncio.wait_for(pending, 5)
    await resumed.aclose()
    assert received == missed
    assert event.envelope is not None and str(event.envelope.message_id) == sent_live


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
        # The stream now waits on its wake-up: only the send's ring can bring the next one within 3 s.
        await alice.send(conversation, "live one")
        assert (await asyncio.wait_for(anext(stream), 3)).text == "live one"
        await stream.aclose()
        missed = [await alice.send(conversation, f"missed {i}") for i in range(3)]
        params = {"device": str(bob.device_id)}
        headers = {"Authorization": f"Bearer {bob.token}", "Last-Event-ID": str(bob.cursor)}
        received: list[str] = []
        async with http.stream("GET", "/api/v1/messages/stream", params=params, headers=headers) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    received.append(json.loads(line[6:])["message_id"])
                    if len(received) == 3:
                        break
        assert received == missed
