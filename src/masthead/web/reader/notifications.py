"""The signed-in account's notices, each kind told in words with what the reader can do next; viewing them marks
them read."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from masthead.domain.moderation import RESTRICTING, Action
from masthead.services.notifications import (
    do_mark_notifications_read,
    notifications_page,
)
from masthead.store.decisions import latest_decision_for_post
from masthead.store.notifications import Notification
from masthead.store.posts import post_titles
from masthead.web.i18n import localised_datetime
from masthead.web.reader.timelines import PAGE_SIZE
from masthead.web.reader.words import APPLICATION_STEPS, OUTCOMES, label_words, say
from masthead.web.render import context_of, gettext, language_of, render
from masthead.web.site import Page

RESTRICTING_ACTIONS = {action.value for action in RESTRICTING} | {Action.UPHOLD.value}


@dataclass
class NoticeView:
    id: int
    kind: str
    created_at: datetime
    unread: bool
    headline: str
    # (what, the text) pairs: reasons, explanations, dates.
    details: list[tuple[str, str]] = field(default_factory=list)
    # (address, link text) pairs: what the reader can open or do next.
    links: list[tuple[str, str]] = field(default_factory=list)
    tone: str = "info"


@dataclass(frozen=True)
class Known:
    """What the notices on a page refer to: post titles, and each restricted post's latest decision."""
    titles: dict[int, str]
    decisions: dict[int, int]
    appeal_days: int


def _post_id(payload: dict[str, Any]) -> int | None:
    value = str(payload.get("post_id") or "")
    return int(value) if value.isdigit() else None


class Words:
    """Builds one NoticeView per notice kind, in the request's language."""

    def __init__(self, request: Request, known: Known) -> None:
        self.request = request
        self.known = known

    def _(self, message: str, **variables: Any) -> str:
        return gettext(self.request, message, **variables)

    def date(self, value: str | None) -> str:
        return localised_datetime(value, language_of(self.request), form="medium") if value else ""

    def title(self, post_id: int | None) -> str:
        return self.known.titles.get(post_id or 0, self._("(a post that no longer exists)"))

    def post_link(self, view: NoticeView, post_id: int | None, text: str) -> None:
        if post_id is not None and post_id in self.known.titles:
            view.links.append((f"/p/{post_id}", text))

    def appeal_link(self, view: NoticeView, decision_id: int | None) -> None:
        if decision_id is not None:
            view.details.append((self._("Appeal"), self._(
                "You may appeal within %(days)d days: open the decision to read the full statement of reasons and "
                "to appeal.", days=self.known.appeal_days)))
            view.links.append((f"/decisions/{decision_id}", self._("See the decision and appeal")))

    def view(self, notice: Notification) -> NoticeView:
        view = NoticeView(id=notice.id, kind=notice.kind, created_at=notice.created_at, unread=notice.read_at is None,
                          headline="")
        describe = getattr(self, "kind_" + notice.kind, None)
        if describe is None:
            view.headline = self._("Notice: %(kind)s", kind=notice.kind.replace("_", " "))
        else:
            describe(view, notice.payload)
        return view

    def kind_decision(self, view: NoticeView, p: dict[str, Any]) -> None:
        post_id = _post_id(p)
        view.tone = "bad" if p.get("outcome") in ("hold", "reject", "limit") else "warn"
        view.headline = self._('Your post "%(title)s" was %(outcome)s.', title=self.title(post_id),
                               outcome=say(self.request, OUTCOMES, str(p.get("outcome"))))
        if p.get("explanation"):
            view.details.append((self._("Why"), str(p["explanation"])))
        if p.get("labels"):
            view.details.append((self._("Labels"), ", ".join(label_words(self.request, label)[0]
                                                             for label in p["labels"])))
        if p.get("restriction_ends_at"):
            view.details.append((self._("Until"), self.date(p["restriction_ends_at"])))
        self.post_link(view, post_id, self._("Open the post"))
        decision = str(p.get("decision_id") or "")
        self.appeal_link(view, int(decision) if decision.isdigit() else None)

    def kind_moderation(self, view: NoticeView, p: dict[str, Any]) -> None:
        post_id = _post_id(p)
        action = str(p.get("action"))
        view.tone = "bad" if action in RESTRICTING_ACTIONS else "ok"
        view.headline = self._('A moderator reviewed your post "%(title)s": it was %(outcome)s.',
                               title=self.title(post_id), outcome=say(self.request, OUTCOMES, action))
        if p.get("reason"):
            view.details.append((self._("Reason"), str(p["reason"])))
        self.post_link(view, post_id, self._("Open the post"))
        if action in RESTRICTING_ACTIONS:
            self.appeal_link(view, self.known.decisions.get(post_id or 0))

    def kind_report_outcome(self, view: NoticeView, p: dict[str, Any]) -> None:
        post_id = _post_id(p)
        view.tone = "ok"
        view.headline = self._('Your report about "%(title)s" was reviewed: the post was %(outcome)s.',
                               title=self.title(post_id), outcome=say(self.request, OUTCOMES, str(p.get("outcome"))))
        if p.get("reason"):
            view.details.append((self._("Moderator's reason"), str(p["reason"])))
        self.post_link(view, post_id, self._("Open the post"))

    def kind_appeal_outcome(self, view: NoticeView, p: dict[str, Any]) -> None:
        post_id = _post_id(p)
        title = self.title(post_id)
        if p.get("outcome") == Action.OVERTURN.value:
            view.tone = "ok"
            view.headline = self._('Your appeal about "%(title)s" succeeded: the decision was reversed.', title=title)
        elif p.get("outcome") == Action.UPHOLD.value:
            view.tone = "warn"
            view.headline = self._('Your appeal about "%(title)s" was turned down: the decision stands.', title=title)
        else:
            view.headline = self._('Your appeal about "%(title)s" was decided.', title=title)
        if p.get("reason"):
            view.details.append((self._("Reason"), str(p["reason"])))
        self.post_link(view, post_id, self._("Open the post"))

    def kind_correction(self, view: NoticeView, p: dict[str, Any]) -> None:
        post_id = _post_id(p)
        view.tone = "bad"
        view.headline = self._('Correction: "%(title)s", which you read or were sent, spreads a rumour.',
                               title=self.title(post_id))
        view.details.append((self._("The correction"), str(p.get("text", ""))))
        if p.get("link"):
            view.links.append((str(p["link"]), self._("Read the source of the correction")))
        for copy in p.get("posts", []):
            copy_id = str(copy.get("id", ""))
            if copy_id.isdigit():
                view.links.append((f"/p/{copy_id}", self._('Open "%(title)s"', title=copy.get("title", ""))))

    def kind_strike(self, view: NoticeView, p: dict[str, Any]) -> None:
        view.tone = "bad"
        view.headline = self._("Your channel received a strike.")
        view.details.append((self._("Reason"), str(p.get("reason", ""))))
        view.details.append((self._("Strikes"), self._(
            "%(count)s in the last %(days)s days. At %(threshold)s, publishing is suspended.",
            count=p.get("strikes_in_window", "?"),
            days=p.get("window_days", "?"), threshold=p.get("threshold", "?"))))
        view.details.append((self._("Counts until"), self.date(p.get("expires_at"))))

    def kind_suspension(self, view: NoticeView, p: dict[str, Any]) -> None:
        view.tone = "bad"
        view.headline = self._("Your channel may not publish until %(date)s.", date=self.date(p.get("ends_at")))
        view.details.append((self._("Reason"), str(p.get("reason", ""))))

    def kind_credential_application(self, view: NoticeView, p: dict[str, Any]) -> None:
        step = str(p.get("step"))
        view.tone = "bad" if step == "denied" else "ok" if step == "granted" else "info"
        view.headline = self._("Your application for %(scopes)s %(step)s.", scopes=", ".join(p.get("scopes", [])),
                               step=say(self.request, APPLICATION_STEPS, step))
        if p.get("reason"):
            view.details.append((self._("Reason"), str(p["reason"])))

    def kind_credential_revoked(self, view: NoticeView, p: dict[str, Any]) -> None:
        view.tone = "bad"
        view.headline = self._("Your channel's %(scope)s badge was revoked.", scope=p.get("scope", ""))
        view.details.append((self._("Reason"), str(p.get("reason", ""))))

    def kind_credential_lapsed(self, view: NoticeView, p: dict[str, Any]) -> None:
        view.tone = "bad"
        view.headline = self._("Your channel's badges lapsed because its handle or name changed. A badge "
                               "certifies the handle and name that were verified: apply again to restore it.")

    def kind_credential_expiring(self, view: NoticeView, p: dict[str, Any]) -> None:
        view.tone = "warn"
        view.headline = self._("Your channel's %(scope)s badge expires on %(date)s. Apply again before then to "
                               "keep it.", scope=p.get("scope", ""), date=self.date(p.get("expires_at")))


async def _known(request: Request, notices: list[Notification]) -> Known:
    ctx = context_of(request)
    post_ids: set[int] = set()
    for notice in notices:
        post_id = _post_id(notice.payload)
        if post_id is not None:
            post_ids.add(post_id)
    restricted = {post_id for notice in notices if notice.kind == "moderation"
                  and notice.payload.get("action") in RESTRICTING_ACTIONS
                  and (post_id := _post_id(notice.payload)) is not None}
    decisions: dict[int, int] = {}
    async with ctx.db.read() as connection:
        titles = await post_titles(connection, sorted(post_ids)) if post_ids else {}
        for post_id in sorted(restricted):
            decision = await latest_decision_for_post(connection, post_id)
            if decision is not None:
                decisions[post_id] = decision.id
    return Known(titles, decisions, ctx.settings.appeal_window_days)


async def notifications_page_view(request: Request) -> Response:
    ctx = context_of(request)
    viewer = request.state.viewer
    page = await notifications_page(ctx, viewer, request.query_params.get("cursor"), PAGE_SIZE)
    words = Words(request, await _known(request, page.items))
    notices = [words.view(notice) for notice in page.items]
    if any(notice.unread for notice in notices):
        await do_mark_notifications_read(ctx, viewer, max(notice.id for notice in notices))
    return await render(request, "reader/notifications.html", {
        "notices": notices, "next_cursor": page.next_cursor, "first_page": not request.query_params.get("cursor")})


PAGES = [Page("/notifications", notifications_page_view, sign_in=True)]
