"""The publisher in the browser: create a channel, compose, preview, dry run and publish (a subscriber sees it
arrive live); apply for a credential with a PDF; a held political article seen and appealed by its author.
axe over every page, in English and Chinese, and at phone size."""
from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.web.conftest import PASSWORD, PHONE, Site, assert_accessible, sign_in

pytestmark = pytest.mark.browser

RECIPE_TITLE = "Tomato and egg stir fry"
RECIPE = ("Beat three eggs with a pinch of salt. Fry them softly and set aside.\n\n"
          "Fry two chopped **tomatoes** until they release their juice, add a little sugar, return the eggs and stir "
          "for a minute.\n\n<script>window.injected = true</script>")
POLITICS_TITLE = "全国人大常委会审议通过选举法修正案"
POLITICS = ("十三届全国人大常委会第二十次会议今天在北京闭幕。会议表决通过了关于修改选举法的决定，国家主席签署主席令予以公布。"
            "委员长在闭幕会上讲话指出，要坚持党的领导、人民当家作主、依法治国有机统一。")
SMALL_PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
             b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def sign_up(page: Page, site: Site, handle: str) -> None:
    page.goto(site.url("/signup"))
    page.locator("#f-handle").fill(handle)
    page.locator("#f-display_name").fill(handle.title())
    page.locator("#f-password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header .who")).to_have_text(f"@{handle}")


def create_channel(page: Page, site: Site, handle: str, name: str) -> None:
    page.goto(site.url("/write"))
    page.get_by_role("link", name="Create a channel").click()
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Description").fill("Recipes and notes from the kitchen.")
    page.get_by_role("button", name="Create channel").click()
    expect(page.locator("h1")).to_contain_text(f"Write in {name}")


def test_create_compose_preview_dry_run_publish_and_a_subscriber_sees_it_live(
        site: Site, page: Page, new_context: Callable[..., BrowserContext]) -> None:
    sign_up(page, site, "pub_cook")
    page.goto(site.url("/write"))
    expect(page.get_by_text("You do not own or write for any channel yet.")).to_be_visible()
    assert_accessible(page)

    page.goto(site.url("/channels/new"))
    page.get_by_label("Handle").fill("Bad Handle")
    page.get_by_label("Name").fill("Kitchen")
    page.get_by_role("button", name="Create channel").click()
    expect(page.locator("#e-handle")).to_have_text(
        "A handle is 3 to 30 characters: lowercase letters, digits or underscore.")
    page.get_by_label("Handle").fill("channels")
    page.get_by_role("button", name="Create channel").click()
    expect(page.locator("#e-handle")).to_have_text("This handle is reserved. Choose another.")
    page.get_by_label("Handle").fill("harbour_times")
    page.get_by_role("button", name="Create channel").click()
    expect(page.locator("#e-handle")).to_have_text("This handle is taken. Choose another.")
    expect(page.get_by_label("Name")).to_have_value("Kitchen")
    assert_accessible(page)
    create_channel(page, site, "pub_kitchen", "Pub Kitchen")

    # A subscriber has the channel page open before anything is published.
    reader_token = httpx.post(site.url("/api/v1/accounts"), json={
        "handle": "pub_taster", "password": PASSWORD, "display_name": "Taster"}).json()["token"]
    subscribed = httpx.post(site.url("/api/v1/channels/pub_kitchen/subscription"),
                            headers={"Authorization": f"Bearer {reader_token}"})
    assert subscribed.status_code == 200
    reader = new_context().new_page()
    sign_in(reader, site, "pub_taster", PASSWORD)
    reader.goto(site.url("/c/pub_kitchen"))
    expect(reader.locator("[data-live-channels]")).to_be_visible()

    page.get_by_role("button", name="Dry run").click()
    expect(page.locator("#e-title")).to_have_text("Fill in this field.")
    expect(page.locator("#e-body")).to_have_text("Fill in this field.")
    expect(page.get_by_label("Title")).to_be_focused()
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#e-title")).to_have_text("Fill in this field.")
    page.get_by_label("Title").fill(RECIPE_TITLE)
    page.get_by_label("Body").fill(RECIPE)
    page.get_by_label("This is my channel's original work").check()
    page.get_by_label("Reprint rights (for original work)").select_option("deny")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".preview .body")
    expect(preview.locator("strong")).to_have_text("tomatoes")
    assert preview.locator("script").count() == 0
    expect(page.get_by_label("Body")).to_have_value(RECIPE)
    page.get_by_role("button", name="Dry run").click()
    dry_run = page.locator(".dry-run")
    expect(dry_run.locator(".verdict strong")).to_have_text("Publish")
    expect(dry_run).to_contain_text("No rule applies: the post would be published as it is.")
    expect(dry_run.locator("table.scores tbody tr")).to_have_count(7)
    expect(page.locator("#dry-run-title")).to_be_focused()
    expect(page.get_by_label("This is my channel's original work")).to_be_checked()
    assert_accessible(page)
    # Nothing was published by the preview or the dry run.
    assert httpx.get(site.url("/api/v1/channels/pub_kitchen/posts")).json()["items"] == []

    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#status .state")).to_have_text("Published")
    assert_accessible(page)
    expect(reader.locator(".timeline .post-item h2")).to_have_text(RECIPE_TITLE)
    assert reader.evaluate("window.injected") is None

    page.get_by_role("link", name="My posts").first.click()
    item = page.locator(".my-post").first
    expect(item.locator("h2")).to_have_text(RECIPE_TITLE)
    expect(item.locator(".state")).to_have_text("Published")
    assert_accessible(page)
    item.get_by_role("link", name="Decision and reasons").click()
    expect(page.locator(".verdict strong")).to_have_text("Publish")
    expect(page.locator("#appeal")).to_contain_text("This post is not restricted; there is nothing to appeal.")
    assert_accessible(page)


def test_the_composer_works_without_javascript(site: Site, new_context: Callable[..., BrowserContext]) -> None:
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, site, "reader")
    page.goto(site.url("/c/garden_notes/write"))
    page.get_by_label("Title").fill("Winter pruning")
    page.get_by_label("Body").fill("Prune *roses* in late winter.")
    page.get_by_role("button", name="Dry run").click()
    expect(page.locator(".dry-run .verdict strong")).to_have_text("Publish")
    expect(page.locator(".preview .body em")).to_have_text("roses")
    page.get_by_text("Reprint of another post").click()
    page.get_by_label("Source address").fill("not a web address")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#e-source_url")).to_have_text("Enter a full web address starting with http:// or https://.")
    page.get_by_label("Source address").fill("https://example.org/pruning")
    page.get_by_label("Reprint rights (for original work)").select_option("deny")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#e-rights")).to_have_text("Reprint rights belong to posts declared original.")
    expect(page.get_by_label("Reprint rights (for original work)")).to_have_value("deny")


def test_apply_for_news_publish_with_a_pdf(site: Site, new_context: Callable[..., BrowserContext],
                                           tmp_path_factory: pytest.TempPathFactory) -> None:
    page = new_context().new_page()
    sign_up(page, site, "pub_editor")
    create_channel(page, site, "pub_gazette", "Pub Gazette")
    page.goto(site.url("/write"))
    page.get_by_role("link", name="Credentials").click()
    expect(page.locator("h1")).to_contain_text("Credentials for Pub Gazette")
    assert_accessible(page)
    folder = tmp_path_factory.mktemp("evidence")
    fake = folder / "licence.pdf"
    fake.write_bytes(b"GIF89a not really a pdf")
    page.get_by_role("button", name="Send application").click()
    expect(page.locator("#e-scopes")).to_have_text("Choose at least one credential.")
    expect(page.locator("#e-organisation")).to_have_text("Fill in this field.")
    page.get_by_label("news.publish").check()
    page.get_by_label("Organisation").fill("Pub Gazette Ltd")
    page.get_by_label("Registration number").fill("NEWS-2026-0042")
    page.get_by_label("Editorial contact").fill("Desk, desk@gazette.example")
    page.get_by_label("Evidence file").set_input_files(str(fake))
    page.get_by_role("button", name="Send application").click()
    expect(page.locator("#e-file")).to_have_text("Evidence files must be PDF, PNG or JPEG.")
    expect(page.get_by_label("Organisation")).to_have_value("Pub Gazette Ltd")
    assert page.locator(".application").count() == 0
    licence = folder / "licence-real.pdf"
    licence.write_bytes(SMALL_PDF)
    page.get_by_label("Evidence file").set_input_files(str(licence))
    page.get_by_role("button", name="Send application").click()
    application = page.locator(".application").first
    expect(application.locator(".state")).to_have_text("Submitted, waiting for a verifier")
    expect(application).to_contain_text("licence-real.pdf")
    expect(application.locator(".history li")).to_contain_text("Submitted · @pub_editor")
    assert_accessible(page)
    token = site.token("pub_editor", PASSWORD)
    listed = httpx.get(site.url("/api/v1/channels/pub_gazette/credential-applications"),
                       headers={"Authorization": f"Bearer {token}"}).json()["items"]
    assert [(a["scopes"], a["state"]) for a in listed] == [(["news.publish"], "submitted")]
    # A second application for the same scope while one is open is refused in words.
    page.get_by_label("news.publish").check()
    page.get_by_label("Organisation").fill("Pub Gazette Ltd")
    page.get_by_label("Registration number").fill("NEWS-2026-0042")
    page.get_by_label("Editorial contact").fill("Desk")
    page.get_by_role("button", name="Send application").click()
    expect(page.locator(".form-error")).to_have_text("An application for this credential is still open.")


def test_a_held_political_article_its_reasons_and_an_appeal_in_chinese(
        site: Site, new_context: Callable[..., BrowserContext]) -> None:
    page = new_context(locale="zh-CN").new_page()
    sign_up(page, site, "pub_citizen")
    page.goto(site.url("/channels/new"))
    page.get_by_label("账号名").fill("pub_citizen_news")
    page.get_by_label("名称").fill("市民新闻")
    page.get_by_role("button", name="创建频道").click()
    expect(page.locator("h1")).to_contain_text("市民新闻")
    page.get_by_label("标题").fill(POLITICS_TITLE)
    page.get_by_label("正文").fill(POLITICS)
    page.get_by_role("button", name="试运行").click()
    dry_run = page.locator(".dry-run")
    expect(dry_run.locator(".verdict strong")).to_have_text("暂缓发布，等待人工审核")
    expect(dry_run).to_contain_text("political-news-needs-credential")
    expect(dry_run).to_contain_text("news.publish")
    expect(dry_run.get_by_role("link", name="为本频道申请资质")).to_have_attribute(
        "href", "/c/pub_citizen_news/credentials")
    assert_accessible(page)
    page.get_by_role("button", name="发布").click()
    expect(page.locator("#status .state")).to_have_text("待人工审核")
    assert_accessible(page)

    page.goto(site.url("/me/posts"))
    item = page.locator(".my-post").first
    expect(item.locator(".state")).to_have_text("待人工审核")
    assert_accessible(page)
    item.get_by_role("link", name="决定与理由").click()
    expect(page.locator(".verdict strong")).to_have_text("暂缓发布，等待人工审核")
    expect(page.locator("blockquote.explanation")).to_contain_text("news.publish")
    expect(page.locator("table.scores")).to_contain_text("时政新闻")
    expect(page.locator("ul.trace")).to_contain_text("political-news-needs-credential")
    assert_accessible(page)
    page.get_by_role("button", name="提交申诉").click()
    expect(page.locator("#e-text")).to_have_text("请填写此项。")
    page.get_by_label("为什么这个决定有误").fill("这是本地人大代表转发的会议公告，不是新闻报道。")
    page.get_by_role("button", name="提交申诉").click()
    expect(page.locator("#appeal .state")).to_have_text("处理中：等待审核员处理")
    expect(page.locator("#appeal blockquote")).to_contain_text("会议公告")
    expect(page.get_by_role("button", name="提交申诉")).to_have_count(0)
    assert_accessible(page)

    # Nobody outside the channel sees a held post's decision.
    other = new_context().new_page()
    other.goto(page.url)
    expect(other.locator("h1")).to_have_text("Not found")


def test_publisher_pages_at_phone_size(site: Site, new_context: Callable[..., BrowserContext]) -> None:
    page = new_context(viewport=PHONE, locale="zh-CN").new_page()
    page.goto(site.url("/login"))
    page.get_by_label("账号名").fill("jiangnan_ed")
    page.get_by_label("密码").fill("masthead-demo")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("header .who")).to_have_text("@jiangnan_ed")
    for path in ("/write", "/c/jiangnan_daily/write", "/me/posts", "/c/jiangnan_daily/credentials", "/channels/new"):
        page.goto(site.url(path))
        expect(page.locator("h1")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        assert_accessible(page)
    page.goto(site.url("/c/jiangnan_daily/credentials"))
    expect(page.locator("fieldset")).to_contain_text("可发布时政和社会新闻")
    page.goto(site.url("/me/posts"))
    page.get_by_role("link", name="决定与理由").first.click()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
