"""JSON shapes of accounts, channels, posts and decisions. Ids leave as opaque strings."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from masthead.domain.models import Account, Channel, ChannelMember, Post
from masthead.domain.paging import Page
from masthead.domain.permissions import ChannelRole
from masthead.services.dry_run import DryRun
from masthead.store.corrections import Correction
from masthead.store.decisions import DecisionRecord


def account_view(account: Account) -> dict[str, Any]:
    return {"id": str(account.id), "handle": account.handle, "display_name": account.display_name,
            "roles": sorted(role.value for role in account.roles), "created_at": account.created_at.isoformat()}


def channel_view(channel: Channel, members: list[ChannelMember], subscribers: int,
                 badges: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": str(channel.id), "handle": channel.handle, "name": channel.name, "description": channel.description,
        "owner": next((m.handle for m in members if m.role is ChannelRole.OWNER), None),
        "authors": [m.handle for m in members if m.role is ChannelRole.AUTHOR],
        "subscribers": subscribers, "badges": badges, "created_at": channel.created_at.isoformat(),
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def decision_summary(decision: DecisionRecord) -> dict[str, Any]:
    return {"id": str(decision.id), "outcome": decision.outcome, "labels": decision.labels,
            "policy": {"id": decision.policy_id, "version": decision.policy_version,
                       "sha256": decision.policy_sha256},
            "automated": decision.automated, "decided_at": decision.created_at.isoformat(),
            "explanation": decision.explanation, "restriction_ends_at": _iso(decision.restriction_ends_at)}


def decision_view(decision: DecisionRecord, *, private: bool) -> dict[str, Any]:
    view = {**decision_summary(decision), "post_id": str(decision.post_id),
            "judged_as_of": decision.decided_for.isoformat(), "statement_of_reasons": decision.statement}
    if private:
        view.update(facts=decision.facts, trace=decision.trace, versions=decision.versions)
    return view


def post_view(post: Post, decision: DecisionRecord | None = None,
              badges: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "id": str(post.id), "channel": post.channel_handle, "title": post.title, "body_html": post.body_html,
        "state": post.state.value, "lang": post.lang, "labels": list(post.labels), "badges": badges or [],
        "reprint_of": None if post.reprint_of is None else str(post.reprint_of), "source_url": post.source_url,
        "original": post.original, "provenance": [], "created_at": post.created_at.isoformat(),
        "published_at": None if post.published_at is None else post.published_at.isoformat(),
        "decision": None if decision is None else decision_summary(decision),
    }


def correction_view(correction: Correction) -> dict[str, Any]:
    return {"id": str(correction.id), "text": correction.text, "link": correction.link,
            "refuted_post_id": str(correction.refuted_post_id), "created_at": correction.created_at.isoformat()}


def page_view(page: Page[Post], badges: dict[int, list[dict[str, Any]]]) -> dict[str, Any]:
    return {"items": [post_view(post, badges=badges.get(post.channel_id)) for post in page.items],
            "next_cursor": page.next_cursor}


def dry_run_view(result: DryRun) -> dict[str, Any]:
    return {"outcome": result.outcome.value, "state": result.state.value, "labels": result.labels,
            "rules": result.rules, "explanation": result.explanation, "statement_of_reasons": result.statement,
            "facts": result.facts, "trace": result.trace, "versions": result.versions,
            "reprint_of": None if result.reprint_of is None else str(result.reprint_of), "detected": result.detected,
            "stored": False}
