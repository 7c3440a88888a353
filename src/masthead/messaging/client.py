"""A Python client for private messages, for tests and bots: the same protocol as the browser's
static/messages.js (curve choice, HKDF salt and info, AES-GCM nonce and associated data; see protocol.py).

    async with httpx.AsyncClient(base_url="http://127.0.0.1:8000") as http:
        me = MessagingClient(http, token)
        await me.register()
        conversation = await me.start(["reader"])
        await me.send(conversation, "Hello")
        async for message in me.listen():
            print(message.sender, message.text)
"""
from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from masthead.messaging.protocol import (
    HKDF_SALT,
    NONCE_BYTES,
    P256,
    X25519,
    associated_data,
    b64decode,
    b64encode,
    choose_curve,
    hkdf_info,
    key_fingerprint,
    safety_number,
)

API = "/api/v1/messages"


class MessagingError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


@dataclass
class DeviceKeys:
    """A device's private keys. The browser keeps its own in IndexedDB, unextractable; a bot keeps these in a
    file only it can read (`save`, `load`)."""

    p256: ec.EllipticCurvePrivateKey
    x25519: X25519PrivateKey | None

    @classmethod
    def generate(cls, *, x25519: bool = True) -> DeviceKeys:
        return cls(ec.generate_private_key(ec.SECP256R1()), X25519PrivateKey.generate() if x25519 else None)

    def public_keys(self) -> dict[str, str]:
        keys = {P256: b64encode(self.p256.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))}
        if self.x25519 is not None:
            keys[X25519] = b64encode(self.x25519.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw))
        return keys

    def shared_secret(self, curve: str, their_public: str) -> bytes:
        raw = b64decode(their_public)
        if curve == X25519:
            assert self.x25519 is not None
            return self.x25519.exchange(X25519PublicKey.from_public_bytes(raw))
        return self.p256.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw))

    def save(self, path: Path) -> None:
        def pem(key: ec.EllipticCurvePrivateKey | X25519PrivateKey) -> str:
            return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode()
        data = {"p256": pem(self.p256), "x25519": None if self.x25519 is None else pem(self.x25519)}
        path.touch(mode=0o600)
        path.write_text(json.dumps(data))

    @classmethod
    def load(cls, path: Path) -> DeviceKeys:
        data = json.loads(path.read_text())
        p256 = serialization.load_pem_private_key(data["p256"].encode(), None)
        x25519 = None if data["x25519"] is None else serialization.load_pem_private_key(data["x25519"].encode(), None)
        assert isinstance(p256, ec.EllipticCurvePrivateKey)
        assert x25519 is None or isinstance(x25519, X25519PrivateKey)
        return cls(p256, x25519)


def pair_key(keys: DeviceKeys, my_device: int, their_device: int, their_public_keys: dict[str, str]) -> bytes:
    curve = choose_curve(keys.public_keys(), their_public_keys)
    secret = keys.shared_secret(curve, their_public_keys[curve])
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT,
                info=hkdf_info(curve, my_device, their_device)).derive(secret)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, envelope: bytes, aad: bytes) -> bytes:
    return AESGCM(key).decrypt(envelope[:NONCE_BYTES], envelope[NONCE_BYTES:], aad)


@dataclass(frozen=True)
class Message:
    id: str
    seq: int
    conversation_id: str
    sender: str
    sender_device_id: str
    text: str
    created_at: str


@dataclass
class MessagingClient:
    http: httpx.AsyncClient
    token: str
    keys: DeviceKeys = field(default_factory=DeviceKeys.generate)
    device_id: int | None = None
    cursor: int = 0  # the seq of the last message received
    stream_cursor: str | None = None  # the id of the last live event received (or where fetch() left off)
    # What this client saw of each person's keys, to tell its person when they change (trust on first use).
    known_keys: dict[str, str] = field(default_factory=dict)
    _pair_keys: dict[tuple[int, str], bytes] = field(default_factory=dict)
    _device_keys: dict[int, dict[str, str]] = field(default_factory=dict)

    @property
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.http.request(method, path, headers=self._headers, **kwargs)
        if response.status_code >= 400:
            error = response.json().get("error", {})
            raise MessagingError(response.status_code, error.get("code", "error"), error.get("message", ""))
        return None if response.status_code == 204 else response.json()

    def _device(self) -> int:
        if self.device_id is None:
            raise MessagingError(0, "no_device", "call register() first")
        return self.device_id

    async def register(self, label: str = "python") -> int:
        found = await self._call("POST", f"{API}/devices", json={"public_keys": self.keys.public_keys(),
                                                                  "label": label})
        self.device_id = int(found["id"])
        return self.device_id

    async def start(self, handles: list[str], *, group: bool = False) -> str:
        found = await self._call("POST", f"{API}/conversations", json={"members": handles, "group": group})
        return str(found["id"])

    async def conversations(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (await self._call("GET", f"{API}/conversations"))["conversations"]
        return found

    async def accept(self, conversation_id: str) -> None:
        await self._call("POST", f"{API}/conversations/{conversation_id}/accept")

    async def decline(self, conversation_id: str) -> None:
        await self._call("POST", f"{API}/conversations/{conversation_id}/decline")

    async def leave(self, conversation_id: str) -> None:
        await self._call("POST", f"{API}/conversations/{conversation_id}/leave")

    async def add(self, conversation_id: str, handle: str) -> None:
        await self._call("POST", f"{API}/conversations/{conversation_id}/members", json={"handle": handle})

    async def remove(self, conversation_id: str, handle: str) -> None:
        await self._call("DELETE", f"{API}/conversations/{conversation_id}/members/{handle}")

    async def block(self, handle: str) -> None:
        await self._call("POST", f"{API}/blocks/{handle}")

    def _key_for(self, device_id: int, public_keys: dict[str, str]) -> bytes:
        cache = (device_id, json.dumps(public_keys, sort_keys=True))
        if cache not in self._pair_keys:
            self._pair_keys[cache] = pair_key(self.keys, self._device(), device_id, public_keys)
        return self._pair_keys[cache]

    async def send(self, conversation_id: str, text: str, *, client_id: str | None = None) -> str:
        """Encrypt `text` for every device of the conversation and send it; retried (same client id, so never
        twice) when the devices changed meanwhile."""
        client_id = client_id or uuid.uuid4().hex
        plaintext = json.dumps({"text": text}, ensure_ascii=False).encode()
        for _ in range(3):
            devices = (await self._call("GET", f"{API}/conversations/{conversation_id}/devices"))["recipients"]
            envelopes = []
            for device in devices:
                device_id = int(device["id"])
                aad = associated_data(int(conversation_id), self._device(), device_id, client_id)
                envelopes.append({"device_id": device["id"], "ciphertext": b64encode(
                    seal(self._key_for(device_id, device["public_keys"]), plaintext, aad))})
            try:
                sent = await self._call("POST", f"{API}/conversations/{conversation_id}/messages", json={
                    "device_id": str(self._device()), "client_id": client_id, "envelopes": envelopes})
                return str(sent["id"])
            except MessagingError as exc:
                if exc.code != "devices_changed":
                    raise
        raise MessagingError(409, "devices_changed", "the conversation's devices kept changing")

    async def _public_keys(self, device_id: int) -> dict[str, str]:
        if device_id not in self._device_keys:
            found = await self._call("GET", f"{API}/devices/{device_id}")
            self._device_keys[device_id] = found["public_keys"]
        return self._device_keys[device_id]

    async def open(self, envelope: dict[str, Any]) -> Message:
        """Decrypt one envelope addressed to this device (raises cryptography's InvalidTag if tampered with)."""
        sender_device = int(envelope["sender_device_id"])
        key = self._key_for(sender_device, await self._public_keys(sender_device))
        aad = associated_data(int(envelope["conversation_id"]), sender_device, self._device(), envelope["client_id"])
        body = json.loads(open_sealed(key, b64decode(envelope["ciphertext"]), aad))
        return Message(id=envelope["message_id"], seq=int(envelope["seq"]),
                       conversation_id=envelope["conversation_id"], sender=envelope["sender"],
                       sender_device_id=envelope["sender_device_id"], text=body["text"],
                       created_at=envelope["created_at"])

    async def fetch(self) -> list[Message]:
        """Everything that arrived for this device after `cursor` (advanced past it; `stream_cursor` then
        continues the live stream right after it)."""
        messages = []
        while True:
            page = await self._call("GET", f"{API}/inbox", params={"device": str(self._device()),
                                                                    "cursor": str(self.cursor), "limit": 500})
            for envelope in page["messages"]:
                messages.append(await self.open(envelope))
                self.cursor = int(envelope["seq"])
            self.stream_cursor = page["stream_cursor"]
            if len(page["messages"]) < 500:
                return messages

    async def listen(self) -> AsyncIterator[Message]:
        """Messages as they arrive, over the live stream (`GET /api/v1/stream?device=`), each exactly once: the
        first time, what arrived after `cursor` is fetched, then the stream goes on from `stream_cursor`, the
        last event received. Reconnect by calling again."""
        missed = [] if self.stream_cursor is not None else await self.fetch()
        params = {"device": str(self._device()), "cursor": self.stream_cursor or ""}
        async with self.http.stream("GET", "/api/v1/stream", params=params, headers=self._headers,
                                    timeout=None) as response:
            if response.status_code >= 400:
                await response.aread()
                error = response.json().get("error", {})
                raise MessagingError(response.status_code, error.get("code", "error"), error.get("message", ""))
            for message in missed:
                yield message
            fields: dict[str, str] = {}
            async for line in response.aiter_lines():
                if line.startswith(":"):  # a heartbeat
                    continue
                if line:
                    name, _, value = line.partition(": ")
                    fields[name] = value
                    continue
                if "id" in fields:  # posts and notices of the stream move its position too
                    self.stream_cursor = fields["id"]
                if fields.get("event") == "message":
                    message = await self.open(json.loads(fields["data"]))
                    self.cursor = message.seq
                    yield message
                fields = {}

    async def report(self, message: Message, *, reason: str, comment: str = "") -> str:
        """Send this message's text to the moderators (the caller has asked its person)."""
        found = await self._call("POST", f"{API}/reports", json={
            "message_id": message.id, "plaintext": message.text, "reason": reason, "comment": comment,
            "consent": True})
        return str(found["item_id"])

    async def member_keys(self, conversation_id: str) -> dict[str, dict[int, dict[str, str]]]:
        found = await self._call("GET", f"{API}/conversations/{conversation_id}/devices")
        return {handle: {int(d["id"]): d["public_keys"] for d in devices}
                for handle, devices in found["members"].items()}

    async def safety_number(self, conversation_id: str) -> str:
        return safety_number(await self.member_keys(conversation_id))

    async def changed_keys(self, conversation_id: str) -> list[str]:
        """Handles whose keys differ from what this client saw before (remembering the new ones)."""
        changed = []
        for handle, devices in (await self.member_keys(conversation_id)).items():
            fingerprint = key_fingerprint(handle, devices)
            if self.known_keys.get(handle, fingerprint) != fingerprint:
                changed.append(handle)
            self.known_keys[handle] = fingerprint
        return changed
