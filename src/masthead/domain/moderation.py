"""Moderation as an append-only event log: the kinds of work, the actions, and the pure functions that derive
an item's review state and a post's status from the events."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from masthead.domain.errors import Conflict, Unprocessable
from masthead.domain.posts import PostState


class ItemKind(StrEnum):
    HELD = "held"
    REPORT = "report"
    APPLICATION = "application"
    APPEAL = "appeal"
    # A private message a recipient chose to report, with its plaintext (moderation/private_reports.py).
    MESSAGE = "message"


class ReviewState(StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"
    CLOSED = "closed"


class Action(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    LABEL = "label"
    LIMIT = "limit"
    REMOVE = "remove"
    RESTORE = "restore"
    ESCALATE = "escalate"
    COMMENT = "comment"
    UPHOLD = "uphold"
    OVERTURN = "overturn"
    REFUTE = "refute"
    DISMISS = "dismiss"
    GRANT = "grant"
    DENY = "deny"


class ReportReason(StrEnum):
    ILLEGAL = "illegal"
    TERRORISM = "terrorism"
    SEXUAL = "sexual"
    VIOLENCE = "violence"
    HATE = "hate"
    RUMOUR = "rumour"
    SPAM = "spam"
    IMPERSONATION = "impersonation"
    OTHER = "other"


REFUTED_LABEL = "refuted rumour"
LIMITED_LABEL = "limited reach"

# Which actions fit which kind of item; escalate and comment fit all.
ACTIONS_FOR_KIND: dict[ItemKind, frozenset[Action]] = {
    ItemKind.HELD: frozenset({Action.APPROVE, Action.REJECT, Action.LABEL, Action.LIMIT, Action.REMOVE}),
    ItemKind.REPORT: frozenset({Action.DISMISS, Action.LABEL, Action.LIMIT, Action.REMOVE, Action.REJECT,
                                Action.REFUTE}),
    ItemKind.APPEAL: frozenset({Action.UPHOLD, Action.OVERTURN}),
    ItemKind.APPLICATION: frozenset({Action.GRANT, Action.DENY}),
    ItemKind.MESSAGE: frozenset({Action.DISMISS, Action.REJECT}),
}
_ALWAYS = frozenset({Action.ESCALATE, Action.COMMENT})
# Actions that restrict a post (and so need a statement of reasons, a notice and a possible strike).
RESTRICTING = frozenset({Action.REJECT, Action.REMOVE, Action.LIMIT, Action.LABEL, Action.REFUTE})
_CLOSING = frozenset(Action) - _ALWAYS
# Actions whose reason is shown to the author or the applicant, so it must not be blank.
NEEDS_REASON = RESTRICTING | {Action.UPHOLD, Action.OVERTURN, Action.APPROVE, Action.DENY}


def parse_action(value: str, kind: ItemKind) -> Action:
    try:
        action = Action(value)
    except ValueError:
        allowed = ", ".join(sorted(a.value for a in ACTIONS_FOR_KIND[kind] | _ALWAYS))
        raise Unprocessable(f"unknown action {value!r}; for a {kind.value} item: {allowed}",
                            code="invalid_action") from None
    if action not in ACTIONS_FOR_KIND[kind] | _ALWAYS:  # a well-formed action that this item's kind rules out
        allowed = ", ".join(sorted(a.value for a in ACTIONS_FOR_KIND[kind] | _ALWAYS))
        raise Conflict(f"{action.value!r} does not apply to a {kind.value} item; use one of {allowed}",
                       code="invalid_action")
    return action


def parse_report_reason(value: str) -> ReportReason:
    try:
        return ReportReason(value)
    except ValueError:
        allowed = ", ".join(r.value for r in ReportReason)
        raise Unprocessable(f"unknown reason {value!r}; choose one of {allowed}", code="invalid_reason") from None


def derive_review_state(actions: Iterable[Action]) -> ReviewState:
    state = ReviewState.OPEN
    for action in actions:
        if action is Action.ESCALATE and state is not ReviewState.CLOSED:
            state = ReviewState.ESCALATED
        elif action in _CLOSING:
            state = ReviewState.CLOSED
    return state


@dataclass(frozen=True)
class PostStatus:
    state: PostState
    labels: tuple[str, ...]


def derive_post_status(decided: PostStatus, events: Iterable[tuple[Action, tuple[str, ...]]]) -> PostStatus:
    """The post's status from the pipeline's decision followed by moderation events, in order. Each event is
    (action, labels): the labels a LABEL adds, or the labels an OVERTURN takes back."""
    state, labels = decided.state, list(decided.labels)

    def add(*names: str) -> None:
        labels.extend(name for name in names if name not in labels)

    for action, action_labels in events:
        if action in (Action.APPROVE, Action.RESTORE):
            state = PostState.PUBLISHED
        elif action is Action.OVERTURN:
            state = PostState.PUBLISHED
            labels = [label for label in labels if label not in action_labels]
        elif action is Action.REJECT:
            state = PostState.REJECTED
        elif action is Action.REMOVE:
            state = PostState.REMOVED
        elif action is Action.LABEL:
            state = PostState.PUBLISHED if state is PostState.HELD else state
            add(*action_labels)
        elif action is Action.LIMIT:
            state = PostState.PUBLISHED if state is PostState.HELD else state
            add(LIMITED_LABEL)
        elif action is Action.REFUTE:
            add(REFUTED_LABEL)
    return PostStatus(state=state, labels=tuple(labels))
