"""Accounts in the browser: sign up, sign out, sign in; field errors in words; CSRF; Chinese; phone; axe."""
from __future__ import annotations

import hashlib
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.web.conftest import PHONE, Site, assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_sign_up_then_sign_out_and_in_again(site: Site, page: Page) -> None:
    page.goto(site.url("/"))
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Handle").fill("new_reader")
    page.get_by_label("Display name").fill("New Reader")
    page.get_by_label("Password").fill("a long enough password")
    assert_accessible(page)
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("header .who")).to_have_text("@new_reader")
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["masthead_session"]
    assert session["httpOnly"] and session["sameSite"] == "Lax"
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    # The ended session's token no longer works anywhere.
    me = httpx.get(site.url("/api/v1/accounts/me"), headers={"Authorization": f"Bearer {session['value']}"})
    assert me.status_code == 401
    sign_in(page, site, "new_reader", "a long enough password")


def test_bad_sign_up_shows_each_problem_beside_its_field(site: Site, page: Page) -> None:
    page.goto(site.url("/signup"))
    page.get_by_label("Handle").fill("Bad Handle!")
    page.get_by_label("Display name").fill("Someone")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#e-handle")).to_have_text(
        "A handle is 3 to 30 characters: lowercase letters, digits or underscore.")
    expect(page.locator("#e-password")).to_have_text("The password must be at least 8 characters.")
    expect(page.get_by_label("Handle")).to_have_value("Bad Handle!")
    expect(page.get_by_label("Handle")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    page.get_by_label("Handle").fill("reader")
    page.get_by_label("Password").fill("long enough now")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#e-handle")).to_have_text("This handle is taken. Choose another.")


def test_wrong_password_is_said_plainly(site: Site, page: Page) -> None:
    page.goto(site.url("/login"))
    page.get_by_label("Handle").fill("reader")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".form-error")).to_have_text("The handle or password is wrong.")


def test_a_form_posted_without_its_csrf_token_is_refused(site: Site, page: Page) -> None:
    sign_in(page, site, "reader")
    page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("section.error")).to_contain_text("This form has expired or came from another site.")
    # Still signed in: the forged sign-out did nothing.
    page.goto(site.url("/"))
    expect(page.locator("header .who")).to_have_text("@reader")
    forged = httpx.post(site.url("/logout"), cookies={"masthead_session": "x", "masthead_csrf": "a"},
                        data={"csrf_token": "b"})
    assert forged.status_code == 403


def test_chinese_from_accept_language_and_the_switch_kept_in_a_cookie(
        site: Site, new_context: Callable[..., BrowserContext]) -> None:
    page = new_context(locale="zh-CN", viewport=PHONE).new_page()
    page.goto(site.url("/login"))
    expect(page.locator("h1")).to_have_text("登录")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.get_by_label("账号名").fill("reader")
    page.get_by_label("密码").fill("wrong password")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".form-error")).to_have_text("账号名或密码错误。")
    assert_accessible(page)
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Sign in")
    page.goto(site.url("/signup"))
    expect(page.locator("h1")).to_have_text("Create an account")


def test_sign_in_returns_to_the_page_asked_for_and_never_elsewhere(site: Site, page: Page) -> None:
    page.goto(site.url("/login?next=%2Fc%2Fgarden_notes"))
    page.get_by_label("Handle").fill("reader")
    page.get_by_label("Password").fill("masthead-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(site.url("/c/garden_notes"))
    page.goto(site.url("/login?next=https%3A%2F%2Fevil.example%2F"))
    page.get_by_label("Handle").fill("reader")
    page.get_by_label("Password").fill("masthead-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(site.url("/"))


def test_a_session_on_a_lost_device_is_ended_from_the_settings_page(
        site: Site, new_context: Callable[..., BrowserContext]) -> None:
    site.make_account("two_devices")
    laptop = new_context().new_page()
    phone = new_context(viewport=PHONE).new_page()
    for device in (laptop, phone):
        sign_in(device, site, "two_devices", "correct horse battery")
    laptop.get_by_role("link", name="@two_devices").click()
    rows = laptop.locator("tbody tr")
    expect(rows).to_have_count(3)  # the account's first token, the phone and this laptop
    assert_accessible(laptop)
    phone_token = next(c["value"] for c in phone.context.cookies() if c["name"] == "masthead_session")
    phone_session = hashlib.sha256(phone_token.encode()).hexdigest()[:16]
    rows.filter(has_text=phone_session).get_by_role("button", name="End").click()
    expect(laptop.locator(".notice")).to_have_text("The session has ended.")
    expect(laptop.locator("tbody tr")).to_have_count(2)
    phone.reload()
    expect(phone.get_by_role("link", name="Sign in")).to_be_visible()
    laptop.get_by_role("button", name="Sign out here").click()
    expect(laptop.get_by_role("link", name="Sign in")).to_be_visible()
