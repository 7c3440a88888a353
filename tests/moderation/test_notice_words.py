"""Every kind of notice the services send is told in words on the notifications page (in-process, both engines)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from masthead.context import Context
from masthead.services.accounts import access_account_by_token
from masthead.store.notifications import do_notify_txn
from masthead.web.reader.notifications import Words
from masthead.web.session import SESSION_COOKIE
from tests.conftest import Api

SOURCE = Path(__file__).parents[2] / "src" / "masthead"
# The kind is the first string literal of each call (arguments before it may hold one level of parentheses).
NOTIFY_CALL = re.compile(r"(?:do_notify_txn|notify_many_txn)\((?:[^\"()]|\([^()]*\))*\"(\w+)\"", re.DOTALL)


def kinds_sent() -> set[str]:
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        found.update(NOTIFY_CALL.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_kind_sent_has_words() -> None:
    kinds = kinds_sent()
    assert {"decision", "moderation", "report_outcome", "correction", "strike"} <= kinds
    assert not [kind for kind in sorted(kinds) if not hasattr(Words, f"kind_{kind}")]


def _samples(post_id: str) -> dict[str, tuple[dict[str, Any], str]]:
    """A payload of each kind, as its sender writes it, and words the page must show for it."""
    return {
        "decision": ({"post_id": post_id, "decision_id": "41", "outcome": "hold", "labels": ["unverified source"],
                      "explanation": "Political news needs news.publish.", "restriction_ends_at": None,
                      "appeal": "You may appeal"}, 'Your post "Quay works" was held for review by a moderator.'),
        "moderation": ({"post_id": post_id, "action": "remove", "reason": "doxxing", "item_id": "3"},
                       'A moderator reviewed your post "Quay works": it was removed.'),
        "report_outcome": ({"post_id": post_id, "outcome": "dismiss", "reason": "fine"},
                           'Your report about "Quay works" was reviewed: the post was left as it is'),
        "appeal_outcome": ({"post_id": post_id, "outcome": "overturn", "reason": "a mistake"},
                           'Your appeal about "Quay works" succeeded: the decision was reversed.'),
        "correction": ({"correction_id": "1", "post_id": post_id, "text": "The quay stays open.", "link": None,
                        "posts": [{"id": post_id, "title": "Quay works"}]},
                       'Correction: "Quay works", which you read or were sent, spreads a rumour.'),
        "strike": ({"reason": "remove: doxxing", "expires_at": "2027-03-01T00:00:00+00:00", "strikes_in_window": 1,
                    "threshold": 3, "window_days": 90, "policy": "policy news-credential v3"},
                   "1 in the last 90 days. At 3, publishing is suspended."),
        "suspension": ({"reason": "3 strikes within 90 days", "ends_at": "2026-12-11T00:00:00+00:00"},
                       "Your channel may not publish until"),
        "credential_application": ({"application_id": "2", "scopes": ["news.publish"], "step": "denied",
                                    "reason": "registration number not found"},
                                   "Your application for news.publish was denied."),
        "credential_revoked": ({"scope": "news.publish", "reason": "licence withdrawn"},
                               "Your channel's news.publish badge was revoked."),
        "credential_lapsed": ({"reason": "renamed", "credentials": 1}, "Your channel's badges lapsed"),
        "credential_expiring": ({"scope": "news.reprint", "expires_at": "2027-01-01T00:00:00+00:00"},
                                "Your channel's news.reprint badge expires on"),
    }


async def test_the_notifications_page_tells_each_kind_in_words(api: Api, ctx: Context) -> None:
    token = await api.sign_up("many_notices")
    await api.channel(token, "quay_news")
    post_id = await api.publish(token, "quay_news", "Quay works", "Works start on the quay.")
    await api.run_pipeline()
    account = await access_account_by_token(ctx, token)
    samples = _samples(post_id)
    async with ctx.db.write() as connection:
        for kind, (payload, _) in samples.items():
            await do_notify_txn(connection, account.id, kind, payload, ctx.clock.now())
        await do_notify_txn(connection, account.id, "something_new", {}, ctx.clock.now())

    api.client.cookies.set(SESSION_COOKIE, token)
    page = await api.client.get("/notifications")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text.replace("&#34;", '"').replace("&#39;", "'"))
    for kind, (_, words) in samples.items():
        assert words in text, kind
    assert "Notice: something new" in text
    assert 'href="/decisions/41"' in text  # the decision notice leads to its decision and the appeal
    assert (await api.client.get("/api/v1/notifications", headers=api.auth(token))).json()["unread"] == 0
