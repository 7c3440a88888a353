"""The pure functions that derive review states and post statuses from moderation events."""
from __future__ import annotations

from masthead.domain.moderation import (
    LIMITED_LABEL,
    REFUTED_LABEL,
    Action,
    PostStatus,
    ReviewState,
    derive_post_status,
    derive_review_state,
)
from masthead.domain.posts import PostState

HELD = PostStatus(PostState.HELD, ())


def test_review_state() -> None:
    assert derive_review_state([]) is ReviewState.OPEN
    assert derive_review_state([Action.COMMENT, Action.ESCALATE]) is ReviewState.ESCALATED
    assert derive_review_state([Action.ESCALATE, Action.APPROVE]) is ReviewState.CLOSED
    assert derive_review_state([Action.REJECT, Action.ESCALATE]) is ReviewState.CLOSED


def test_post_status() -> None:
    assert derive_post_status(HELD, []) == HELD
    assert derive_post_status(HELD, [(Action.APPROVE, ())]).state is PostState.PUBLISHED
    assert derive_post_status(HELD, [(Action.REJECT, ()), (Action.OVERTURN, ())]).state is PostState.PUBLISHED
    labelled = derive_post_status(HELD, [(Action.LABEL, ("unverified source",))])
    assert labelled == PostStatus(PostState.PUBLISHED, ("unverified source",))
    assert derive_post_status(labelled, [(Action.OVERTURN, ("unverified source",))]).labels == ()
    assert derive_post_status(HELD, [(Action.LIMIT, ())]).labels == (LIMITED_LABEL,)
    published = PostStatus(PostState.PUBLISHED, ())
    removed = derive_post_status(published, [(Action.REFUTE, ()), (Action.REMOVE, ())])
    assert removed == PostStatus(PostState.REMOVED, (REFUTED_LABEL,))
    assert derive_post_status(removed, [(Action.RESTORE, ())]).state is PostState.PUBLISHED
