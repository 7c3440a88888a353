"""Private messages: devices' public keys, conversations, requests, blocks, ciphertext relay, a live stream
per device, and consensual reports. The server never sees a message's text (masthead/messaging)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import StrictBool, StrictStr

from masthead.api.deps import Ctx, CurrentAccount, OptionalAccount
from masthead.api.schemas import Strict
from masthead.domain.errors import BadRequest, Unauthenticated
from masthead.messaging import service
from masthead.messaging.live import MessageEvent, message_events
from masthead.messaging.relay import device_hub, do_send_and_wake, parse_id
from masthead.messaging.views import (
    conversation_view,
    device_view,
    envelope_view,
    summary_view,
)
from masthead.moderation.private_reports import access_message_report
from masthead.services.accounts import access_account_by_token

router = APIRouter(tags=["messages"])
RETRY_MILLISECONDS = 2000


class DeviceIn(Strict):
    public_keys: dict[StrictStr, StrictStr]
    label: StrictStr = ""


class ConversationIn(Strict):
    members: list[StrictStr]
    group: StrictBool = False


class EnvelopeIn(Strict):
    device_id: StrictStr
    ciphertext: StrictStr


class MessageIn(Strict):
    device_id: StrictStr
    client_id: StrictStr
    envelopes: list[EnvelopeIn]


class MemberIn(Strict):
    handle: StrictStr


class ReadIn(Strict):
    seq: StrictStr


class MessageReportIn(Strict):
    message_id: StrictStr
    plaintext: StrictStr
    reason: StrictStr
    comment: StrictStr = ""
    consent: StrictBool


def parse_cursor(value: str | None) -> int:
    if not value:
        return 0
    if not value.isdigit():
        raise BadRequest("cursor is not one this server issued; start again without it", code="invalid_cursor")
    return int(value)


@router.post("/messages/devices", status_code=201)
async def register_device(body: DeviceIn, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    return device_view(await service.do_register_device(ctx, account, body.public_keys, body.label))


@router.get("/messages/devices")
async def my_devices(account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    return {"devices": [device_view(d) for d in await service.devices_of(ctx, account)]}


@router.get("/messages/devices/{device_id}")
async def device(device_id: str, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    """Any device's public keys (revoked ones too, to read what they sent)."""
    return device_view(await service.public_device(ctx, parse_id(device_id, "device")))


@router.delete("/messages/devices/{device_id}", status_code=204)
async def revoke_device(device_id: str, account: CurrentAccount, ctx: Ctx) -> None:
    await service.do_revoke_device(ctx, account, parse_id(device_id, "device"))


@router.get("/messages/conversations")
async def conversations(account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    found = await service.conversations_of(ctx, account)
    return {"conversations": [summary_view(summary, members) for summary, members in found]}


@router.post("/messages/conversations", status_code=201)
async def start_conversation(body: ConversationIn, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    conversation_id = await service.do_start_conversation(ctx, account, body.members, group=body.group)
    return conversation_view(await service.access_conversation(ctx, account, conversation_id))


@router.get("/messages/conversations/{conversation_id}")
async def conversation(conversation_id: str, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    return conversation_view(await service.access_conversation(ctx, account, parse_id(conversation_id,
                                                                                      "conversation")))


@router.get("/messages/conversations/{conversation_id}/devices")
async def conversation_devices(conversation_id: str, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    """The devices a message must be encrypted for (yours included), and each member's devices."""
    found = parse_id(conversation_id, "conversation")
    recipients = await service.recipient_devices(ctx, account, found)
    members = await service.member_devices(ctx, account, found)
    return {"recipients": [device_view(d) for d in recipients],
            "members": {handle: [device_view(d) for d in devices] for handle, devices in members.items()}}


@router.post("/messages/conversations/{conversation_id}/messages", status_code=201)
async def send(conversation_id: str, body: MessageIn, request: Request, account: CurrentAccount,
               ctx: Ctx) -> JSONResponse:
    sent = await do_send_and_wake(request.app, ctx, account, parse_id(conversation_id, "conversation"),
                                  **body.model_dump())
    return JSONResponse({"id": str(sent.message_id), "seq": str(sent.seq)}, status_code=200 if sent.repeated else 201)


@router.get("/messages/conversations/{conversation_id}/messages")
async def conversation_messages(
    conversation_id: str, account: CurrentAccount, ctx: Ctx, device: Annotated[str, Query()],
    before: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """This device's envelopes of one conversation, newest first; `before` pages back."""
    found = await service.history(ctx, account, parse_id(device, "device"), parse_id(conversation_id, "conversation"),
                                  parse_cursor(before) or None, limit)
    return {"messages": [envelope_view(e) for e in found],
            "next_cursor": str(found[-1].seq) if len(found) == limit else None}


@router.post("/messages/conversations/{conversation_id}/read", status_code=204, name="mark_read")
async def mark_read(conversation_id: str, body: ReadIn, account: CurrentAccount, ctx: Ctx) -> None:
    await service.do_mark_read(ctx, account, parse_id(conversation_id, "conversation"), parse_cursor(body.seq))


@router.post("/messages/conversations/{conversation_id}/members", status_code=204)
async def add_member(conversation_id: str, body: MemberIn, account: CurrentAccount, ctx: Ctx) -> None:
    await service.do_add_member(ctx, account, parse_id(conversation_id, "conversation"), body.handle)


@router.delete("/messages/conversations/{conversation_id}/members/{handle}", status_code=204)
async def remove_member(conversation_id: str, handle: str, account: CurrentAccount, ctx: Ctx) -> None:
    await service.do_remove_member(ctx, account, parse_id(conversation_id, "conversation"), handle)


@router.get("/messages/blocks")
async def blocks(account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    return {"blocked": await service.blocked_by(ctx, account)}


@router.post("/messages/blocks/{handle}", status_code=204)
async def block(handle: str, account: CurrentAccount, ctx: Ctx) -> None:
    await service.do_block(ctx, account, handle)


@router.delete("/messages/blocks/{handle}", status_code=204)
async def unblock(handle: str, account: CurrentAccount, ctx: Ctx) -> None:
    await service.do_unblock(ctx, account, handle)


@router.get("/messages/inbox")
async def inbox(account: CurrentAccount, ctx: Ctx, device: Annotated[str, Query()], cursor: str | None = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    """The device's envelopes after `cursor`, oldest first (what it missed); `next_cursor` is the last seq."""
    after = parse_cursor(cursor)
    found = await service.inbox(ctx, account, parse_id(device, "device"), after, limit)
    return {"messages": [envelope_view(e) for e in found],
            "next_cursor": str(found[-1].seq) if found else str(after)}


def _sse(event: MessageEvent) -> bytes:
    if event.envelope is None:
        return b": heartbeat\n\n"
    return b"id: %d\nevent: message\ndata: %s\n\n" % (event.cursor, orjson.dumps(envelope_view(event.envelope)))


@router.get("/messages/stream", response_class=StreamingResponse)
async def stream(
    request: Request, ctx: Ctx, account: OptionalAccount, device: Annotated[str, Query()],
    cursor: str | None = None, access_token: str | None = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Server-Sent Events: a `message` event per envelope for this device (id = its seq); reconnecting with
    `Last-Event-ID` or `?cursor=` delivers what came meanwhile, exactly once."""
    viewer = account if account is not None or not access_token else await access_account_by_token(ctx, access_token)
    if viewer is None:
        raise Unauthenticated("sign in to receive your messages")
    device_id = parse_id(device, "device")
    await service.access_own_device(ctx, viewer, device_id)
    after = parse_cursor(last_event_id or cursor)
    hub = device_hub(request.app)

    async def body() -> AsyncIterator[bytes]:
        yield b"retry: %d\n\n" % RETRY_MILLISECONDS
        async for event in message_events(ctx, hub, viewer, device_id, after):
            yield _sse(event)

    return StreamingResponse(body(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.post("/messages/reports", status_code=201)
async def report(body: MessageReportIn, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    filed = await service.do_report(ctx, account, message_id=parse_id(body.message_id, "message"),
                                    plaintext=body.plaintext, reason=body.reason, comment=body.comment,
                                    consent=body.consent)
    return {"id": str(filed.id), "item_id": str(filed.item_id)}


@router.get("/moderation/items/{item_id}/message")
async def reported_message(item_id: str, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    """Staff: the plaintext a recipient reported, as they gave it (the server cannot check it)."""
    found = await access_message_report(ctx, account, parse_id(item_id, "item"))
    return {"item_id": str(found.item_id), "reporter": found.reporter, "sender": found.reported,
            "message_id": found.message_ref, "reason": found.reason, "comment": found.comment,
            "plaintext": found.plaintext, "sent_at": found.sent_at.isoformat(),
            "reported_at": found.created_at.isoformat(), "verified": False}



@router.post("/messages/conversations/{conversation_id}/accept", status_code=204)
async def accept(conversation_id: str, account: CurrentAccount, ctx: Ctx) -> None:
    """Accept a message request: you can reply, and it moves to your conversations."""
    await service.do_accept(ctx, account, parse_id(conversation_id, "conversation"))


@router.post("/messages/conversations/{conversation_id}/decline", status_code=204)
async def decline(conversation_id: str, account: CurrentAccount, ctx: Ctx) -> None:
    """Decline a message request: nothing more from it reaches you."""
    await service.do_decline(ctx, account, parse_id(conversation_id, "conversation"))


@router.post("/messages/conversations/{conversation_id}/leave", status_code=204)
async def leave(conversation_id: str, account: CurrentAccount, ctx: Ctx) -> None:
    await service.do_leave(ctx, account, parse_id(conversation_id, "conversation"))
