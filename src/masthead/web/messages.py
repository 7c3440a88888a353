"""Private messages in the browser: the conversation list, message requests, a conversation and its safety
number. The server renders who is talking; the browser (static/messages.js) holds the keys, encrypts,
decrypts and shows the messages. The small JSON endpoints under /messages/x/ are what that script posts to
(with the CSRF header); it reads through the API, which accepts the session cookie for GET."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from masthead.domain.errors import MastheadError, NotFound, Unprocessable
from masthead.domain.paging import parse_id
from masthead.live.stream import head_position
from masthead.messaging import service
from masthead.messaging.relay import do_send_and_wake
from masthead.messaging.views import conversation_view, device_view
from masthead.web.errors import MESSAGES, error_message
from masthead.web.forms import Form, read_form
from masthead.web.i18n import N_
from masthead.web.render import context_of, gettext, language_of, redirect, render
from masthead.web.site import Page

MESSAGES.update({
    "account_not_found": N_("Nobody has that handle."),
    "invalid_members": N_("Name at least one other person."),
    "too_many_members": N_("A conversation has at most 200 people."),
    "group_full": N_("This group already has 200 people."),
    "conversation_not_found": N_("This conversation does not exist or you are no longer in it."),
    "not_group_creator": N_("Only the group's creator adds and removes people."),
    "not_a_group": N_("Only groups can do this."),
    "member_not_found": N_("That person is not in this group."),
    "wrong_state": N_("This conversation has already been answered."),
    "request_not_accepted": N_("Accept this message request before replying."),
    "devices_changed": N_("Someone's devices changed while you were sending. Send again."),
    "consent_required": N_("Confirm that the moderators may read this message."),
    "invalid_reason": N_("Choose a reason."),
    "message_not_found": N_("You can only report messages you received."),
    "cannot_remove_self": N_("Leave the group instead."),
    "device_not_found": N_("This device's keys are not registered. Reload the page."),
})


def _conversation_id(request: Request) -> int:
    text = request.path_params["conversation_id"]
    found = parse_id(text)
    if found is None:
        raise NotFound(f"no conversation {text!r}", code="conversation_not_found")
    return found


def _title(request: Request, members: list[dict[str, Any]], viewer_handle: str) -> str:
    others = [m["display_name"] or m["handle"] for m in members if m["handle"] != viewer_handle]
    separator = "、" if language_of(request) == "zh" else ", "
    return separator.join(others) or gettext(request, "Only you")


async def _stream_start(request: Request, message_seq: int | None = None) -> str:
    """Where the page's live stream starts: after every post and notice so far (the pages show neither), and
    after message `message_seq` (what the page already counts), or else every message so far (the page reads
    the history itself, after this, and skips what the stream repeats)."""
    async with context_of(request).db.read() as connection:
        head = await head_position(connection)
    return (head if message_seq is None else replace(head, message_seq=message_seq)).encode()


async def _conversation_lists(request: Request) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    viewer = request.state.viewer
    found = await service.conversations_of(context_of(request), viewer)
    rows = []
    for summary, members in found:
        shown = [{"handle": m.handle, "display_name": m.display_name} for m in members
                 if m.state in ("active", "requested")]
        rows.append({"id": summary.conversation.id, "kind": summary.conversation.kind, "state": summary.state,
                     "unread": summary.unread, "updated_at": summary.conversation.updated_at,
                     "last_seq": summary.conversation.last_seq,
                     "title": _title(request, shown, viewer.handle), "members": shown})
    return [r for r in rows if r["state"] == "active"], [r for r in rows if r["state"] == "requested"]


async def inbox_page(request: Request) -> Response:
    form = Form()
    if request.method == "POST":
        form = await read_form(request)
        form.require(request, "members")
        if form.ok:
            handles = [h for h in form.text("members").replace("，", ",").replace(" ", ",").split(",") if h]
            try:
                conversation_id = await service.do_start_conversation(
                    context_of(request), request.state.viewer, handles, group=bool(form.checked("group")))
            except MastheadError as exc:
                form.fail(request, "members", exc)
            else:
                return redirect(request, f"/messages/{conversation_id}")
    conversations, requests = await _conversation_lists(request)
    head = max((c["last_seq"] for c in conversations + requests), default=0)
    return await render(request, "messages/inbox.html", {
        "conversations": conversations, "requests": requests, "form": form,
        "stream_start": await _stream_start(request, head)},
        status=422 if form.errors else 200)


async def requests_page(request: Request) -> Response:
    _, requests = await _conversation_lists(request)
    return await render(request, "messages/requests.html", {"requests": requests})


async def conversation_page(request: Request) -> Response:
    ctx = context_of(request)
    viewer = request.state.viewer
    view = await service.access_conversation(ctx, viewer, _conversation_id(request))
    data = conversation_view(view)
    return await render(request, "messages/conversation.html", {
        "conversation": data, "title": _title(request, data["members"], viewer.handle),
        "is_creator": view.conversation.creator_id == viewer.id, "form": Form(),
        "stream_start": await _stream_start(request),
        "other": next((m["handle"] for m in data["members"] if m["handle"] != viewer.handle), None)})


async def verify_page(request: Request) -> Response:
    ctx = context_of(request)
    viewer = request.state.viewer
    view = await service.access_conversation(ctx, viewer, _conversation_id(request))
    data = conversation_view(view)
    return await render(request, "messages/verify.html", {
        "conversation": data, "title": _title(request, data["members"], viewer.handle)})


async def membership_action(request: Request) -> Response:
    """accept, decline, leave, add, remove, block: a form each, back to the right page."""
    ctx = context_of(request)
    viewer = request.state.viewer
    conversation_id = _conversation_id(request)
    action = request.path_params["action"]
    form = await read_form(request)
    target = f"/messages/{conversation_id}"
    if action == "accept":
        await service.do_accept(ctx, viewer, conversation_id)
    elif action == "decline":
        await service.do_decline(ctx, viewer, conversation_id)
        target = "/messages/requests"
    elif action == "leave":
        await service.do_leave(ctx, viewer, conversation_id)
        target = "/messages"
    elif action in ("add", "remove"):
        view = await service.access_conversation(ctx, viewer, conversation_id)
        form.require(request, "handle")
        if form.ok:
            try:
                change = service.do_add_member if action == "add" else service.do_remove_member
                await change(ctx, viewer, conversation_id, form.text("handle").strip().lstrip("@"))
            except MastheadError as exc:
                form.fail(request, "handle", exc)
        if not form.ok:
            data = conversation_view(view)
            return await render(request, "messages/conversation.html", {
                "conversation": data, "title": _title(request, data["members"], viewer.handle),
                "is_creator": view.conversation.creator_id == viewer.id, "form": form, "other": None,
                "stream_start": await _stream_start(request)},
                status=422)
    elif action == "block":
        await service.do_block(ctx, viewer, form.text("handle"))
        target = "/messages"
    else:
        raise NotFound(f"no action {action!r}", code="not_found")
    return redirect(request, target)


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise Unprocessable("the request body must be JSON", code="invalid_json") from None
    if not isinstance(body, dict):
        raise Unprocessable("the request body must be a JSON object", code="invalid_json")
    return body


def _error(request: Request, exc: MastheadError) -> JSONResponse:
    return JSONResponse({"error": {"code": exc.code, "message": error_message(request, exc)}}, status_code=exc.status)


async def register_device_json(request: Request) -> Response:
    try:
        body = await _json(request)
        device = await service.do_register_device(context_of(request), request.state.viewer,
                                                  body.get("public_keys"), str(body.get("label", "browser")))
    except MastheadError as exc:
        return _error(request, exc)
    return JSONResponse(device_view(device), status_code=201)


async def revoke_device_json(request: Request) -> Response:
    text = request.path_params["device_id"]
    try:
        await service.do_revoke_device(context_of(request), request.state.viewer, parse_id(text) or 0)
    except MastheadError as exc:
        return _error(request, exc)
    return Response(status_code=204)


async def send_json(request: Request) -> Response:
    try:
        body = await _json(request)
        sent = await do_send_and_wake(request.app, context_of(request), request.state.viewer,
                                      _conversation_id(request), device_id=body.get("device_id"),
                                      client_id=body.get("client_id"), envelopes=body.get("envelopes"))
    except MastheadError as exc:
        return _error(request, exc)
    return JSONResponse({"id": str(sent.message_id), "seq": str(sent.seq)}, status_code=201)


async def read_json(request: Request) -> Response:
    try:
        body = await _json(request)
        seq = str(body.get("seq", ""))
        await service.do_mark_read(context_of(request), request.state.viewer, _conversation_id(request),
                                   parse_id(seq) or 0)
    except MastheadError as exc:
        return _error(request, exc)
    return Response(status_code=204)


async def report_json(request: Request) -> Response:
    try:
        body = await _json(request)
        message_id = str(body.get("message_id", ""))
        filed = await service.do_report(
            context_of(request), request.state.viewer, message_id=parse_id(message_id) or 0,
            plaintext=str(body.get("plaintext", "")), reason=str(body.get("reason", "")),
            comment=str(body.get("comment", "")), consent=body.get("consent") is True)
    except MastheadError as exc:
        return _error(request, exc)
    return JSONResponse({"id": str(filed.id), "item_id": str(filed.item_id)}, status_code=201)


PAGES = [
    Page("/messages", inbox_page, methods=("GET", "POST"), sign_in=True),
    Page("/messages/requests", requests_page, sign_in=True),
    Page("/messages/x/devices", register_device_json, methods=("POST",), sign_in=True),
    Page("/messages/x/devices/{device_id}/revoke", revoke_device_json, methods=("POST",), sign_in=True),
    Page("/messages/x/reports", report_json, methods=("POST",), sign_in=True),
    Page("/messages/x/{conversation_id}/send", send_json, methods=("POST",), sign_in=True),
    Page("/messages/x/{conversation_id}/read", read_json, methods=("POST",), sign_in=True),
    Page("/messages/{conversation_id}", conversation_page, sign_in=True),
    Page("/messages/{conversation_id}/verify", verify_page, sign_in=True),
    Page("/messages/{conversation_id}/{action}", membership_action, methods=("POST",), sign_in=True),
]
