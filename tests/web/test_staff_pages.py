"""Staff in the browser: a verifier grants a credential and the badge appears; moderators decide a held post's
appeal (the first reviewer is refused in words); a moderator refutes a reported post and the correction reaches
an undeclared copy; the queue by keyboard; axe over every staff page, in English and Chinese, on a phone."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from masthead.domain.accounts import Role
from tests.web.conftest import PASSWORD, PHONE, Site, assert_accessible

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" \
      b"trailer<</Root 1 0 R>>\n%%EOF\n"
EVIDENCE = {"organisation": "Lakeside Press Ltd", "registration_number": "LK-2019-31",
            "contact": "desk@lakeside.example", "statement": "Licensed news publisher since 2019."}
POLITICAL = ("Parliament passes election law amid opposition protest",
             "The parliament voted on the election law today. The ruling party and the opposition clashed over "
             "the new electoral districts, and the prime minister promised a referendum. Government officials said "
             "the vote count would be published by the election commission.")
RUMOUR = ("Garlic in your shoes cures the common cold",
          "Doctors hate this trick: a clove of garlic in each shoe overnight cures a cold by morning. Thousands of "
          "families in the valley swear by it and say the fever is gone before breakfast, every single time.")


class Api:
    """The API as the people in these tests use it (their own clients, not the pages)."""

    def __init__(self, site: Site) -> None:
        self.site = site

    def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = httpx.request(method, self.site.url("/api/v1" + path), headers=headers, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    def person(self, handle: str) -> str:
        token: str = self.call("POST", "/accounts", json={"handle": handle, "password": PASSWORD,
                                                          "display_name": handle.title()})["token"]
        return token

    def channel(self, token: str, handle: str, name: str) -> None:
        self.call("POST", "/channels", token, json={"handle": handle, "name": name})

    def publish(self, token: str, channel: str, title: str, body: str) -> str:
        post_id: str = self.call("POST", f"/channels/{channel}/posts", token, json={"title": title, "body": body})["id"]
        self.site.wait_for_pipeline()
        return post_id


def sign_in_as(page: Page, site: Site, handle: str) -> None:
    """Sign in whatever the page's language (the fields are found by their ids, not their English labels)."""
    page.goto(site.url("/login"))
    page.locator("#f-handle").fill(handle)
    page.locator("#f-password").fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    expect(page.locator("header .who")).to_have_text(f"@{handle}")


def person_page(new_context: Callable[..., BrowserContext], site: Site, handle: str, **options: Any) -> Page:
    page = new_context(**options).new_page()
    sign_in_as(page, site, handle)
    return page


def test_verifier_grants_a_credential_and_the_badge_appears(site: Site,
                                                           new_context: Callable[..., BrowserContext]) -> None:
    api = Api(site)
    owner = api.person("lakeside_owner")
    api.channel(owner, "lakeside_post", "Lakeside Post")
    application = api.call("POST", "/channels/lakeside_post/credential-applications", owner,
                           json={"scopes": ["news.publish"], "evidence": EVIDENCE})
    upload = api.call("POST", f"/credential-applications/{application['id']}/files", owner,
                      files={"file": ("licence.pdf", PDF, "application/pdf")})
    site.make_account("verifier_vic", Role.VERIFIER)

    verifier = person_page(new_context, site, "verifier_vic")
    verifier.get_by_role("link", name="Verification").click()
    row = verifier.locator("tr", has_text="@lakeside_post")
    expect(row).to_contain_text("news.publish")
    expect(row).to_contain_text("Submitted")
    assert_accessible(verifier)
    row.get_by_role("link", name=f"Application {application['id']}").click()
    expect(verifier.locator("dl.facts")).to_contain_text("Lakeside Press Ltd")
    expect(verifier.get_by_role("link", name="licence.pdf")).to_be_visible()
    assert_accessible(verifier)

    file_url = f"/verify/applications/{application['id']}/files/{upload['id']}"
    streamed = verifier.request.get(site.url(file_url))
    assert streamed.status == 200 and streamed.body() == PDF
    assert streamed.headers["content-type"] == "application/pdf"
    assert streamed.headers["content-disposition"] == 'inline; filename="licence.pdf"'
    assert streamed.headers["x-content-type-options"] == "nosniff"
    owner_page = person_page(new_context, site, "lakeside_owner")  # the owner may see it too ...
    assert owner_page.request.get(site.url(file_url)).body() == PDF
    api.person("nosy_reader")
    nosy = person_page(new_context, site, "nosy_reader")  # ... nobody else
    assert nosy.request.get(site.url(file_url)).status == 404

    # Denying without a reason is refused beside the field.
    verifier.get_by_role("button", name="Deny").click()
    expect(verifier.locator("#e-reason")).to_have_text("Give a reason: it is sent to the people concerned.")
    assert_accessible(verifier)
    verifier.get_by_role("button", name="Start review").click()
    expect(verifier.locator(".notice.done")).to_have_text("Review started.")
    verifier.get_by_role("button", name="Grant news.publish").click()
    expect(verifier.locator(".notice.done")).to_have_text("Credential granted: the badge is now shown.")
    expect(verifier.locator(".state")).to_have_text("Granted")

    post_id = api.publish(owner, "lakeside_post", "Harbour ferry timetable changes",
                          "From Monday the ferry leaves every twenty minutes.")
    reader = new_context().new_page()
    reader.goto(site.url("/c/lakeside_post"))
    expect(reader.locator("main .badge").first).to_contain_text("news.publish")
    reader.goto(site.url("/"))
    expect(reader.locator(f'[data-post-id="{post_id}"] .badge')).to_contain_text("news.publish")
    reader.goto(site.url(f"/p/{post_id}"))
    expect(reader.locator("article.post .badge")).to_contain_text("news.publish")

    # Revoking needs a reason, then the badge shows as revoked.
    verifier.goto(site.url("/verify/channels/lakeside_post"))
    assert_accessible(verifier)
    verifier.get_by_role("button", name="Revoke").click()
    expect(verifier.locator(".field.has-error .error")).to_have_text("Fill in this field.")
    verifier.get_by_label("Reason for revoking news.publish").fill("The press licence was withdrawn.")
    verifier.get_by_role("button", name="Revoke").click()
    expect(verifier.locator(".notice.done")).to_have_text("Credential revoked; the owner has been told why.")
    expect(verifier.locator(".credentials h2")).to_contain_text("revoked")


def test_a_verifier_cannot_decide_for_their_own_channel(site: Site, page: Page) -> None:
    api = Api(site)
    token = site.make_account("verifier_own", Role.VERIFIER)
    api.channel(token, "own_gazette", "Own Gazette")
    application = api.call("POST", "/channels/own_gazette/credential-applications", token,
                           json={"scopes": ["news.publish"], "evidence": EVIDENCE})
    sign_in_as(page, site, "verifier_own")
    page.goto(site.url(f"/verify/applications/{application['id']}"))
    page.get_by_role("button", name="Grant news.publish").click()
    expect(page.locator(".form-error")).to_have_text(
        "You own or write for this channel, so someone else must decide this.")
    expect(page.locator("body")).not_to_contain_text("{")


def test_held_post_appeal_is_overturned_by_another_moderator(site: Site,
                                                            new_context: Callable[..., BrowserContext]) -> None:
    api = Api(site)
    author = api.person("fresh_civic")
    api.channel(author, "fresh_civic_news", "Fresh Civic News")
    subscriber = api.person("civic_subscriber")
    api.call("POST", "/channels/fresh_civic_news/subscription", subscriber)
    site.make_account("mod_ada", Role.MODERATOR)
    site.make_account("mod_ben", Role.MODERATOR)
    post_id = api.publish(author, "fresh_civic_news", *POLITICAL)
    assert api.call("GET", f"/posts/{post_id}", author)["state"] == "held"

    first = person_page(new_context, site, "mod_ada")
    first.goto(site.url("/moderation?kind=held"))
    row = first.locator(".queue-row", has_text=POLITICAL[0])
    expect(row).to_contain_text("@fresh_civic_news")
    assert_accessible(first)
    row.get_by_role("link", name=POLITICAL[0]).click()
    expect(first.locator("article.post .body")).to_contain_text("electoral districts")
    expect(first.locator("ol.trace")).to_contain_text("political-news-needs-credential")
    expect(first.locator("ol.trace")).to_contain_text("scores.political_news >= 0.8")
    assert_accessible(first)
    first.get_by_label("Reject").check()
    first.get_by_role("button", name="Decide", exact=True).click()
    expect(first.locator("#e-reason")).to_have_text("Give a reason: it is sent to the people concerned.")
    expect(first.get_by_label("Reject")).to_be_checked()
    assert_accessible(first)
    first.get_by_label("Reason", exact=True).fill("Political news needs the news.publish credential.")
    first.get_by_role("button", name="Decide", exact=True).click()
    expect(first.locator(".notice.done")).to_contain_text("decided: Reject.")

    decision_id = api.call("GET", f"/posts/{post_id}", author)["decision"]["id"]
    appeal = api.call("POST", f"/decisions/{decision_id}/appeals", author,
                      json={"text": "This is a factual report of a public vote, not opinion."})

    first.goto(site.url("/moderation?kind=appeal"))
    first.locator(".queue-row", has_text=POLITICAL[0]).get_by_role("link").click()
    expect(first.locator(".appeal-text")).to_have_text("This is a factual report of a public vote, not opinion.")
    expect(first.locator(".contested")).to_contain_text(f"decision {decision_id}")
    expect(first.locator("ol.history")).to_contain_text("@mod_ada")
    assert_accessible(first)
    first.get_by_label("Overturn the decision").check()
    first.get_by_label("Reason", exact=True).fill("I changed my mind.")
    first.get_by_role("button", name="Decide", exact=True).click()
    expect(first.locator(".form-error")).to_have_text(
        "You made the decision this appeal contests, so another moderator must decide the appeal.")
    expect(first.locator("body")).not_to_contain_text('"error"')

    second = person_page(new_context, site, "mod_ben", locale="zh-CN")
    second.goto(site.url(f"/moderation/items/{appeal['item_id']}"))
    expect(second.locator("h1")).to_contain_text("申诉")
    second.get_by_role("button", name="分配给我").click()
    expect(second.locator(".notice.done")).to_have_text(f"事项 {appeal['item_id']} 已分配给你。")
    expect(second.locator("main .meta").first).to_contain_text("已分配给 @mod_ben")
    assert_accessible(second)
    second.get_by_label("撤销原决定").check()
    second.get_by_label("理由", exact=True).fill("这是对公开投票的客观报道。")
    second.get_by_role("button", name="处理", exact=True).click()
    expect(second.locator(".notice.done")).to_contain_text("已处理：撤销原决定")

    reader = person_page(new_context, site, "civic_subscriber")
    reader.goto(site.url("/feed"))
    expect(reader.locator(f'[data-post-id="{post_id}"]')).to_contain_text(POLITICAL[0])


def test_reported_rumour_is_refuted_and_the_copy_shows_the_correction(
        site: Site, new_context: Callable[..., BrowserContext]) -> None:
    api = Api(site)
    origin = api.person("valley_owner")
    api.channel(origin, "valley_tips", "Valley Tips")
    copier = api.person("copy_owner")
    api.channel(copier, "copy_corner", "Copy Corner")
    reader_token = api.person("careful_reader")
    original = api.publish(origin, "valley_tips", *RUMOUR)
    copy = api.publish(copier, "copy_corner", RUMOUR[0] + "!", RUMOUR[1])
    assert api.call("GET", f"/posts/{copy}")["reprint_of"] == original  # undeclared, attributed by the index
    report = api.call("POST", f"/posts/{original}/reports", reader_token,
                      json={"reason": "rumour", "comment": "Garlic does not cure colds."})
    site.make_account("mod_cy", Role.MODERATOR)

    moderator = person_page(new_context, site, "mod_cy")
    moderator.goto(site.url("/moderation?kind=report"))
    expect(moderator.get_by_text("Keys: j and k move through the queue")).to_be_visible()
    # Keyboard only: j to the first row, t takes it, Enter opens it.
    row = moderator.locator(f"#item-{report['item_id']}")
    for _ in range(moderator.locator(".queue-row").count()):
        moderator.keyboard.press("j")
        if row.evaluate("row => row.contains(document.activeElement)"):
            break
    moderator.keyboard.press("t")
    expect(moderator.locator(".notice.done")).to_have_text(f"Item {report['item_id']} is now assigned to you.")
    expect(row).to_contain_text("assigned to @mod_cy")
    expect(row.locator("a.open")).to_be_focused()
    moderator.keyboard.press("Enter")
    expect(moderator).to_have_url(re.compile(f"/moderation/items/{report['item_id']}$"))
    expect(moderator.locator("ul.reports")).to_contain_text("Garlic does not cure colds.")
    expect(moderator.locator("#h-copies + ul")).to_contain_text("copy_corner")
    assert_accessible(moderator)
    moderator.get_by_label("Refute with a correction").check()
    moderator.get_by_label("Link to the correction's source (with Refute, optional)").fill("javascript:alert(1)")
    moderator.get_by_label("Reason", exact=True).fill("Garlic does not cure colds; rest and fluids help.")
    moderator.get_by_role("button", name="Decide", exact=True).click()
    expect(moderator.locator("#e-link")).to_have_text("Enter a web address starting with https:// or http://.")
    moderator.get_by_label("Link to the correction's source (with Refute, optional)").fill("https://health.example/colds")
    moderator.get_by_role("button", name="Decide", exact=True).click()
    expect(moderator.locator(".notice.done")).to_contain_text("decided: Refute with a correction.")

    reader = person_page(new_context, site, "careful_reader", viewport=PHONE)
    for post_id in (original, copy):
        reader.goto(site.url(f"/p/{post_id}"))
        correction = reader.locator(".notice.correction")
        expect(correction).to_contain_text("Garlic does not cure colds; rest and fluids help.")
        expect(correction.get_by_role("link", name="Read the source of the correction")).to_have_attribute(
            "href", "https://health.example/colds")
        expect(reader.locator("article.post .label")).to_contain_text("refuted rumour")
        assert_accessible(reader)
    expect(reader.locator(".notice.correction")).to_contain_text("This post is a copy of a post that was corrected.")


def test_staff_pages_in_chinese_on_a_phone_with_the_keyboard(site: Site,
                                                            new_context: Callable[..., BrowserContext]) -> None:
    site.make_account("mod_zh", Role.MODERATOR)
    site.make_account("verifier_zh", Role.VERIFIER)
    api = Api(site)
    owner = api.person("phone_owner")
    api.channel(owner, "phone_daily", "Phone Daily")
    application = api.call("POST", "/channels/phone_daily/credential-applications", owner,
                           json={"scopes": ["news.publish"], "evidence": EVIDENCE})
    moderator = person_page(new_context, site, "mod_zh", locale="zh-CN", viewport=PHONE)
    moderator.goto(site.url("/moderation"))
    expect(moderator.locator("h1")).to_have_text("审核队列")
    expect(moderator.get_by_text("快捷键")).to_be_visible()
    assert_accessible(moderator)
    # Tab and Enter alone reach and open an item.
    link = moderator.locator(".queue-row a.open").first
    for _ in range(60):
        moderator.keyboard.press("Tab")
        if link.evaluate("element => element === document.activeElement"):
            break
    expect(link).to_be_focused()
    moderator.keyboard.press("Enter")
    expect(moderator).to_have_url(re.compile(r"/moderation/items/\d+$"))
    assert_accessible(moderator)

    verifier = person_page(new_context, site, "verifier_zh", locale="zh-CN", viewport=PHONE)
    for path in ("/verify", f"/verify/applications/{application['id']}", "/verify/channels/phone_daily",
                 "/verify/channels/harbour_times"):
        verifier.goto(site.url(path))
        expect(verifier.locator("html")).to_have_attribute("lang", "zh-Hans")
        assert_accessible(verifier)
    verifier.goto(site.url("/verify"))
    expect(verifier.locator("h1")).to_have_text("资质申请")


def test_staff_pages_refuse_readers_in_words(site: Site, page: Page) -> None:
    Api(site).person("curious_member")
    sign_in_as(page, site, "curious_member")
    for path in ("/moderation", "/moderation/items/1", "/verify"):
        response = page.goto(site.url(path))
        assert response is not None and response.status == 403
        expect(page.locator("h1")).to_have_text("Not allowed")
    page.goto(site.url("/moderation/items/nope"))
    expect(page.locator("h1")).to_have_text("Not found")
    signed_out = httpx.get(site.url("/moderation"), follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/login?next=")
