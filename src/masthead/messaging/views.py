"""JSON shapes of private messaging, shared by the API and the pages' own endpoints."""
from __future__ import annotations

from typing import Any

from masthead.messaging.protocol import b64encode
from masthead.messaging.service import ConversationView
from masthead.messaging.store import Device, Envelope, Member, Summary


def device_view(device: Device) -> dict[str, Any]:
    return {"id": str(device.id), "account": device.handle, "public_keys": device.public_keys,
            "label": device.label, "created_at": device.created_at.isoformat()}


def member_view(member: Member) -> dict[str, Any]:
    return {"handle": member.handle, "display_name": member.display_name, "state": member.state}


def conversation_view(view: ConversationView) -> dict[str, Any]:
    conversation = view.conversation
    creator = next((m.handle for m in view.members if m.account_id == conversation.creator_id), None)
    return {"id": str(conversation.id), "kind": conversation.kind, "creator": creator,
            "state": view.me.state, "read_seq": str(view.me.read_seq), "last_seq": str(conversation.last_seq),
            "members": [member_view(m) for m in view.members if m.state in ("active", "requested")],
            "created_at": conversation.created_at.isoformat(), "updated_at": conversation.updated_at.isoformat()}


def summary_view(summary: Summary, members: list[Member]) -> dict[str, Any]:
    conversation = summary.conversation
    return {"id": str(conversation.id), "kind": conversation.kind, "state": summary.state,
            "unread": summary.unread, "last_seq": str(conversation.last_seq),
            "members": [member_view(m) for m in members if m.state in ("active", "requested")],
            "updated_at": conversation.updated_at.isoformat()}


def envelope_view(envelope: Envelope) -> dict[str, Any]:
    return {"seq": str(envelope.seq), "message_id": str(envelope.message_id),
            "conversation_id": str(envelope.conversation_id), "sender": envelope.sender_handle,
            "sender_device_id": str(envelope.sender_device_id), "client_id": envelope.client_id,
            "size": envelope.size, "created_at": envelope.created_at.isoformat(),
            "ciphertext": b64encode(envelope.ciphertext)}
