"""The moderation console: the queue with counts and filters, taking items, and the case page where staff
decide an item with a reason."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_timedelta
from jinja2 import pass_context
from jinja2.runtime import Context as TemplateContext
from starlette.requests import Request
from starlette.responses import Response

from masthead.api.cases import access_case
from masthead.domain.errors import MastheadError, NotFound
from masthead.domain.moderation import ItemKind
from masthead.domain.paging import parse_id
from masthead.moderation.actions import do_assign_item, do_resolve_item
from masthead.moderation.private_reports import access_message_report
from masthead.moderation.queue import STATE_FILTERS, moderation_queue
from masthead.policy.watch import configured_policy
from masthead.web.errors import MESSAGES
from masthead.web.forms import Form, read_form
from masthead.web.i18n import N_
from masthead.web.render import (
    context_of,
    gettext,
    language_of,
    redirect,
    render,
    safe_next,
    templates,
)
from masthead.web.site import Page
from masthead.web.verify import STEP_NAMES

MESSAGES.update({
    "reason_required": N_("Give a reason: it is sent to the people concerned."),
    "labels_required": N_("Pick at least one label, or write one."),
    "own_decision": N_("You made the decision this appeal contests, so another moderator must decide the appeal."),
    "own_channel": N_("You own or write for this channel, so someone else must decide this."),
    "item_closed": N_("This item is already closed."),
    "invalid_action": N_("Choose one of the actions offered."),
    "item_not_found": N_("There is no such item in the queue."),
})

KINDS = [kind.value for kind in ItemKind]
# Offered beside the policy's own labels; labels are shown to readers as written.
COMMON_LABELS = frozenset({"unverified source", "misleading", "missing context", "graphic content"})
# Words for each action, as the console offers them.
ACTION_NAMES = {
    "approve": N_("Approve"), "reject": N_("Reject"), "label": N_("Label"), "limit": N_("Limit reach"),
    "remove": N_("Remove"), "dismiss": N_("Dismiss"), "refute": N_("Refute with a correction"),
    "uphold": N_("Uphold the decision"), "overturn": N_("Overturn the decision"), "grant": N_("Grant"),
    "deny": N_("Deny"), "escalate": N_("Escalate"), "comment": N_("Comment"), "restore": N_("Restore"),
}
KIND_NAMES = {"held": N_("Held"), "report": N_("Reports"), "application": N_("Applications"),
              "appeal": N_("Appeals"), "message": N_("Reported messages")}
# One item of each kind, as a row or a case page names it.
KIND_NAME = {"held": N_("Held post"), "report": N_("Report"), "application": N_("Application"),
             "appeal": N_("Appeal"), "message": N_("Reported private message")}
STATE_NAMES = {"pending": N_("Pending"), "open": N_("Open"), "escalated": N_("Escalated"), "closed": N_("Closed")}
# Post states and decision outcomes, as the case page shows them.
WORDS = {"received": N_("received"), "published": N_("published"), "held": N_("held"), "rejected": N_("rejected"),
         "removed": N_("removed"), "publish": N_("publish"), "label": N_("label"), "limit": N_("limit"),
         "hold": N_("hold"), "reject": N_("reject"), "open": N_("open"), "escalated": N_("escalated"),
         "closed": N_("closed"), "live": N_("live"), "shadow": N_("shadow"),
         # Report reasons.
         "illegal": N_("illegal"), "terrorism": N_("terrorism"), "sexual": N_("sexual"), "violence": N_("violence"),
         "hate": N_("hate"), "rumour": N_("rumour"), "spam": N_("spam"), "impersonation": N_("impersonation"),
         "other": N_("other")}


@pass_context
def _age(context: TemplateContext, moment: datetime, now: datetime) -> str:
    """How long an item has waited, in the page's language ("3 hours", "3小时")."""
    locale = "zh_Hans_CN" if language_of(context["request"]) == "zh" else "en"
    return format_timedelta(now - moment, threshold=1.5, locale=locale)


templates.env.filters["staff_age"] = _age


def _item_id(request: Request) -> int:
    value: str = request.path_params["item_id"]
    found = parse_id(value)
    if found is None:
        raise NotFound(f"no moderation item {value!r}", code="item_not_found")
    return found


def _queue_query(kind: str | None, state: str, mine: bool, **extra: str) -> str:
    values = {"kind": kind or "", "state": state, "mine": "1" if mine else "", **extra}
    return urlencode({name: value for name, value in values.items() if value})


async def queue_page(request: Request) -> Response:
    params = request.query_params
    kind = params.get("kind") if params.get("kind") in KINDS else None
    state = params.get("state") or "pending"
    state = state if state in STATE_FILTERS else "pending"
    mine = params.get("mine") == "1"
    page = await moderation_queue(context_of(request), request.state.viewer, kind=kind, state=state, mine=mine,
                                  cursor=params.get("cursor"), limit=50)
    here = "/moderation?" + _queue_query(kind, state, mine)
    counted = [page.counts[kind]] if kind else list(page.counts.values())
    state_tally = {name: sum(counts.get(name, 0) for counts in counted) for name in ("open", "escalated")}
    state_tally["pending"] = state_tally["open"] + state_tally["escalated"]
    return await render(request, "moderation/queue.html", {
        "entries": page.items, "counts": page.counts, "next_cursor": page.next_cursor, "kind": kind,
        "state": state, "mine": mine, "kinds": KINDS, "state_tally": state_tally, "kind_names": KIND_NAMES,
        "kind_name": KIND_NAME,
        "state_names": STATE_NAMES,
        "action_names": ACTION_NAMES, "here": here, "query": _queue_query,
        "now": context_of(request).clock.now(),
        "resolved": params.get("resolved"), "resolved_action": params.get("action"),
        "taken": params.get("taken")})


async def take_item(request: Request) -> Response:
    item_id = _item_id(request)
    form = await read_form(request)
    await do_assign_item(context_of(request), request.state.viewer, item_id, request.state.viewer.id)
    back = safe_next(form.text("next"), "/moderation")
    separator = "&" if "?" in back else "?"
    return redirect(request, f"{back}{separator}taken={item_id}")


def _policy_labels(request: Request) -> list[str]:
    """The labels the policy's rules apply, offered as choices; moderators may also write their own."""
    policy = configured_policy(context_of(request).settings.policy).current()
    return sorted(COMMON_LABELS | {label for rule in policy.rules for label in rule.labels})


async def _case_page(request: Request, item_id: int, form: Form, status: int = 200) -> Response:
    case: dict[str, Any] = await access_case(context_of(request), request.state.viewer, item_id)
    reported_message = None
    if case["item"]["kind"] == ItemKind.MESSAGE.value:
        reported_message = await access_message_report(context_of(request), request.state.viewer, item_id)
    return await render(request, "moderation/case.html", {
        "case": case, "item": case["item"], "form": form, "action_names": ACTION_NAMES, "kind_name": KIND_NAME, "words": WORDS,
        "label_choices": _policy_labels(request), "now": context_of(request).clock.now(),
        "step_names": STEP_NAMES, "reported_message": reported_message}, status=status)


async def case_page(request: Request) -> Response:
    item_id = _item_id(request)
    if request.method == "GET":
        return await _case_page(request, item_id, Form())
    form = await read_form(request)
    form.require(request, "action")
    labels = [label.strip() for label in [*form.checked("labels"), *form.text("other_labels").split(",")]
              if label.strip()]
    link = form.text("link").strip()
    if link and not link.startswith(("https://", "http://")):
        form.errors["link"] = gettext(request, "Enter a web address starting with https:// or http://.")
    if form.ok:
        try:
            await do_resolve_item(context_of(request), request.state.viewer, item_id, action=form.text("action"),
                                  reason=form.text("reason").strip(), labels=labels or None,
                                  correction_link=link or None)
        except MastheadError as exc:
            field = {"reason_required": "reason", "labels_required": "labels",
                     "invalid_action": "action"}.get(exc.code, "")
            form.fail(request, field, exc)
        else:
            await request.app.state.announce(1)
            return redirect(request, "/moderation?" + urlencode({"resolved": item_id, "action": form.text("action")}))
    return await _case_page(request, item_id, form, status=422)


PAGES = [
    Page("/moderation", queue_page, sign_in=True),
    Page("/moderation/items/{item_id}", case_page, methods=("GET", "POST"), sign_in=True),
    Page("/moderation/items/{item_id}/take", take_item, methods=("POST",), sign_in=True),
]
