"""Private-message tests: people with a registered device each, speaking through the Python client (or, against
a real server, plain HTTP)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from masthead.messaging.client import DeviceKeys, MessagingClient
from masthead.messaging.protocol import b64encode
from tests.conftest import Api


@dataclass
class People:
    api: Api

    async def person(self, handle: str, *, x25519: bool = True) -> MessagingClient:
        token = await self.api.sign_up(handle)
        person = MessagingClient(self.api.client, token, keys=DeviceKeys.generate(x25519=x25519))
        await person.register()
        return person

    async def another_device(self, person: MessagingClient, *, x25519: bool = True) -> MessagingClient:
        device = MessagingClient(self.api.client, person.token, keys=DeviceKeys.generate(x25519=x25519))
        await device.register()
        return device


@pytest.fixture
def people(api: Api) -> People:
    return People(api)


class HttpPerson:
    """Someone with a device on a real server, over plain synchronous HTTP (for tests that run servers)."""

    def __init__(self, base: str, handle: str) -> None:
        self.base = base
        response = httpx.post(f"{base}/api/v1/accounts", json={
            "handle": handle, "password": "correct horse battery", "display_name": handle})
        assert response.status_code == 201, response.text
        self.token: str = response.json()["token"]
        device = self.call("POST", "/api/v1/messages/devices",
                           json={"public_keys": DeviceKeys.generate().public_keys()})
        self.device_id: str = device["id"]

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(method, f"{self.base}{path}", headers={"Authorization": f"Bearer {self.token}"},
                                 timeout=10, **kwargs)
        assert response.status_code < 400, response.text
        return None if response.status_code == 204 else response.json()

    def send(self, conversation: str, n: int) -> str:
        """A message whose envelopes the server relays without reading (the client's encryption is tested
        elsewhere)."""
        devices = self.call("GET", f"/api/v1/messages/conversations/{conversation}/devices")["recipients"]
        sent = self.call("POST", f"/api/v1/messages/conversations/{conversation}/messages", json={
            "device_id": self.device_id, "client_id": f"m-{n}",
            "envelopes": [{"device_id": d["id"], "ciphertext": b64encode(bytes(28 + n))} for d in devices]})
        message_id: str = sent["id"]
        return message_id
