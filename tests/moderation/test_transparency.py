"""Statements of reasons of automated and human decisions, counted in the public report and exported."""
from __future__ import annotations

import csv
import io
import json

import pytest

from masthead.clock import FakeClock
from masthead.cli import main
from masthead.context import Context
from masthead.domain.accounts import Role
from tests.conftest import Api
from tests.moderation.test_workflow import queue, resolve, staff
from tests.scores import PoliticalScores


async def _history(api: Api, ctx: Context) -> str:
    api.app.state.worker.stages.insert(-1, PoliticalScores())
    author = await api.sign_up("author")
    await api.channel(author, "author_news")
    mod_a = await staff(ctx, "mod_a", Role.MODERATOR)
    mod_b = await staff(ctx, "mod_b", Role.MODERATOR)
    post_id = await api.publish(author, "author_news", "Election day", "Polls close at eight.")
    await api.run_pipeline()
    [held] = await queue(api, mod_a, "held")
    await resolve(api, mod_a, held["id"], "reject", "Political news needs the news.publish credential.")
    decision_id = (await api.client.get(f"/api/v1/posts/{post_id}", headers=api.auth(author))).json()["decision"]["id"]
    await api.client.post(f"/api/v1/decisions/{decision_id}/appeals", headers=api.auth(author), json={"text": "local"})
    [appeal] = await queue(api, mod_b, "appeal")
    await resolve(api, mod_b, appeal["id"], "overturn", "Local civic news.")
    return author


async def test_report_counts_every_statement_appeal_and_reversal(api: Api, ctx: Context) -> None:
    await _history(api, ctx)
    report = (await api.client.get("/api/v1/transparency/report")).json()
    assert report["statements"] == 2
    assert report["by_category"] == {"STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS": 2}
    assert report["by_action"] == {"DECISION_VISIBILITY_CONTENT_DISABLED": 1, "DECISION_VISIBILITY_CONTENT_REMOVED": 1}
    assert report["by_detection"] == {"automated": 2}
    assert report["by_automation"] == {"AUTOMATED_DECISION_PARTIALLY": 1, "AUTOMATED_DECISION_NOT_AUTOMATED": 1}
    assert report["appeals"] == {"total": 1, "by_outcome": {"overturn": 1}} and report["reversals"] == 1
    empty = (await api.client.get("/api/v1/transparency/report", params={"until": "2025-01-01"})).json()
    assert empty["statements"] == 0
    bad = await api.client.get("/api/v1/transparency/report", params={"since": "yesterday"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_date"


async def test_export_in_both_formats(api: Api, ctx: Context) -> None:
    await _history(api, ctx)
    from masthead.transparency.report import export_statements

    exported = "".join([chunk async for chunk in export_statements(ctx, None, None, "json")])
    statements = json.loads(exported)
    assert [s["source"] for s in statements] == ["pipeline", "moderator"]
    for statement in statements:
        assert statement["puid"] == "1" and statement["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
        assert statement["content_type"] == ["CONTENT_TYPE_TEXT"] and statement["application_date"]
    table = "".join([chunk async for chunk in export_statements(ctx, None, None, "csv")])
    rows = list(csv.DictReader(io.StringIO(table)))
    assert [row["decision_visibility"] for row in rows] == ["DECISION_VISIBILITY_CONTENT_DISABLED",
                                                            "DECISION_VISIBILITY_CONTENT_REMOVED"]


def test_export_command(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MASTHEAD_DATABASE_URL", database_url)
    assert main(["transparency", "export", "--format", "json", "--since", "2026-01-01"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["transparency", "export", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("id,source,created_at,decision_visibility")
    assert main(["transparency", "export", "--since", "soon"]) == 2
    assert "--since must be a date" in capsys.readouterr().err


async def test_report_counts_outcomes_rules_automation_and_days(api: Api, ctx: Context) -> None:
    await _history(api, ctx)
    report = (await api.client.get("/api/v1/transparency/report")).json()
    assert report["decisions"] == {"total": 1, "by_outcome": {"hold": 1}}
    assert report["by_rule"] == {"political-news-needs-credential": 1}
    assert report["automated_share"] == 0.5
    today = ctx.clock.now().date().isoformat()
    assert report["over_time"] == {"unit": "day", "periods": [{"start": today, "automated": 1, "human": 1}]}
    ranged = (await api.client.get("/api/v1/transparency/report",
                                   params={"since": "2025-01-01", "until": "2025-01-04"})).json()
    assert ranged["automated_share"] is None and ranged["decisions"] == {"total": 0, "by_outcome": {}}
    assert [p["start"] for p in ranged["over_time"]["periods"]] == ["2025-01-01", "2025-01-02", "2025-01-03"]
    year = (await api.client.get("/api/v1/transparency/report",
                                 params={"since": "2025-01-01", "until": "2026-01-01"})).json()["over_time"]
    assert year["unit"] == "week" and year["periods"][0]["start"] == "2024-12-30" and len(year["periods"]) == 53


async def test_statements_download_in_both_formats(api: Api, ctx: Context) -> None:
    await _history(api, ctx)
    as_json = await api.client.get("/api/v1/transparency/statements")
    assert as_json.status_code == 200 and as_json.headers["content-type"] == "application/json"
    assert [s["source"] for s in as_json.json()] == ["pipeline", "moderator"]
    as_csv = await api.client.get("/api/v1/transparency/statements", params={"format": "csv", "since": "2020-01-01"})
    assert as_csv.headers["content-disposition"] == 'attachment; filename="masthead-statements.csv"'
    assert len(list(csv.DictReader(io.StringIO(as_csv.text)))) == 2
    bad_day = await api.client.get("/api/v1/transparency/statements", params={"until": "tomorrow"})
    assert bad_day.status_code == 400 and bad_day.json()["error"]["code"] == "invalid_date"
    bad_format = await api.client.get("/api/v1/transparency/statements", params={"format": "xml"})
    assert bad_format.status_code == 422 and bad_format.json()["error"]["code"] == "invalid_request"


async def test_settled_days_kept_and_later_days_counted_fresh(api: Api, ctx: Context, clock: FakeClock) -> None:
    author = await _history(api, ctx)
    clock.advance(days=2)
    first = (await api.client.get("/api/v1/transparency/report")).json()
    assert first["statements"] == 2 and len(first["over_time"]["periods"]) == 1
    await api.publish(author, "author_news", "Election recount", "The recount starts on Monday.")
    await api.run_pipeline()
    report = (await api.client.get("/api/v1/transparency/report")).json()
    assert report["statements"] == 3 and report["decisions"]["by_outcome"] == {"hold": 2}
    assert report["by_rule"] == {"political-news-needs-credential": 2}
    assert report["over_time"]["periods"] == [{"start": "2026-01-01", "automated": 1, "human": 1},
                                              {"start": "2026-01-02", "automated": 0, "human": 0},
                                              {"start": "2026-01-03", "automated": 1, "human": 0}]
    settled_only = (await api.client.get("/api/v1/transparency/report",
                                         params={"since": "2026-01-01", "until": "2026-01-02"})).json()
    assert settled_only["statements"] == 2 and settled_only["decisions"]["total"] == 1
    live_only = (await api.client.get("/api/v1/transparency/report", params={"since": "2026-01-03"})).json()
    assert live_only["statements"] == 1 and live_only["by_automation"] == {"AUTOMATED_DECISION_PARTIALLY": 1}
