"""What staff see of a queue item (GET /moderation/items/{id}) and how queue rows name their subject, on both
engines."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from masthead.context import Context
from masthead.domain.accounts import Role
from tests.conftest import Api
from tests.moderation.test_workflow import queue, resolve, staff
from tests.scores import PoliticalScores

EVIDENCE = {"organisation": "Harbour Press", "registration_number": "HK-77", "contact": "desk@harbour.example",
            "statement": "Licensed since 1998."}
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def case(api: Api, token: str, item_id: str) -> dict[str, Any]:
    response = await api.client.get(f"/api/v1/moderation/items/{item_id}", headers=api.auth(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_held_post_then_its_appeal_show_subject_decision_trace_and_history(api: Api, ctx: Context) -> None:
    api.app.state.worker.stages.insert(-1, PoliticalScores())
    author = await api.sign_up("civic_writer")
    await api.channel(author, "civic_voice", "Civic Voice")
    first = await staff(ctx, "mod_first", Role.MODERATOR)
    second = await staff(ctx, "mod_second", Role.MODERATOR)
    post_id = await api.publish(author, "civic_voice", "Election turnout rises", "Turnout was **61** percent.")
    await api.run_pipeline()

    [row] = await queue(api, first, "held")
    assert row["subject"] == {"post_id": post_id, "title": "Election turnout rises", "post_state": "held",
                              "channel": "civic_voice"}
    held = await case(api, first, row["id"])
    assert held["item"]["kind"] == "held" and held["item"]["review_state"] == "open"
    assert held["post"]["body_html"] == "<p>Turnout was <strong>61</strong> percent.</p>\n"
    assert held["post"]["channel"] == "civic_voice" and held["post"]["badges"] == []
    assert held["decision"]["outcome"] == "hold" and held["decision"]["scores"]["political_news"] == 0.96
    [rule] = [entry for entry in held["decision"]["trace"] if entry["enforced"]]
    assert rule["rule"] and rule["when"] and "scores.political_news" in rule["when"]
    assert held["channel"] == {"handle": "civic_voice", "name": "Civic Voice", "badges": [], "strikes": [],
                               "suspended_until": None, "suspension_reason": None}
    assert held["actions"][0] == "approve" and "remove" in held["actions"] and "grant" not in held["actions"]
    assert held["events"] == [] and held["reports"] == [] and held["appeal"] is None

    assert (await api.client.post(f"/api/v1/moderation/items/{row['id']}/assign", headers=api.auth(first),
                                  json={"handle": "mod_first"})).status_code == 200
    [mine] = (await api.client.get("/api/v1/moderation/queue", headers=api.auth(first),
                                   params={"mine": "true"})).json()["items"]
    assert mine["assigned_to"] == "mod_first"
    assert (await resolve(api, first, row["id"], "reject", "Political news needs the credential.")).status_code == 200

    decision_id = held["decision"]["id"]
    appealed = await api.client.post(f"/api/v1/decisions/{decision_id}/appeals", headers=api.auth(author),
                                     json={"text": "This is local civic reporting."})
    assert appealed.status_code == 201
    [appeal_row] = await queue(api, second, "appeal")
    assert appeal_row["subject"] == {"post_id": post_id, "title": "Election turnout rises", "post_state": "rejected",
                                     "channel": "civic_voice", "appeal_id": appealed.json()["id"],
                                     "contests_decision": decision_id, "contested_outcome": "hold"}
    appeal = await case(api, second, appeal_row["id"])
    assert appeal["appeal"]["text"] == "This is local civic reporting."
    assert appeal["appeal"]["appellant"] == "civic_writer" and appeal["appeal"]["contests_decision"] == decision_id
    latest = appeal["appeal"]["latest_action"]
    assert (latest["action"], latest["actor"]) == ("reject", "mod_first")
    assert appeal["decision"]["id"] == decision_id
    [earlier] = appeal["events"]
    assert earlier["action"] == "reject" and earlier["actor"] == "mod_first" and earlier["item_id"] == row["id"]
    assert [s["reason"] for s in appeal["channel"]["strikes"]] == ["reject: Political news needs the credential."]
    assert appeal["actions"] == ["uphold", "overturn", "escalate", "comment"]


async def test_report_case_merges_reports_and_lists_copies(api: Api, ctx: Context) -> None:
    api.app.state.worker.stages.insert(-1, PoliticalScores())
    origin = await api.sign_up("origin_owner")
    await api.channel(origin, "origin_desk")
    copier = await api.sign_up("copy_owner")
    await api.channel(copier, "copy_desk")
    reader = await api.sign_up("careful_reader")
    other = await api.sign_up("other_reader")
    triage = await staff(ctx, "triage_one", Role.TRIAGE)
    original = await api.publish(origin, "origin_desk", "Miracle cure found", "Drinking salt water cures flu.")
    await api.run_pipeline()
    copy = await api.publish(copier, "copy_desk", "Cure found", "Drinking salt water cures flu.")
    await api.run_pipeline()
    for who, reason, comment in ((reader, "rumour", "this is false"), (other, "other", "")):
        assert (await api.client.post(f"/api/v1/posts/{original}/reports", headers=api.auth(who),
                                      json={"reason": reason, "comment": comment})).status_code == 201
    [row] = await queue(api, triage, "report")
    assert row["subject"]["title"] == "Miracle cure found" and row["subject"]["channel"] == "origin_desk"
    reported = await case(api, triage, row["id"])
    assert [(r["reporter"], r["reason"], r["comment"]) for r in reported["reports"]] == [
        ("careful_reader", "rumour", "this is false"), ("other_reader", "other", "")]
    assert [c["id"] for c in reported["copies"]] == [copy] and reported["copies"][0]["detected"] is True
    assert reported["decision"]["outcome"] == "publish"
    assert "refute" in reported["actions"] and "dismiss" in reported["actions"]


async def test_application_case_and_queue_row(api: Api, ctx: Context) -> None:
    owner = await api.sign_up("harbour_owner")
    await api.channel(owner, "harbour_desk", "Harbour Desk")
    verifier = await staff(ctx, "vera_v", Role.VERIFIER)
    applied = await api.client.post("/api/v1/channels/harbour_desk/credential-applications", headers=api.auth(owner),
                                    json={"scopes": ["news.publish"], "evidence": EVIDENCE})
    application_id = applied.json()["id"]
    await api.client.post(f"/api/v1/credential-applications/{application_id}/files", headers=api.auth(owner),
                          files={"file": ("licence.pdf", PDF, "application/pdf")})
    [row] = await queue(api, verifier, "application")
    assert row["subject"] == {"application_id": application_id, "channel": "harbour_desk", "scopes": ["news.publish"]}
    seen = await case(api, verifier, row["id"])
    assert seen["application"]["evidence"]["organisation"] == "Harbour Press"
    assert seen["application"]["files"][0]["name"] == "licence.pdf" and seen["post"] is None
    assert seen["actions"] == ["grant", "deny", "escalate", "comment"]


async def test_case_is_for_staff_and_unknown_items_are_404(api: Api, ctx: Context) -> None:
    member = await api.sign_up("plain_member")
    moderator = await staff(ctx, "mod_x", Role.MODERATOR)
    refused = await api.client.get("/api/v1/moderation/items/1", headers=api.auth(member))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    for missing in ("999", "abc"):
        response = await api.client.get(f"/api/v1/moderation/items/{missing}", headers=api.auth(moderator))
        assert response.status_code == 404 and response.json()["error"]["code"] == "item_not_found"


async def test_queue_page_is_one_query_however_many_items(api: Api, ctx: Context) -> None:
    """The page's rows come with their subjects from one statement, not one per item."""
    api.app.state.worker.stages.insert(-1, PoliticalScores())
    author = await api.sign_up("busy_writer")
    await api.channel(author, "busy_desk")
    moderator = await staff(ctx, "mod_q", Role.MODERATOR)
    for i in range(6):
        await api.publish(author, "busy_desk", f"Election item {i}", "Text.")
    await api.run_pipeline()
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "moderation_items" in statement:
            statements.append(statement)
    engine = ctx.db.read_engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        items = await queue(api, moderator, "held")
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(items) == 6 and all(item["subject"]["title"] for item in items)
    assert len(statements) == 1, statements
