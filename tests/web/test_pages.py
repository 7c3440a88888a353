"""The pages in a real browser: Playwright driving Debian's Chromium against a live server with demo data."""
from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import Page, expect

from masthead.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


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
    badge = page.locator("section.channel-head .badge-card")
    expect(badge.locator(".badge")).to_have_text("news.publish")
    expect(badge.locator(".state")).to_have_text("valid")
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


def test_a_channel_page_links_its_ledger_and_its_owner_to_writing_and_credentials(server: str, page: Page) -> None:
    page.goto(server + "/c/garden_notes")
    expect(page.get_by_role("link", name="Public ledger")).to_have_attribute("href", "/c/garden_notes/ledger")
    expect(page.get_by_role("link", name="Write a post")).to_have_count(0)
    page.goto(server + "/login?next=%2Fc%2Fgarden_notes")
    page.get_by_label("Handle").fill("reader")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Write a post").click()
    expect(page).to_have_url(server + "/c/garden_notes/write")
    page.goto(server + "/c/garden_notes")
    page.get_by_role("link", name="Credential applications").click()
    expect(page).to_have_url(server + "/c/garden_notes/credentials")
