"""The role × action table, written out in full so that any change to who may do what is deliberate."""
from __future__ import annotations

import pytest

from masthead.domain.accounts import Role
from masthead.domain.permissions import Action, ChannelRole, allowed, may_manage_channel, may_publish

A = Action
EXPECTED: dict[Action, set[Role]] = {
    A.CREATE_CHANNEL: set(Role),
    A.SUBSCRIBE: set(Role),
    A.REPORT_POST: set(Role),
    A.VIEW_MODERATION_QUEUE: {Role.ADMIN, Role.MODERATOR, Role.VERIFIER, Role.TRIAGE},
    A.VIEW_DECISION_PRIVATE: {Role.ADMIN, Role.MODERATOR, Role.VERIFIER, Role.TRIAGE},
    A.RESOLVE_REPORT: {Role.ADMIN, Role.MODERATOR, Role.TRIAGE},
    A.RESOLVE_HELD_POST: {Role.ADMIN, Role.MODERATOR},
    A.DECIDE_APPEAL: {Role.ADMIN, Role.MODERATOR},
    A.DECIDE_CREDENTIAL: {Role.ADMIN, Role.VERIFIER},
    A.REVOKE_CREDENTIAL: {Role.ADMIN, Role.VERIFIER},
    A.MANAGE_POLICY: {Role.ADMIN},
    A.MANAGE_ROLES: {Role.ADMIN},
}


def test_every_action_is_in_the_table() -> None:
    assert set(EXPECTED) == set(Action)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_role_action(role: Role, action: Action) -> None:
    assert allowed({role}, action) is (role in EXPECTED[action])


@pytest.mark.parametrize(("channel_role", "publish", "manage"), [
    (ChannelRole.OWNER, True, True), (ChannelRole.AUTHOR, True, False), (None, False, False),
])
def test_channel_roles(channel_role: ChannelRole | None, publish: bool, manage: bool) -> None:
    assert may_publish(channel_role) is publish
    assert may_manage_channel(channel_role) is manage
