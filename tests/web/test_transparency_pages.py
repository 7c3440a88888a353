"""The transparency report and a channel's public ledger in the browser: charts whose numbers match the API's
report, dates in words, a badge's revocation and a restriction with their reasons; Chinese; a phone; axe."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from masthead.web.transparency import WORDS
from tests.web.conftest import PASSWORD, PHONE, Site, assert_accessible

pytestmark = pytest.mark.browser

ELECTION = ("President vetoes budget as Senate deadlock deepens",
            "The president vetoed the spending bill on Friday, sending it back to the Senate, where the ruling "
            "coalition lacks the votes to override. The opposition leader accused the government of holding the "
            "budget hostage ahead of next month's elections.")
REVOKED_BECAUSE = "The news licence named in the application was withdrawn by the regulator."
REJECTED_BECAUSE = "Political news needs the news.publish credential, which this channel does not hold."


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _call(method: str, site: Site, path: str, token: str, **options: Any) -> Any:
    response = httpx.request(method, site.url(path), headers=_auth(token), timeout=30, **options)
    assert response.status_code < 400, response.text
    return response.json()


def _held_and_rejected(site: Site, owner: str, channel: str, moderator: str) -> str:
    """Publish political news on an uncredentialed channel; the policy holds it and a moderator rejects it.
    Returns the decision's id."""
    title, body = ELECTION
    post = _call("POST", site, f"/api/v1/channels/{channel}/posts", owner, json={"title": title, "body": body})
    site.wait_for_pipeline()
    items = _call("GET", site, "/api/v1/moderation/queue", moderator, params={"kind": "held", "limit": 100})["items"]
    [item] = [item for item in items if item["post_id"] == post["id"]]
    _call("POST", site, f"/api/v1/moderation/items/{item['id']}/resolve", moderator,
          json={"action": "reject", "reason": REJECTED_BECAUSE})
    decision_id: str = item["decision_id"]
    return decision_id


def _new_channel(site: Site, owner_handle: str, channel: str) -> str:
    owner = httpx.post(site.url("/api/v1/accounts"), json={
        "handle": owner_handle, "password": PASSWORD, "display_name": owner_handle.title()}).json()["token"]
    _call("POST", site, "/api/v1/channels", owner, json={"handle": channel, "name": channel.replace("_", " ").title(),
                                                         "description": "A channel for the transparency tests."})
    return str(owner)


def _bars(page: Page, chart_id: str) -> dict[str, int]:
    bars = page.locator(f"svg#{chart_id} g.bar")
    return {bars.nth(i).get_attribute("data-label") or "": int(bars.nth(i).get_attribute("data-value") or "-1")
            for i in range(bars.count())}


def _in_words(counts: dict[str, int]) -> dict[str, int]:
    return {WORDS.get(code, code): count for code, count in counts.items()}


def test_the_charts_show_the_numbers_of_the_api_report(site: Site, page: Page) -> None:
    owner = _new_channel(site, "tp_chart_owner", "tp_chart_news")
    # Demo staff: the appeal goes to someone other than the moderator who rejected the post.
    first_mod, second_mod = site.token("mod_lin"), site.token("site_admin")
    decision_id = _held_and_rejected(site, owner, "tp_chart_news", first_mod)
    _call("POST", site, f"/api/v1/decisions/{decision_id}/appeals", owner, json={"text": "Local civic news."})
    appeals = _call("GET", site, "/api/v1/moderation/queue", second_mod, params={"kind": "appeal"})["items"]
    [appeal] = [item for item in appeals if item["decision_id"] == decision_id]
    _call("POST", site, f"/api/v1/moderation/items/{appeal['id']}/resolve", second_mod,
          json={"action": "overturn", "reason": "Local civic news is not political news."})

    report = httpx.get(site.url("/api/v1/transparency/report")).json()
    page.goto(site.url("/transparency"))
    expect(page.locator("#total-statements")).to_have_text(f"{report['statements']:,}")
    expect(page.locator("#total-decisions")).to_have_text(f"{report['decisions']['total']:,}")
    expect(page.locator("#appeals-filed")).to_have_text(str(report["appeals"]["total"]))
    expect(page.locator("#appeals-reversed")).to_have_text(str(report["reversals"]))
    assert report["reversals"] >= 1 and report["statements"] >= 2
    expect(page.locator("#automated-share")).to_have_text(f"{round(100 * report['automated_share'])}%")
    assert _bars(page, "chart-outcome") == _in_words(report["decisions"]["by_outcome"])
    assert _bars(page, "chart-action") == _in_words(report["by_action"])
    assert _bars(page, "chart-rule") == report["by_rule"]
    assert _bars(page, "chart-category") == _in_words(report["by_category"])
    assert _bars(page, "chart-detection") == _in_words(report["by_detection"])
    assert _bars(page, "chart-automation") == _in_words(report["by_automation"])
    assert _bars(page, "chart-appeals") == _in_words(report["appeals"]["by_outcome"])
    columns = page.locator("svg#chart-over-time g.column")
    assert [int(columns.nth(i).get_attribute("data-total") or "-1") for i in range(columns.count())] == [
        period["automated"] + period["human"] for period in report["over_time"]["periods"]]
    chart = page.get_by_role("img", name="Restrictions by category")
    expect(chart).to_be_visible()
    # The numbers are there as a table too, for anyone who cannot see the chart.
    category = page.locator("figure", has=page.locator("svg#chart-category"))
    category.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(category.locator("table")).to_contain_text("Civic discourse or elections")
    assert_accessible(page)
    download = httpx.get(site.url("/api/v1/transparency/statements?format=csv"))
    assert download.status_code == 200
    assert page.get_by_role("link", name="Download CSV").get_attribute("href") == \
        "/api/v1/transparency/statements?format=csv"


def test_a_date_range_and_bad_dates_said_in_words(site: Site, page: Page) -> None:
    page.goto(site.url("/transparency"))
    page.get_by_label("From (first day)").fill("yesterday")
    page.get_by_label("To (last day)").fill("2026-13-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#e-since")).to_have_text("Enter a date like 2026-11-01.")
    expect(page.locator("#e-until")).to_have_text("Enter a date like 2026-11-01.")
    expect(page.get_by_label("From (first day)")).to_have_value("yesterday")
    expect(page.get_by_label("From (first day)")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    page.get_by_label("From (first day)").fill("2026-11-30")
    page.get_by_label("To (last day)").fill("2026-11-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#e-until")).to_have_text("The last day must not be before the first day.")
    page.get_by_label("To (last day)").fill("2026-12-02")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#summary-heading")).to_have_text("From 2026-11-30 to 2026-12-02")
    # The last day is included: the report runs to the start of the next day.
    report = httpx.get(site.url("/api/v1/transparency/report?since=2026-11-30&until=2026-12-03")).json()
    expect(page.locator("#total-statements")).to_have_text(f"{report['statements']:,}")
    columns = page.locator("svg#chart-over-time g.column")
    expect(columns).to_have_count(3)
    assert page.get_by_role("link", name="Download JSON").get_attribute("href") == \
        "/api/v1/transparency/statements?format=json&since=2026-11-30&until=2026-12-03"


def test_the_ledger_shows_a_revoked_badge_and_a_restriction_with_their_reasons(
        site: Site, page: Page, new_context: Callable[..., BrowserContext]) -> None:
    owner = _new_channel(site, "tp_ledger_owner", "tp_ledger_news")
    verifier = site.token("vera")
    application = _call("POST", site, "/api/v1/channels/tp_ledger_news/credential-applications", owner, json={
        "scopes": ["news.publish"], "evidence": {"organisation": "Ledger News Ltd", "registration_number": "LN-1",
                                                 "contact": "desk@ledger.example", "statement": "Local news."}})
    _call("POST", site, f"/api/v1/credential-applications/{application['id']}/review", verifier)
    _call("POST", site, f"/api/v1/credential-applications/{application['id']}/grant", verifier)
    _call("POST", site, "/api/v1/channels/tp_ledger_news/credentials/news.publish/revoke", verifier,
          json={"reason": REVOKED_BECAUSE})
    moderator = site.token("mod_lin")
    _held_and_rejected(site, owner, "tp_ledger_news", moderator)

    page.goto(site.url("/c/tp_ledger_news/ledger"))
    expect(page.locator("h1")).to_have_text("Public ledger of Tp Ledger News")
    badge = page.locator("article.badge-history[data-scope='news.publish']")
    expect(badge.locator(".badge")).to_have_text("revoked")
    expect(badge.locator("li.event-granted")).to_contain_text("Granted by")
    expect(badge.locator("li.event-revoked strong")).to_have_text("Revoked")
    expect(badge.locator("li.event-revoked .reason")).to_have_text(REVOKED_BECAUSE)
    rejected = page.locator("li.restriction-reject")
    expect(rejected.locator(".action")).to_have_text("Rejected")
    expect(rejected.locator(".reason")).to_have_text(REJECTED_BECAUSE)
    expect(rejected).to_contain_text("Civic discourse or elections")
    held = page.locator("li.restriction-hold")
    expect(held.locator(".action")).to_have_text("Held for review")
    expect(held.get_by_role("link", name="Statement of reasons")).to_be_visible()
    expect(page.locator("ul.strikes li")).to_contain_text(REJECTED_BECAUSE)
    assert_accessible(page)
    # The demo newsrooms keep their badges.
    harbour = httpx.get(site.url("/api/v1/channels/harbour_times")).json()["badges"]
    assert [badge["status"] for badge in harbour] == ["valid"]

    phone = new_context(locale="zh-CN", viewport=PHONE).new_page()
    phone.goto(site.url("/c/tp_ledger_news/ledger"))
    expect(phone.locator("h1")).to_have_text("Tp Ledger News 的公开记录")
    expect(phone.locator("article.badge-history .badge")).to_have_text("已撤销")
    expect(phone.locator("li.restriction-reject .action")).to_have_text("未通过")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(phone)
    phone.goto(site.url("/transparency"))
    expect(phone.locator("h1")).to_have_text("透明度报告")
    expect(phone.get_by_role("img", name="按违规类别")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(phone)


def test_a_ledger_of_no_channel_is_a_page_in_words(site: Site, page: Page) -> None:
    response = page.goto(site.url("/c/no_such_channel/ledger"))
    assert response is not None and response.status == 404
    expect(page.locator("section.error")).to_contain_text("no channel is called 'no_such_channel'")
