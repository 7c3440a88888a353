from __future__ import annotations

import pytest

from tests.conftest import Api


async def test_sign_up_sign_in_and_me(api: Api) -> None:
    token = await api.sign_up("alice")
    response = await api.client.post("/api/v1/sessions", json={"handle": "alice", "password": "correct horse battery"})
    assert response.status_code == 200
    second_token = response.json()["token"]
    assert second_token != token
    for bearer in (token, second_token):
        me = await api.client.get("/api/v1/accounts/me", headers=api.auth(bearer))
        assert me.status_code == 200
        assert me.json()["handle"] == "alice"
        assert me.json()["roles"] == ["member"]
        assert me.json()["channels"] == []


async def test_wrong_password_and_unknown_handle_look_the_same(api: Api) -> None:
    await api.sign_up("alice")
    wrong = await api.client.post("/api/v1/sessions", json={"handle": "alice", "password": "not the password"})
    unknown = await api.client.post("/api/v1/sessions", json={"handle": "nobody", "password": "whatever123"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {
        "error": {"code": "invalid_credentials", "message": "handle or password is wrong"}}


async def test_tokens_are_stored_hashed(api: Api, ctx: object) -> None:
    import sqlalchemy as sa

    from masthead.store.tables import tokens

    token = await api.sign_up("alice")
    async with api.app.state.ctx.db.read() as connection:
        stored = list((await connection.execute(sa.select(tokens.c.token_hash))).scalars())
    assert stored and token not in stored


async def test_duplicate_handle_is_a_conflict(api: Api) -> None:
    await api.sign_up("alice")
    response = await api.client.post("/api/v1/accounts", json={
        "handle": "alice", "password": "another password", "display_name": "Alice Two"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "handle_taken"


@pytest.mark.parametrize(("handle", "code"), [
    ("al", "invalid_handle"), ("Alice", "invalid_handle"), ("a" * 31, "invalid_handle"), ("al-ice", "invalid_handle"),
    ("admin", "reserved_handle"), ("masthead", "reserved_handle"),
])
async def test_handle_rules(api: Api, handle: str, code: str) -> None:
    response = await api.client.post("/api/v1/accounts", json={
        "handle": handle, "password": "long enough password", "display_name": "X"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


async def test_short_password_refused(api: Api) -> None:
    response = await api.client.post("/api/v1/accounts", json={"handle": "alice", "password": "short", "display_name": "A"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "weak_password"


@pytest.mark.parametrize(("headers", "code"), [
    ({}, "unauthenticated"),
    ({"Authorization": "Bearer not-a-real-token"}, "invalid_token"),
    ({"Authorization": "Basic YWxpY2U6cHc="}, "invalid_authorization"),
])
async def test_missing_or_bad_auth(api: Api, headers: dict[str, str], code: str) -> None:
    response = await api.client.get("/api/v1/accounts/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code


async def test_a_session_cookie_signs_in_reads_but_never_writes(api: Api) -> None:
    token = await api.sign_up("cookie_reader")
    api.client.cookies.set("masthead_session", token)
    try:
        me = await api.client.get("/api/v1/accounts/me")
        assert me.status_code == 200 and me.json()["handle"] == "cookie_reader"
        created = await api.client.post("/api/v1/channels", json={"handle": "cookie_made", "name": "No"})
        assert created.status_code == 401
        api.client.cookies.set("masthead_session", "not-a-token")
        assert (await api.client.get("/api/v1/accounts/me")).status_code == 401
    finally:
        api.client.cookies.clear()
