"""Sessions expire after MASTHEAD_SESSION_DAYS and can be ended one by one; tokens never reach the logs."""
from __future__ import annotations

import logging

import httpx
import pytest

from masthead.clock import FakeClock
from tests.conftest import Api


async def test_a_token_expires_after_the_session_lifetime(api: Api, clock: FakeClock) -> None:
    token = await api.sign_up("expiring")
    clock.advance(days=29, hours=23)
    assert (await api.client.get("/api/v1/accounts/me", headers=api.auth(token))).status_code == 200
    clock.advance(hours=2)
    expired = await api.client.get("/api/v1/accounts/me", headers=api.auth(token))
    assert expired.status_code == 401
    assert "expired" in expired.json()["error"]["message"]
    fresh = await api.client.post("/api/v1/sessions", json={"handle": "expiring", "password": "correct horse battery"})
    assert (await api.client.get("/api/v1/accounts/me", headers=api.auth(fresh.json()["token"]))).status_code == 200


async def test_sessions_are_listed_and_one_can_be_ended(api: Api, clock: FakeClock) -> None:
    phone = await api.sign_up("traveller")
    clock.advance(hours=1)
    laptop = (await api.client.post("/api/v1/sessions", json={
        "handle": "traveller", "password": "correct horse battery"})).json()["token"]
    listed = (await api.client.get("/api/v1/sessions", headers=api.auth(laptop))).json()["items"]
    assert [s["current"] for s in listed] == [True, False]
    assert all(phone not in s["id"] and len(s["id"]) == 16 for s in listed)
    lost_phone = listed[1]["id"]
    assert (await api.client.delete(f"/api/v1/sessions/{lost_phone}", headers=api.auth(laptop))).status_code == 204
    assert (await api.client.get("/api/v1/accounts/me", headers=api.auth(phone))).status_code == 401
    assert (await api.client.get("/api/v1/accounts/me", headers=api.auth(laptop))).status_code == 200
    again = await api.client.delete(f"/api/v1/sessions/{lost_phone}", headers=api.auth(laptop))
    assert again.status_code == 404 and again.json()["error"]["code"] == "session_not_found"


async def test_nobody_ends_another_accounts_session(api: Api) -> None:
    victim = await api.sign_up("victim")
    attacker = await api.sign_up("attacker")
    victim_session = (await api.client.get("/api/v1/sessions", headers=api.auth(victim))).json()["items"][0]["id"]
    refused = await api.client.delete(f"/api/v1/sessions/{victim_session}", headers=api.auth(attacker))
    assert refused.status_code == 404
    assert (await api.client.get("/api/v1/accounts/me", headers=api.auth(victim))).status_code == 200
    for bad in ("%25", "0" * 15, "g" * 16):
        assert (await api.client.delete(f"/api/v1/sessions/{bad}", headers=api.auth(attacker))).status_code == 404


async def test_passwords_and_tokens_never_reach_the_logs(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    password = "secret-password-4711"
    response = await api.client.post("/api/v1/accounts", json={
        "handle": "logged", "password": password, "display_name": "Logged"})
    token = response.json()["token"]
    await api.client.post("/api/v1/sessions", json={"handle": "logged", "password": "wrong-password-0815"})
    await api.client.get("/api/v1/accounts/me", headers=api.auth(token))
    await api.client.get("/api/v1/accounts/me", headers=api.auth(token + "x"))
    await api.client.post("/api/v1/channels", headers=api.auth(token), json={"handle": 5})
    text = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (password, "wrong-password-0815", token):
        assert secret not in text


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_the_access_log_of_a_real_server_hides_tokens_in_query_strings() -> None:
    import threading
    import time

    import httpx
    import uvicorn

    from masthead.api.log_redaction import redact_query
    from tests.live_server import free_port

    assert redact_query("/api/v1/stream?channels=a&access_token=abc.def&x=1") == \
        "/api/v1/stream?channels=a&access_token=[redacted]&x=1"
    assert redact_query("/p/1?Password=hunter2") == "/p/1?Password=[redacted]"

    from fastapi import FastAPI

    from masthead.api.log_redaction import install_log_redaction
    app = FastAPI()

    @app.get("/echo")
    async def echo() -> dict[str, str]:
        return {}
    install_log_redaction()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info", access_log=True))
    captured = _Lines()
    access_logger = logging.getLogger("uvicorn.access")  # uvicorn's config has just set it up, not propagating
    access_logger.addHandler(captured)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        httpx.get(f"http://127.0.0.1:{port}/echo?access_token=very-secret-token")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        access_logger.removeHandler(captured)
    lines = captured.lines
    assert any("/echo?access_token=[redacted]" in line for line in lines), lines
    assert not any("very-secret-token" in line for line in lines)


async def test_signing_in_on_a_page_rotates_the_csrf_token_and_https_cookies_are_secure(api: Api) -> None:
    await api.sign_up("cookie_person")
    api.client.base_url = httpx.URL("https://masthead.test")
    try:
        form = await api.client.get("/login")
        before = form.cookies["masthead_csrf"]
        assert "secure" in form.headers["set-cookie"].lower()
        signed_in = await api.client.post("/login", data={
            "csrf_token": before, "handle": "cookie_person", "password": "correct horse battery", "next": "/"})
        assert signed_in.status_code == 303
        set_cookies = signed_in.headers.get_list("set-cookie")
        session = next(c for c in set_cookies if c.startswith("masthead_session="))
        assert all(flag in session.lower() for flag in ("httponly", "secure", "samesite=lax"))
        after = signed_in.cookies["masthead_csrf"]
        assert after and after != before
    finally:
        api.client.base_url = httpx.URL("http://masthead.test")
        api.client.cookies.clear()
