"""Who may take which moderation action, as a role x action table over the real service."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from masthead.domain.accounts import Role
from masthead.domain.errors import Forbidden
from masthead.domain.models import Account
from masthead.domain.moderation import Action, ItemKind
from masthead.moderation.actions import check_action_permission

# (kind, action) -> roles that may do it
EXPECTED = {
    (ItemKind.HELD, "approve"): {Role.ADMIN, Role.MODERATOR},
    (ItemKind.HELD, "reject"): {Role.ADMIN, Role.MODERATOR},
    (ItemKind.REPORT, "dismiss"): {Role.ADMIN, Role.MODERATOR, Role.TRIAGE},
    (ItemKind.REPORT, "label"): {Role.ADMIN, Role.MODERATOR, Role.TRIAGE},
    (ItemKind.REPORT, "remove"): {Role.ADMIN, Role.MODERATOR},
    (ItemKind.REPORT, "refute"): {Role.ADMIN, Role.MODERATOR},
    (ItemKind.APPEAL, "overturn"): {Role.ADMIN, Role.MODERATOR},
    (ItemKind.APPEAL, "uphold"): {Role.ADMIN, Role.MODERATOR},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("kind", "action"), list(EXPECTED))
def test_role_action(role: Role, kind: ItemKind, action: str) -> None:
    account = Account(id=1, handle="someone", display_name="Someone", roles=frozenset({role}),
                      created_at=datetime(2026, 1, 1, tzinfo=UTC))
    if role in EXPECTED[(kind, action)]:
        check_action_permission(account, kind, Action(action))
    else:
        with pytest.raises(Forbidden):
            check_action_permission(account, kind, Action(action))
