"""Private-message tests: people with a registered device each, speaking through the Python client."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from masthead.messaging.client import DeviceKeys, MessagingClient
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
