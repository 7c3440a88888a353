"""Sending from a request: parse the envelopes, store the message, then ring the node's live hub and tell the other
nodes (the recipients' streams carry it as a `message` event). Shared by the API and the pages' endpoint, so both
send the same way."""
from __future__ import annotations

import binascii
from collections.abc import Iterable, Mapping

from starlette.applications import Starlette

from masthead.context import Context
from masthead.domain.errors import Conflict, NotFound, Unprocessable
from masthead.domain.models import Account
from masthead.domain.paging import parse_id as parse_id_text
from masthead.messaging.protocol import (
    ENVELOPE_MAX_BYTES,
    ENVELOPE_MAX_CHARS,
    b64decode,
    is_base64url,
)
from masthead.messaging.service import Sent, do_send


def parse_id(value: object, what: str) -> int:
    """An id (at most 18 ASCII digits, as the OpenAPI document says), or 404: nothing can have another."""
    found = parse_id_text(value) if isinstance(value, str) else None
    if found is None:
        raise NotFound(f"no {what} {value!r}", code=f"{what}_not_found")
    return found


def parse_envelopes(envelopes: Iterable[Mapping[str, object]]) -> dict[int, bytes]:
    parsed: dict[int, bytes] = {}
    count = 0
    for envelope in envelopes:
        count += 1
        ciphertext = envelope.get("ciphertext")
        if not isinstance(ciphertext, str):
            raise Unprocessable("each envelope needs a base64url ciphertext", code="invalid_ciphertext")
        if len(ciphertext) > ENVELOPE_MAX_CHARS:
            raise Unprocessable(f"an envelope may be at most {ENVELOPE_MAX_BYTES} bytes "
                                f"({ENVELOPE_MAX_CHARS} base64url characters)", code="envelope_too_large")
        if not is_base64url(ciphertext):
            raise Unprocessable("each ciphertext must be unpadded base64url", code="invalid_ciphertext")
        try:
            parsed[parse_id(envelope.get("device_id"), "device")] = b64decode(ciphertext)
        except (ValueError, binascii.Error):
            raise Unprocessable("each ciphertext must be unpadded base64url", code="invalid_ciphertext") from None
    if len(parsed) != count:
        # Each envelope is valid on its own; together they do not fit the conversation's devices.
        raise Conflict("one envelope per device: a device is named twice", code="invalid_envelopes")
    return parsed


async def do_send_and_wake(app: Starlette, ctx: Context, account: Account, conversation_id: int, *,
                           device_id: object, client_id: object, envelopes: object) -> Sent:
    if not isinstance(client_id, str) or not isinstance(envelopes, list) or \
            not all(isinstance(e, dict) for e in envelopes):
        raise Unprocessable("send {device_id, client_id, envelopes: [{device_id, ciphertext}]}",
                            code="invalid_message")
    sent = await do_send(ctx, account, device_id=parse_id(device_id, "device"), conversation_id=conversation_id,
                         client_id=client_id, envelopes=parse_envelopes(envelopes))
    if not sent.repeated:
        await app.state.announce(1)  # after the commit: this node's hub reads it at once, Redis tells the others
    return sent
