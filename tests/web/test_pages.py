"""The pages in a real browser: Playwright driving Debian's Chromium against a live server with demo data."""
from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from masthead.api.app import create_app
from masthead.context import Context
from masthead.demo import DEMO_PASSWORD, load_demo
from masthead.settings import Settings
from masthead.store.migrate import run_migrations
from tests.conftest import FAST_HASHER, service_unavailable
from tests.live_server import serving

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("web") / "masthead.db"
    settings = Settings(database_url=f"sqlite+aiosqlite:///{database}", pipeline_poll_seconds=0.05)
    run_migrations(settings.database_url)
    ctx = Context.create(settings, hasher=FAST_HASHER)

    async def demo() -> None:
        await load_demo(ctx)
        await ctx.db.dispose()
    asyncio.run(demo())
    with serving(create_app(ctx)) as base:
        deadline = time.monotonic() + 20
        while httpx.get(f"{base}/healthz").json()["pipeline_backlog"] and time.monotonic() < deadline:
            time.sleep(0.05)
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        service_unavailable(f"Chromium is not installed at {CHROMIUM} (make test installs Debian's chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_front_page_to_channel_to_post(server: str, page: Page) -> None:
    page.goto(server + "/")
    expect(page.locator("section.channels")).to_contain_text("江南日报")
    expect(page.locator("section.timeline")).to_contain_text("Ferry timetable changes from Monday")
    ferry = page.locator("article.post-item", has_text="Ferry timetable changes from Monday")
    expect(ferry.locator(".badge")).to_have_text("news.publish")
    expect(page.locator("article.post-item", has_text="Basil on a north-facing balcony").locator(".badge")).to_have_count(0)
    page.get_by_role("link", name="江南日报").click()
    expect(page).to_have_url(server + "/c/jiangnan_daily")
    expect(page.locator("h1")).to_have_text("江南日报")
    expect(page.locator(".subscribers")).to_have_text("1 subscriber")
    expect(page.locator("section.channel-head .badge")).to_contain_text("news.publish · valid")
    page.get_by_role("link", name="古镇石桥修缮完工").click()
    expect(page.locator("article.post h1")).to_have_text("古镇石桥修缮完工")
    expect(page.locator("article.post .body strong")).to_have_text("明代")
    assert page.locator("article.post").get_attribute("lang") == "zh"


def test_a_new_post_appears_once_the_pipeline_has_decided_it(server: str, page: Page) -> None:
    token = httpx.post(f"{server}/api/v1/sessions", json={"handle": "harbour_ed", "password": DEMO_PASSWORD}).json()["token"]
    response = httpx.post(f"{server}/api/v1/channels/harbour_times/posts", headers={"Authorization": f"Bearer {token}"},
                          json={"title": "Lighthouse open day", "body": "Tours every hour, <b>free</b>.<script>alert(1)</script>"})
    assert response.status_code == 202
    post_id = response.json()["id"]
    page.goto(server + "/c/harbour_times")
    for _ in range(50):
        if page.locator(f'[data-post-id="{post_id}"]').count():
            break
        time.sleep(0.1)
        page.reload()
    page.locator(f'[data-post-id="{post_id}"] a').first.click()
    expect(page.locator("article.post .body b")).to_have_text("free")
    assert page.locator("article.post script").count() == 0


def test_unknown_channel_page_explains_itself(server: str, page: Page) -> None:
    response = page.goto(server + "/c/no_such_channel")
    assert response is not None and response.status == 404
    expect(page.locator("section.error")).to_contain_text("no channel is called 'no_such_channel'")


def test_an_open_channel_page_shows_new_posts_without_reloading(server: str, page: Page) -> None:
    page.goto(server + "/c/harbour_times")
    page.wait_for_timeout(300)  # the page's EventSource connects
    token = httpx.post(f"{server}/api/v1/sessions", json={"handle": "harbour_ed", "password": DEMO_PASSWORD}).json()["token"]
    response = httpx.post(f"{server}/api/v1/channels/harbour_times/posts", headers={"Authorization": f"Bearer {token}"},
                          json={"title": "Tide tables for December", "body": "High water at 06:12."})
    post_id = response.json()["id"]
    live_item = page.locator(f'article.live[data-post-id="{post_id}"]')
    expect(live_item).to_contain_text("Tide tables for December", timeout=10_000)
    expect(live_item.locator(".badge")).to_have_text("news.publish")
    live_item.get_by_role("link", name="Tide tables for December").click()
    expect(page.locator("article.post .body")).to_contain_text("High water at 06:12.")
