"""Private messages in real browsers: two people talk live, a third cannot read, the server's database and logs
hold no plaintext, the Python client and the browser read each other, and a re-keyed device is noticed."""
from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from masthead.domain.accounts import Role
from masthead.messaging.client import DeviceKeys, MessagingClient
from tests.web.conftest import PASSWORD, PHONE, Site, assert_accessible

pytestmark = pytest.mark.browser

T = TypeVar("T")
SENTENCES = ["The blue heron lands at noon by the old mill", "Bring the second ledger, not the first one",
             "河边的老磨坊下午三点见"]


class CapturedLogs(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def server_logs() -> Iterator[CapturedLogs]:
    """Everything the server logs meanwhile, SQL statements with their parameters included."""
    captured = CapturedLogs()
    loggers = [logging.getLogger(name) for name in ("", "masthead", "uvicorn", "uvicorn.access", "sqlalchemy.engine")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(captured)
    yield captured
    logging.getLogger().removeHandler(captured)
    for logger, level in zip(loggers, levels):
        logger.setLevel(level)


def _off_loop(work: Callable[..., T], *args: Any) -> T:
    """Run `work` in a thread of its own: Playwright's sync API keeps an event loop running in this one, so
    asyncio.run (the Python client, Site.make_account) cannot run here."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work, *args).result()


def _account(site: Site, handle: str, *roles: Role) -> str:
    return _off_loop(site.make_account, handle, *roles)


def _database_bytes(site: Site) -> bytes:
    path = Path(site.settings.database_url.split("///", 1)[1])
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def _person(new_context: Callable[..., BrowserContext], site: Site, handle: str, **options: object) -> Page:
    page = new_context(**options).new_page()
    page.goto(site.url("/login"))
    page.locator("#f-handle").fill(handle)  # by id: the labels are in the context's language
    page.locator("#f-password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page.locator("header .who")).to_have_text(f"@{handle}")
    page.goto(site.url("/messages"))
    expect(page.locator("#device-status")).to_have_text(re.compile("keys are ready|密钥已就绪"))
    return page


def _start(page: Page, site: Site, handles: str) -> str:
    page.goto(site.url("/messages"))
    page.get_by_label("Who").fill(handles)
    page.get_by_role("button", name="Start").click()
    expect(page).to_have_url(re.compile(r"/messages/\d+$"))
    return page.url.rsplit("/", 1)[1]


def _send(page: Page, text: str) -> None:
    page.locator("#compose").fill(text)
    page.get_by_role("button", name=re.compile("^(Send|发送)$")).click()
    expect(page.locator(".message.mine .text", has_text=text)).to_be_visible()


def test_two_people_talk_live_a_third_cannot_read_and_the_server_keeps_no_plaintext(
        site: Site, new_context: Callable[..., BrowserContext], server_logs: CapturedLogs) -> None:
    for handle in ("dm_alice", "dm_bob", "dm_carol"):
        _account(site, handle)
    alice = _person(new_context, site, "dm_alice")
    bob = _person(new_context, site, "dm_bob", locale="zh-CN", viewport=PHONE)
    carol = _person(new_context, site, "dm_carol")

    conversation = _start(alice, site, "dm_bob")
    expect(alice.locator("#message-status")).to_have_text("No messages yet. Say hello.")
    assert_accessible(alice)
    _send(alice, SENTENCES[0])

    bob.goto(site.url("/messages"))
    bob.get_by_role("link", name="1 条消息请求").click()
    assert_accessible(bob)
    bob.get_by_role("button", name="接受").click()
    expect(bob).to_have_url(site.url(f"/messages/{conversation}"))
    expect(bob.locator(".message .text", has_text=SENTENCES[0])).to_be_visible()
    assert_accessible(bob)

    _send(bob, SENTENCES[1])
    expect(alice.locator(".message:not(.mine) .text", has_text=SENTENCES[1])).to_be_visible()  # live
    _send(alice, SENTENCES[2])
    expect(bob.locator(".message:not(.mine) .text", has_text=SENTENCES[2])).to_be_visible()  # live
    expect(bob.locator(".message")).to_have_count(3)

    carol.goto(site.url(f"/messages/{conversation}"))
    expect(carol.get_by_text("This conversation does not exist or you are no longer in it.")).to_be_visible()
    carol_token = site.token("dm_carol", PASSWORD)
    peek = httpx.get(site.url(f"/api/v1/messages/conversations/{conversation}/messages"),
                     params={"device": "1"}, headers={"Authorization": f"Bearer {carol_token}"})
    assert peek.status_code == 404

    stored = _database_bytes(site)
    logged = "\n".join(server_logs.lines)
    assert "dm_envelopes" in logged  # the SQL log was captured, parameters and all
    for sentence in SENTENCES:
        assert sentence.encode() not in stored and sentence.encode("utf-16-le") not in stored
        assert sentence not in logged


def test_the_python_client_and_the_browser_read_each_other(
        site: Site, new_context: Callable[..., BrowserContext]) -> None:
    """Chromium has X25519: with the P-256-only bot the pair falls back to P-256, with the other it uses X25519."""
    _account(site, "dm_browser")
    browser = _person(new_context, site, "dm_browser")
    bots = {handle: (_account(site, handle), DeviceKeys.generate(x25519=x25519))
            for handle, x25519 in (("dm_bot_p256", False), ("dm_bot_x25519", True))}
    devices: dict[str, int] = {}
    conversations: dict[str, str] = {}

    async def bots_write() -> None:
        async with httpx.AsyncClient(base_url=site.base, timeout=10) as http:
            for handle, (token, keys) in bots.items():
                bot = MessagingClient(http, token, keys=keys)
                devices[handle] = await bot.register()
                conversations[handle] = await bot.start(["dm_browser"])
                await bot.send(conversations[handle], f"Hello from {handle} 你好")

    async def bots_read() -> dict[str, list[tuple[str, str]]]:
        read = {}
        async with httpx.AsyncClient(base_url=site.base, timeout=10) as http:
            for handle, (token, keys) in bots.items():
                bot = MessagingClient(http, token, keys=keys, device_id=devices[handle])
                read[handle] = [(m.sender, m.text) for m in await bot.fetch()]
        return read

    _off_loop(asyncio.run, bots_write())
    for handle, conversation in conversations.items():
        browser.goto(site.url(f"/messages/{conversation}"))
        browser.get_by_role("button", name="Accept").click()
        expect(browser.locator(".message .text", has_text=f"Hello from {handle} 你好")).to_be_visible()
        _send(browser, f"Hello back, {handle}")
    assert _off_loop(asyncio.run, bots_read()) == {
        handle: [(handle, f"Hello from {handle} 你好"), ("dm_browser", f"Hello back, {handle}")] for handle in bots}
    keys_of = {handle: httpx.get(site.url(f"/api/v1/messages/devices/{device}"),
                                 headers={"Authorization": f"Bearer {bots[handle][0]}"}).json()["public_keys"]
               for handle, device in devices.items()}
    assert set(keys_of["dm_bot_p256"]) == {"P-256"} and set(keys_of["dm_bot_x25519"]) == {"P-256", "X25519"}


def _safety_number(page: Page) -> str:
    number = page.locator("#safety-number")
    expect(number).to_have_text(re.compile(r"^(\d{5} ){11}\d{5}$"))
    return number.text_content() or ""


def test_a_rekeyed_device_is_noticed_and_safety_numbers_match(
        site: Site, new_context: Callable[..., BrowserContext]) -> None:
    for handle in ("dm_erin", "dm_frank"):
        _account(site, handle)
    erin = _person(new_context, site, "dm_erin")
    frank = _person(new_context, site, "dm_frank", locale="zh-CN", viewport=PHONE)
    conversation = _start(erin, site, "dm_frank")
    _send(erin, "Before the new key")
    frank.goto(site.url(f"/messages/{conversation}"))
    frank.get_by_role("button", name="接受").click()
    expect(frank.locator(".message .text", has_text="Before the new key")).to_be_visible()
    expect(frank.locator("#key-warning")).to_be_hidden()

    erin.goto(site.url(f"/messages/{conversation}/verify"))
    frank.goto(site.url(f"/messages/{conversation}/verify"))
    before = _safety_number(frank)
    assert _safety_number(erin) == before
    assert_accessible(frank)

    erin.goto(site.url("/messages"))
    erin.once("dialog", lambda dialog: dialog.accept())
    erin.get_by_role("button", name="Make new keys for this device").click()
    expect(erin.locator("#device-status")).to_have_text("This device has new keys.")

    frank.goto(site.url(f"/messages/{conversation}"))
    expect(frank.locator("#key-warning")).to_contain_text("@dm_erin 的安全密钥已更改")
    assert_accessible(frank)
    erin.goto(site.url(f"/messages/{conversation}"))
    expect(erin.get_by_role("button", name="Send")).to_be_enabled()
    erin.locator("#compose").focus()
    erin.keyboard.type("After the new key")
    erin.keyboard.press("Enter")  # Enter sends; Shift+Enter makes a new line
    expect(erin.locator(".message.mine .text", has_text="After the new key")).to_be_visible()
    expect(frank.locator(".message .text", has_text="After the new key")).to_be_visible()
    frank.goto(site.url(f"/messages/{conversation}/verify"))
    erin.goto(site.url(f"/messages/{conversation}/verify"))
    after = _safety_number(frank)
    assert after != before and _safety_number(erin) == after


def test_a_recipient_reports_a_message_only_with_consent(
        site: Site, new_context: Callable[..., BrowserContext]) -> None:
    for handle in ("dm_gina", "dm_hal"):
        _account(site, handle)
    moderator = _account(site, "dm_moderator", Role.MODERATOR)
    gina = _person(new_context, site, "dm_gina")
    hal = _person(new_context, site, "dm_hal")
    conversation = _start(gina, site, "dm_hal")
    _send(gina, "Send me your bank password now")
    # The page marks the conversation read after showing the messages; held back here, so the Report button is
    # pressed while the page is still loading (where it once did nothing).
    held: list[Route] = []
    hal.route(re.compile(r"/messages/x/\d+/read$"), lambda route: held.append(route))
    hal.goto(site.url(f"/messages/{conversation}"))
    hal.get_by_role("button", name="Accept").click()
    # Keyboard only: the report button, the dialog's fields and its buttons.
    hal.get_by_role("button", name=re.compile("^Report")).focus()
    for _ in range(250):  # until the page has asked to mark the conversation read (at most 5 s)
        if held:
            break
        hal.wait_for_timeout(20)
    assert held, "the page never marked the conversation read"
    hal.keyboard.press("Enter")
    dialog = hal.get_by_role("dialog", name="Report this message")
    expect(dialog).to_be_visible()
    for route in held:
        route.continue_()
    hal.unroute(re.compile(r"/messages/x/\d+/read$"))
    expect(dialog.get_by_label("Why?")).to_be_focused()
    dialog.get_by_label("Why?").select_option("spam")
    dialog.get_by_role("button", name="Send report").focus()
    hal.keyboard.press("Enter")
    expect(dialog.locator("#report-error")).to_have_text("Confirm that the moderators may read this message.")
    assert_accessible(hal)
    dialog.get_by_label(re.compile("I agree to send the text")).check()
    dialog.get_by_role("button", name="Send report").click()
    expect(hal.get_by_text("Reported. The moderators will look at it.")).to_be_visible()
    queue = httpx.get(site.url("/api/v1/moderation/queue?kind=message"),
                      headers={"Authorization": f"Bearer {moderator}"}).json()["items"]
    shown = httpx.get(site.url(f"/api/v1/moderation/items/{queue[0]['id']}/message"),
                      headers={"Authorization": f"Bearer {moderator}"}).json()
    assert shown["plaintext"] == "Send me your bank password now" and shown["sender"] == "dm_gina"


def test_a_bad_handle_is_said_beside_the_field_and_groups_are_managed(
        site: Site, new_context: Callable[..., BrowserContext]) -> None:
    for handle in ("dm_ivy", "dm_jon", "dm_kim"):
        _account(site, handle)
    ivy = _person(new_context, site, "dm_ivy", viewport=PHONE)
    # Neither dm_jon nor dm_kim has opened Messages: the conversation says they cannot read yet what is sent now.
    ivy.get_by_label("Who").fill("dm_nobody_here")
    ivy.get_by_role("button", name="Start").click()
    expect(ivy.locator("#e-members")).to_have_text("Nobody has that handle.")
    expect(ivy.get_by_label("Who")).to_have_value("dm_nobody_here")
    assert_accessible(ivy)
    ivy.get_by_label("Who").fill("dm_jon, dm_kim")
    ivy.get_by_role("button", name="Start").click()
    expect(ivy.locator("h1")).to_have_text("Dm_Jon, Dm_Kim")
    expect(ivy.locator("#no-device")).to_have_text(re.compile(r"@dm_jon has not opened Messages.*@dm_kim has not"))
    ivy.get_by_text("People").click()
    ivy.get_by_label("Add someone (handle)").fill("dm_nobody_here")
    ivy.get_by_role("button", name="Add", exact=True).click()
    expect(ivy.locator("#e-handle")).to_have_text("Nobody has that handle.")
    ivy.get_by_label("Add someone (handle)").fill("dm_kim")
    ivy.get_by_role("button", name="Remove").click()
    expect(ivy.locator("h1")).to_have_text("Dm_Jon")
    ivy.keyboard.press("Tab")
    assert_accessible(ivy)


def test_the_conversation_list_counts_unread_messages_as_they_arrive(
        site: Site, new_context: Callable[..., BrowserContext]) -> None:
    for handle in ("dm_lena", "dm_mia"):
        _account(site, handle)
    lena = _person(new_context, site, "dm_lena", locale="zh-CN", viewport=PHONE)
    mia = _person(new_context, site, "dm_mia")
    conversation = _start(mia, site, "dm_lena")
    lena.goto(site.url(f"/messages/{conversation}"))
    lena.get_by_role("button", name="接受").click()
    lena.goto(site.url("/messages"))
    row = lena.locator(f'.conversation-list [data-conversation-id="{conversation}"]')
    expect(row).to_contain_text("Dm_Mia")
    expect(row.locator(".count")).to_have_count(0)
    _send(mia, "One")
    _send(mia, "Two")
    expect(row.locator(".count")).to_have_text("2")
    expect(row.locator(".count")).to_have_attribute("aria-label", "未读消息：2")
    assert_accessible(lena)
    lena.reload()
    expect(row.locator(".count")).to_have_text("2")  # the server's count agrees
    with lena.expect_response(re.compile(r"/messages/x/\d+/read$")):
        row.get_by_role("link").click()
    expect(lena.locator(".message .text", has_text="Two")).to_be_visible()
    lena.goto(site.url("/messages"))
    expect(row.locator(".count")).to_have_count(0)  # read now
