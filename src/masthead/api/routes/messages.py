"""Private messages: devices' public keys, conversations, requests, blocks, ciphertext relay and consensual
reports; a device receives live over GET /api/v1/stream?device=D (api/routes/live.py). The server never sees a
message's text (masthead/messaging)."""
from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field, StrictBool, StrictStr, WithJsonSchema

from masthead.api.deps import Ctx, CurrentAccount
from masthead.api.openapi import errors
from masthead.api.params import HandlePath, IdPath
from masthead.api.schemas import NOT_BLANK, Handle, IdText, ReportReasonName, Strict
from masthead.domain.accounts import check_handle
from masthead.domain.errors import BadRequest
from masthead.domain.paging import ID_PATTERN
from masthead.domain.paging import parse_id as parse_id_text
from masthead.live.stream import head_position
from masthead.messaging import service
from masthead.messaging.protocol import (
    BASE64URL_PATTERN,
    ENVELOPE_MAX_CHARS,
    KEY_PATTERNS,
    P256,
    RAW_KEY_BYTES,
)
from masthead.messaging.relay import do_send_and_wake, parse_id
from masthead.messaging.service import (
    CLIENT_ID_PATTERN,
    MAX_GROUP_MEMBERS,
    MAX_LABEL_LENGTH,
    MAX_PAGE,
)
from masthead.messaging.views import (
    conversation_view,
    device_view,
    envelope_view,
    summary_view,
)
from masthead.moderation.participation import MAX_COMMENT
from masthead.moderation.private_reports import MAX_PLAINTEXT, access_message_report

router = APIRouter(tags=["messages"])
SEQ_PATTERN = f"^({ID_PATTERN})?$"


# The limits the checks below enforce (check_public_keys, check_handle, parse_id, parse_cursor, _check_client_id,
# parse_envelopes, do_report_message), stated for the OpenAPI document; the checks still run.
PublicKeys = Annotated[dict[StrictStr, StrictStr], WithJsonSchema({
    "type": "object", "required": [P256], "additionalProperties": False,
    "properties": {curve: {"type": "string", "pattern": f"^{pattern}$",
                           "description": f"the raw public key, {RAW_KEY_BYTES[curve]} bytes in base64url"}
                   for curve, pattern in KEY_PATTERNS.items()}})]
Label = Annotated[StrictStr, Field(max_length=MAX_LABEL_LENGTH)]
ClientId = Annotated[StrictStr, WithJsonSchema({"type": "string", "pattern": f"^{CLIENT_ID_PATTERN}$"})]
Ciphertext = Annotated[StrictStr, WithJsonSchema({"type": "string", "pattern": f"^{BASE64URL_PATTERN}$",
                                                  "maxLength": ENVELOPE_MAX_CHARS})]
SeqText = Annotated[StrictStr, WithJsonSchema({"type": "string", "pattern": SEQ_PATTERN})]
Plaintext = Annotated[StrictStr, WithJsonSchema({"type": "string", "pattern": NOT_BLANK,
                                                 "maxLength": MAX_PLAINTEXT})]
Comment = Annotated[StrictStr, WithJsonSchema({"type": "string", "maxLength": MAX_COMMENT})]
Consent = Annotated[StrictBool, WithJsonSchema({"type": "boolean", "const": True,
                                                "description": "the reporter agrees to hand over the text"})]
DeviceQuery = Annotated[str, Query(json_schema_extra={"pattern": f"^{ID_PATTERN}$"},
                                   description="the id of one of your devices")]
SeqQuery = Annotated[str | None, Query(json_schema_extra={"pattern": SEQ_PATTERN},
                                       description="a seq (next_cursor, or an envelope's seq); empty: the start")]
PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE)]


class DeviceIn(Strict):
    public_keys: PublicKeys
    label: Label = ""


class ConversationIn(Strict):
    # Others than yourself: at most MAX_GROUP_MEMBERS people with you. Naming only yourself is 409.
    members: Annotated[list[Handle], Field(min_length=1, max_length=MAX_GROUP_MEMBERS - 1)]
    group: StrictBool = False


class EnvelopeIn(Strict):
    device_id: IdText
    ciphertext: Ciphertext


class MessageIn(Strict):
    device_id: IdText
    client_id: ClientId
    envelopes: list[EnvelopeIn]


class MemberIn(Strict):
    handle: Handle


class ReadIn(Strict):
    seq: SeqText


class MessageReportIn(Strict):
    message_id: IdText
    plaintext: Plaintext
    reason: ReportReasonName
    comment: Comment = ""
    consent: Consent


def parse_cursor(value: str | None) -> int:
    if not value:
        return 0
    found = parse_id_text(value)
    if found is None:
        raise BadRequest("cursor is not one this server issued; start again without it", code="invalid_cursor")
    return found


@router.post("/messages/devices", status_code=201, responses=errors(409))
async def register_device(body: DeviceIn, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    return device_view(await service.do_register_device(ctx, account, body.public_keys, body.label))


@router.get("/messages/devices")
async def my_devices(account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    return {"devices": [device_view(d) for d in await service.devices_of(ctx, account)]}


@router.get("/messages/devices/{device_id}")
async def device(device_id: IdPath, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    """Any device's public keys (revoked ones too, to read what they sent)."""
    return device_view(await service.public_device(ctx, parse_id(device_id, "device")))


@router.delete("/messages/devices/{device_id}", status_code=204)
async def revoke_device(device_id: IdPath, account: CurrentAccount, ctx: Ctx) -> None:
    await service.do_revoke_device(ctx, account, parse_id(device_id, "device"))


@router.get("/messages/conversations")
async def conversations(account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    found = await service.conversations_of(ctx, account)
    return {"conversations": [summary_view(summary, members) for summary, members in found]}


@router.post("/messages/conversations", status_code=201, responses=errors(404, 409))
async def start_conversation(body: ConversationIn, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    for handle in body.members:
        check_handle(handle, field="members")
    conversation_id = await service.do_start_conversation(ctx, account, body.members, group=body.group)
    return conversation_view(await service.access_conversation(ctx, account, conversation_id))


@router.get("/messages/conversations/{conversation_id}")
async def conversation(conversation_id: IdPath, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    return conversation_view(await service.access_conversation(ctx, account, parse_id(conversation_id,
                                                                                      "conversation")))


@router.get("/messages/conversations/{conversation_id}/devices")
async def conversation_devices(conversation_id: IdPath, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    """The devices a message must be encrypted for (yours included), and each member's devices."""
    found = parse_id(conversation_id, "conversation")
    recipients = await service.recipient_devices(ctx, account, found)
    members = await service.member_devices(ctx, account, found)
    return {"recipients": [device_view(d) for d in recipients],
            "members": {handle: [device_view(d) for d in devices] for handle, devices in members.items()}}


@router.post("/messages/conversations/{conversation_id}/messages", status_code=201, responses=errors(403, 409))
async def send(conversation_id: IdPath, body: MessageIn, request: Request, account: CurrentAccount,
               ctx: Ctx) -> JSONResponse:
    sent = await do_send_and_wake(request.app, ctx, account, parse_id(conversation_id, "conversation"),
                                  **body.model_dump())
    return JSONResponse({"id": str(sent.message_id), "seq": str(sent.seq)}, status_code=200 if sent.repeated else 201)


@router.get("/messages/conversations/{conversation_id}/messages")
async def conversation_messages(
    conversation_id: IdPath, account: CurrentAccount, ctx: Ctx, device: DeviceQuery, before: SeqQuery = None,
    limit: PageLimit = 50,
) -> dict[str, Any]:
    """This device's envelopes of one conversation, newest first; `before` pages back."""
    found = await service.history(ctx, account, parse_id(device, "device"), parse_id(conversation_id, "conversation"),
                                  parse_cursor(before) or None, limit)
    return {"messages": [envelope_view(e) for e in found],
            "next_cursor": str(found[-1].seq) if len(found) == limit else None}


@router.post("/messages/conversations/{conversation_id}/read", status_code=204, name="mark_read")
async def mark_read(conversation_id: IdPath, body: ReadIn, account: CurrentAccount, ctx: Ctx) -> None:
    await service.do_mark_read(ctx, account, parse_id(conversation_id, "conversation"), parse_cursor(body.seq))


@router.post("/messages/conversations/{conversation_id}/members", status_code=204, responses=errors(403, 409))
async def add_member(conversation_id: IdPath, body: MemberIn, account: CurrentAccount, ctx: Ctx) -> None:
    await service.do_add_member(ctx, account, parse_id(conversation_id, "conversation"), body.handle)


@router.delete("/messages/conversations/{conversation_id}/members/{handle}", status_code=204,
               responses=errors(403, 409))
async def remove_member(conversation_id: IdPath, handle: HandlePath, account: CurrentAccount, ctx: Ctx) -> None:
    await service.do_remove_member(ctx, account, parse_id(conversation_id, "conversation"), handle)


@router.get("/messages/blocks")
async def blocks(account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    return {"blocked": await service.blocked_by(ctx, account)}


@router.post("/messages/blocks/{handle}", status_code=204)
async def block(handle: HandlePath, account: CurrentAccount, ctx: Ctx) -> None:
    await service.do_block(ctx, account, handle)


@router.delete("/messages/blocks/{handle}", status_code=204)
async def unblock(handle: HandlePath, account: CurrentAccount, ctx: Ctx) -> None:
    await service.do_unblock(ctx, account, handle)


@router.get("/messages/inbox", responses=errors(404))
async def inbox(account: CurrentAccount, ctx: Ctx, device: DeviceQuery, cursor: SeqQuery = None,
                limit: PageLimit = 100) -> dict[str, Any]:
    """The device's envelopes after `cursor`, oldest first (what it missed); `next_cursor` is the last seq, and
    `stream_cursor` starts `GET /api/v1/stream?device=D` right after these messages (and after every post and
    notice so far), so nothing is missed or repeated between the two."""
    after = parse_cursor(cursor)
    async with ctx.db.read() as connection:
        head = await head_position(connection)
    found = await service.inbox(ctx, account, parse_id(device, "device"), after, limit)
    last = found[-1].seq if found else after
    return {"messages": [envelope_view(e) for e in found], "next_cursor": str(last),
            "stream_cursor": replace(head, message_seq=last).encode()}


@router.post("/messages/reports", status_code=201, responses=errors(403, 404))
async def report(body: MessageReportIn, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    filed = await service.do_report(ctx, account, message_id=parse_id(body.message_id, "message"),
                                    plaintext=body.plaintext, reason=body.reason, comment=body.comment,
                                    consent=body.consent)
    return {"id": str(filed.id), "item_id": str(filed.item_id)}


@router.get("/moderation/items/{item_id}/message", responses=errors(403))
async def reported_message(item_id: IdPath, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    """Staff: the plaintext a recipient reported, as they gave it (the server cannot check it)."""
    found = await access_message_report(ctx, account, parse_id(item_id, "item"))
    return {"item_id": str(found.item_id), "reporter": found.reporter, "sender": found.reported,
            "message_id": found.message_ref, "reason": found.reason, "comment": found.comment,
            "plaintext": found.plaintext, "sent_at": found.sent_at.isoformat(),
            "reported_at": found.created_at.isoformat(), "verified": False}


@router.post("/messages/conversations/{conversation_id}/accept", status_code=204, responses=errors(409))
async def accept(conversation_id: IdPath, account: CurrentAccount, ctx: Ctx) -> None:
    """Accept a message request: you can reply, and it moves to your conversations."""
    await service.do_accept(ctx, account, parse_id(conversation_id, "conversation"))


@router.post("/messages/conversations/{conversation_id}/decline", status_code=204, responses=errors(409))
async def decline(conversation_id: IdPath, account: CurrentAccount, ctx: Ctx) -> None:
    """Decline a message request: nothing more from it reaches you."""
    await service.do_decline(ctx, account, parse_id(conversation_id, "conversation"))


@router.post("/messages/conversations/{conversation_id}/leave", status_code=204, responses=errors(409))
async def leave(conversation_id: IdPath, account: CurrentAccount, ctx: Ctx) -> None:
    await service.do_leave(ctx, account, parse_id(conversation_id, "conversation"))
