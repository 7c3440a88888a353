"""Who may do what: one table of role × action, plus the ownership rules that roles cannot grant."""
from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from masthead.domain.accounts import Role
from masthead.domain.errors import Forbidden


class Action(StrEnum):
    CREATE_CHANNEL = "create_channel"
    SUBSCRIBE = "subscribe"
    REPORT_POST = "report_post"
    VIEW_MODERATION_QUEUE = "view_moderation_queue"
    RESOLVE_HELD_POST = "resolve_held_post"
    RESOLVE_REPORT = "resolve_report"
    DECIDE_APPEAL = "decide_appeal"
    DECIDE_CREDENTIAL = "decide_credential"
    REVOKE_CREDENTIAL = "revoke_credential"
    VIEW_DECISION_PRIVATE = "view_decision_private"
    MANAGE_POLICY = "manage_policy"
    MANAGE_ROLES = "manage_roles"


_EVERYONE = frozenset({Action.CREATE_CHANNEL, Action.SUBSCRIBE, Action.REPORT_POST})
_STAFF = _EVERYONE | {Action.VIEW_MODERATION_QUEUE, Action.VIEW_DECISION_PRIVATE}

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.MEMBER: _EVERYONE,
    Role.TRIAGE: _STAFF | {Action.RESOLVE_REPORT},
    Role.MODERATOR: _STAFF | {Action.RESOLVE_REPORT, Action.RESOLVE_HELD_POST, Action.DECIDE_APPEAL},
    Role.VERIFIER: _STAFF | {Action.DECIDE_CREDENTIAL, Action.REVOKE_CREDENTIAL},
    Role.ADMIN: frozenset(Action),
}


def allowed(roles: Iterable[Role], action: Action) -> bool:
    return any(action in ROLE_ACTIONS[role] for role in roles)


def check_allowed(roles: Iterable[Role], action: Action) -> None:
    if not allowed(roles, action):
        raise Forbidden(f"your account may not {action.value.replace('_', ' ')}")


class ChannelRole(StrEnum):
    OWNER = "owner"
    AUTHOR = "author"


def may_publish(channel_role: ChannelRole | None) -> bool:
    return channel_role in (ChannelRole.OWNER, ChannelRole.AUTHOR)


def may_manage_channel(channel_role: ChannelRole | None) -> bool:
    return channel_role is ChannelRole.OWNER
