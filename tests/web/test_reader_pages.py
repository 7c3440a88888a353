"""The reader's pages in a browser: subscribing and the live feed, reporting, notifications, corrections above a
post's text, and axe-core over every page in English and Chinese and at phone size."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.web.conftest import PASSWORD, PHONE, Site, assert_accessible

pytestmark = pytest.mark.browser


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_up(site: Site, handle: str) -> str:
    """A fresh member account (through the API: Site.make_account cannot run beside Playwright's event loop)."""
    response = httpx.post(site.url("/api/v1/accounts"), json={"handle": handle, "password": PASSWORD,
                                                              "display_name": handle.title()})
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


def sign_in_by_form(page: Page, site: Site, handle: str, password: str = PASSWORD) -> None:
    """Sign in whatever the page's language (the fields are found by id, not by their label)."""
    page.goto(site.url("/login"))
    page.locator("#f-handle").fill(handle)
    page.locator("#f-password").fill(password)
    page.locator("form[action='/login'] button[type=submit]").click()
    expect(page.locator("header .who")).to_have_text(f"@{handle}")


def publish(site: Site, title: str, body: str, channel: str = "harbour_times", editor: str = "harbour_ed") -> str:
    response = httpx.post(site.url(f"/api/v1/channels/{channel}/posts"), headers=_auth(site.token(editor)),
                          json={"title": title, "body": body})
    assert response.status_code == 202, response.text
    post_id: str = response.json()["id"]
    return post_id


def published(site: Site, title: str, body: str) -> str:
    """A post the pipeline has decided and published."""
    post_id = publish(site, title, body)
    site.wait_for_pipeline()
    assert httpx.get(site.url(f"/api/v1/posts/{post_id}")).json()["state"] == "published"
    return post_id


def report_item(site: Site, post_id: str) -> str:
    """The open report item of a post, as a moderator sees the queue."""
    queue = httpx.get(site.url("/api/v1/moderation/queue"), params={"kind": "report", "limit": 100},
                      headers=_auth(site.token("mod_lin"))).json()["items"]
    [item] = [item for item in queue if item["post_id"] == post_id]
    item_id: str = item["id"]
    return item_id


def resolve(site: Site, item_id: str, action: str, reason: str) -> Any:
    response = httpx.post(site.url(f"/api/v1/moderation/items/{item_id}/resolve"),
                          headers=_auth(site.token("mod_lin")), json={"action": action, "reason": reason})
    assert response.status_code == 200, response.text
    return response.json()


def test_subscribe_then_a_new_post_waits_behind_the_bar_on_the_feed(site: Site, page: Page) -> None:
    sign_up(site, "feed_reader")
    sign_in_by_form(page, site, "feed_reader")
    page.goto(site.url("/c/harbour_times"))
    expect(page.locator(".subscribers")).to_have_text("1 subscriber")
    page.get_by_role("button", name="Subscribe to The Harbour Times").click()
    expect(page).to_have_url(site.url("/c/harbour_times"))
    expect(page.locator(".sub-state")).to_have_text("✓ Subscribed")
    expect(page.locator(".subscribers")).to_have_text("2 subscribers")

    page.get_by_role("link", name="Feed", exact=True).click()
    expect(page.get_by_role("heading", name="Your feed")).to_be_visible()
    bar = page.locator(".new-posts")
    expect(bar).to_have_attribute("aria-live", "polite")
    expect(bar.get_by_role("button")).to_be_hidden()
    post_id = publish(site, "Harbour crane lit for the holidays", "The old crane wears lights from Friday.")
    expect(bar.get_by_role("button")).to_have_text("1 new post")
    new_item = page.locator(f'article[data-post-id="{post_id}"]')
    expect(new_item).to_have_count(0)  # waits behind the bar until asked for
    assert page.url == site.url("/feed")  # no reload happened
    bar.get_by_role("button").focus()
    page.keyboard.press("Enter")
    expect(new_item).to_be_visible()
    expect(new_item).to_be_focused()
    expect(page.locator("[data-timeline-items] article").first).to_have_attribute("data-post-id", post_id)
    expect(bar.get_by_role("button")).to_be_hidden()
    assert_accessible(page)

    page.goto(site.url("/c/harbour_times"))
    page.get_by_role("button", name="Unsubscribe from The Harbour Times").click()
    expect(page.get_by_role("button", name="Subscribe to The Harbour Times")).to_be_visible()
    expect(page.locator(".subscribers")).to_have_text("1 subscriber")
    page.goto(site.url("/feed"))
    expect(page.locator(f'article[data-post-id="{post_id}"]')).to_have_count(0)
    expect(page.locator(".empty")).to_contain_text("Subscribe to channels to see their posts.")


def test_the_directory_lists_channels_and_subscribes_from_the_list(site: Site, page: Page) -> None:
    sign_up(site, "directory_reader")
    page.goto(site.url("/channels"))
    harbour = page.locator(".channel-card", has_text="The Harbour Times")
    expect(harbour.locator(".badge")).to_have_text("news.publish")
    expect(harbour).to_contain_text("Local news and features from the harbour district.")
    expect(harbour.get_by_role("button")).to_have_count(0)  # signed out: nothing to press
    sign_in_by_form(page, site, "directory_reader")
    page.goto(site.url("/channels"))
    page.get_by_role("button", name="Subscribe to Garden Notes").click()
    expect(page).to_have_url(site.url("/channels"))
    expect(page.get_by_role("button", name="Unsubscribe from Garden Notes")).to_be_visible()
    page.get_by_role("button", name="Unsubscribe from Garden Notes").click()
    expect(page.get_by_role("button", name="Subscribe to Garden Notes")).to_be_visible()


def test_subscribing_after_the_session_ended_comes_back_to_the_channel(site: Site, page: Page) -> None:
    sign_up(site, "lapsed_reader")
    sign_in_by_form(page, site, "lapsed_reader")
    page.goto(site.url("/c/garden_notes"))
    page.context.clear_cookies(name="masthead_session")
    page.get_by_role("button", name="Subscribe to Garden Notes").click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.locator("#f-handle").fill("lapsed_reader")
    page.locator("#f-password").fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    expect(page).to_have_url(site.url("/c/garden_notes"))
    expect(page.get_by_role("button", name="Subscribe to Garden Notes")).to_be_visible()


def test_a_channel_page_explains_its_badge_and_asks_visitors_to_sign_in(site: Site, page: Page) -> None:
    page.goto(site.url("/c/jiangnan_daily"))
    card = page.locator(".badge-card")
    expect(card.locator(".certifies")).to_contain_text("May publish political and social news")
    expect(card).to_contain_text("Masthead verification (vera)")
    expect(card.locator("dt")).to_have_text(["Issued by", "Issued", "Expires"])
    page.get_by_role("link", name="Sign in to subscribe").click()
    expect(page).to_have_url(site.url("/login?next=/c/jiangnan_daily"))


def _granted(site: Site, owner: str, channel: str, scope: str) -> None:
    evidence = {"organisation": "Pier Press Ltd", "registration_number": "PP-1", "contact": "desk@pier.example",
                "statement": "A weekly paper."}
    applied = httpx.post(site.url(f"/api/v1/channels/{channel}/credential-applications"), headers=_auth(owner),
                         json={"scopes": [scope], "evidence": evidence})
    assert applied.status_code == 201, applied.text
    granted = httpx.post(site.url(f"/api/v1/credential-applications/{applied.json()['id']}/grant"),
                         headers=_auth(site.token("vera")))
    assert granted.status_code == 200, granted.text


def test_lapsed_and_revoked_badges_stay_on_the_channel_page_with_their_reason(site: Site, page: Page) -> None:
    owner = sign_up(site, "pier_owner")
    assert httpx.post(site.url("/api/v1/channels"), headers=_auth(owner),
                      json={"handle": "pier_press", "name": "Pier Press"}).status_code == 201
    _granted(site, owner, "pier_press", "news.publish")
    assert httpx.patch(site.url("/api/v1/channels/pier_press"), headers=_auth(owner),
                       json={"name": "Pier Press Weekly"}).status_code == 200
    _granted(site, owner, "pier_press", "news.reprint")
    revoked = httpx.post(site.url("/api/v1/channels/pier_press/credentials/news.reprint/revoke"),
                         headers=_auth(site.token("vera")), json={"reason": "the licence was withdrawn"})
    assert revoked.status_code == 200, revoked.text

    page.goto(site.url("/c/pier_press"))
    lapsed = page.locator(".badge-card", has_text="news.publish")
    expect(lapsed.locator(".state")).to_have_text("lapsed")
    expect(lapsed.locator(".why")).to_have_text(
        "The channel changed its handle or name after it was verified, so the badge no longer certifies it.")
    withdrawn = page.locator(".badge-card", has_text="news.reprint")
    expect(withdrawn.locator(".state")).to_have_text("revoked")
    expect(withdrawn.locator(".why")).to_have_text("Revoked by the verifier: the licence was withdrawn")
    expect(withdrawn.locator(".certifies")).to_contain_text("May reprint political and social news")
    assert_accessible(page)


def test_report_a_post_with_a_reason(site: Site, page: Page) -> None:
    token = sign_up(site, "fresh_reporter")
    post_id = published(site, "Free ferry tickets for everyone", "Send your bank details to claim them.")
    sign_in_by_form(page, site, "fresh_reporter")
    page.goto(site.url(f"/p/{post_id}"))
    page.get_by_role("link", name="Report this post").click()
    expect(page.get_by_role("heading", name="Report this post")).to_be_visible()
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#e-reason")).to_have_text("Choose what is wrong with this post.")
    assert_accessible(page)
    page.get_by_label("Spam or scam").check()
    page.get_by_label("Comment (optional)").fill("A phishing attempt.")
    page.get_by_role("button", name="Send report").click()
    expect(page).to_have_url(site.url(f"/p/{post_id}?reported=1#reported"))
    expect(page.locator("#reported")).to_have_text(
        "Thank you. Your report was sent to the moderators; you will find their decision in your notifications.")
    item_id = report_item(site, post_id)
    assert item_id

    # At the hourly limit the form says so in words.
    for _ in range(19):
        assert httpx.post(site.url(f"/api/v1/posts/{post_id}/reports"), headers=_auth(token),
                          json={"reason": "spam"}).status_code == 201
    page.goto(site.url(f"/p/{post_id}/report"))
    page.get_by_label("Spam or scam").check()
    page.get_by_role("button", name="Send report").click()
    expect(page.locator(".form-error")).to_contain_text("You have sent 20 reports in the last hour")
    expect(page.get_by_label("Spam or scam")).to_be_checked()


def test_notifications_show_a_notice_and_viewing_clears_the_count(site: Site, page: Page) -> None:
    token = sign_up(site, "notice_reader")
    post_id = published(site, "Gull numbers double", "Counted on the breakwater this morning.")
    httpx.post(site.url(f"/api/v1/posts/{post_id}/reports"), headers=_auth(token),
               json={"reason": "other", "comment": "seems unlikely"})
    resolve(site, report_item(site, post_id), "dismiss", "The count was made by the bird society.")
    sign_in_by_form(page, site, "notice_reader")
    count = page.locator("header .notifications-link .count")
    expect(count).to_have_text("1")
    page.get_by_role("link", name="Notifications").click()
    notice = page.locator(".notice-item").first
    expect(notice).to_contain_text('Your report about "Gull numbers double" was reviewed: the post was left as it is')
    expect(notice).to_contain_text("The count was made by the bird society.")
    expect(notice.locator(".new")).to_have_text("New")
    expect(count).to_have_count(0)
    notice.get_by_role("link", name="Open the post").click()
    expect(page).to_have_url(site.url(f"/p/{post_id}"))
    expect(count).to_have_count(0)
    assert httpx.get(site.url("/api/v1/notifications"), headers=_auth(token)).json()["unread"] == 0


def test_a_correction_is_shown_above_the_text(site: Site, page: Page) -> None:
    token = sign_up(site, "rumour_reader")
    reader_token = sign_up(site, "page_reader")
    post_id = published(site, "Harbour to be filled in", "The council will fill in the inner harbour next year.")
    sign_in_by_form(page, site, "page_reader")
    page.goto(site.url(f"/p/{post_id}"))  # a signed-in reader is recorded, so the correction reaches them
    expect(page.locator("aside.correction")).to_have_count(0)
    httpx.post(site.url(f"/api/v1/posts/{post_id}/reports"), headers=_auth(token), json={"reason": "rumour"})
    resolve(site, report_item(site, post_id), "refute", "The council has no such plan; the harbour stays.")
    page.goto(site.url(f"/p/{post_id}"))
    correction = page.locator("article.post aside.correction")
    expect(correction).to_contain_text("The council has no such plan; the harbour stays.")
    body = page.locator("article.post .body")
    expect(body).to_contain_text("The council will fill in the inner harbour next year.")
    assert correction.evaluate("(c, body) => !!(c.compareDocumentPosition(body) & Node.DOCUMENT_POSITION_FOLLOWING)",
                               body.element_handle())
    expect(page.locator(".labels-explained")).to_contain_text("refuted rumour")
    expect(page.locator(".labels-explained")).to_contain_text("the correction is shown above the text")
    notices = httpx.get(site.url("/api/v1/notifications"), headers=_auth(reader_token)).json()["items"]
    assert [n["payload"]["text"] for n in notices if n["kind"] == "correction"] == [
        "The council has no such plan; the harbour stays."]


def _every_page(site: Site, post_id: str) -> list[str]:
    return ["/", "/feed", "/channels", "/c/harbour_times", "/c/jiangnan_daily", f"/p/{post_id}",
            f"/p/{post_id}/report", "/notifications"]


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_every_reader_page_is_accessible(site: Site, new_context: Callable[..., BrowserContext], locale: str) -> None:
    handle = f"axe_reader_{locale[:2]}"
    token = sign_up(site, handle)
    httpx.post(site.url("/api/v1/channels/harbour_times/subscription"), headers=_auth(token))
    original = published(site, f"Pier repairs begin ({locale})", "Work starts on the south pier on Monday.")
    reprint = httpx.post(site.url("/api/v1/channels/jiangnan_daily/posts"), headers=_auth(site.token("jiangnan_ed")),
                         json={"title": f"Pier repairs begin (reprint, {locale})",
                               "body": "Work starts on the south pier on Monday.", "reprint_of": original})
    assert reprint.status_code == 202
    httpx.get(site.url(f"/api/v1/posts/{original}"), headers=_auth(token))  # read: corrections reach the reader
    httpx.post(site.url(f"/api/v1/posts/{original}/reports"), headers=_auth(token), json={"reason": "rumour"})
    resolve(site, report_item(site, original), "refute", "Repairs start in spring, not on Monday.")
    site.wait_for_pipeline()

    page = new_context(locale=locale).new_page()
    sign_in_by_form(page, site, handle)
    for path in _every_page(site, original):
        response = page.goto(site.url(path))
        assert response is not None and response.status == 200, path
        assert_accessible(page)
    assert page.locator("html").get_attribute("lang") == ("zh-Hans" if locale == "zh-CN" else "en")
    if locale == "zh-CN":
        page.goto(site.url(f"/p/{original}"))
        expect(page.locator("aside.correction h2")).to_have_text("更正")
        expect(page.get_by_role("link", name="举报这篇文章")).to_be_visible()


def test_a_post_page_on_a_phone(site: Site, new_context: Callable[..., BrowserContext]) -> None:
    sign_up(site, "phone_reader")
    post_id = published(site, "Storm warning for the weekend", "Secure boats and keep off the sea wall.")
    page = new_context(locale="zh-CN", viewport=PHONE).new_page()
    sign_in_by_form(page, site, "phone_reader")
    for path in (f"/p/{post_id}", "/c/harbour_times", "/feed"):
        page.goto(site.url(path))
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        assert_accessible(page)
