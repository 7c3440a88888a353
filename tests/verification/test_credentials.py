"""Credentials end to end: applications with evidence, review, badges, expiry, renaming, renewal, reminders,
revocation, and the facts the policy sees at the post's time."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from masthead.clock import FakeClock
from masthead.context import Context
from masthead.domain.accounts import Role
from masthead.services.accounts import access_account_by_token
from masthead.settings import Settings
from masthead.verification import files
from masthead.verification.service import do_send_expiry_reminders
from tests.conftest import Api
from tests.moderation.test_workflow import (
    PoliticalScores,
    notices,
    queue,
    resolve,
    staff,
)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """These tests follow credentials across a year on the fake clock; sign-ins must outlive that."""
    return Settings(database_url=database_url, pipeline_lease_seconds=30.0, data_dir=str(tmp_path / "data"),
                    session_days=3650)

EVIDENCE = {"organisation": "Jiangnan Daily Press Ltd", "registration_number": "ZJ-2011-0042",
            "contact": "editor@jiangnan.example", "statement": "Licensed news publisher since 2011."}
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def _setup(api: Api, ctx: Context) -> tuple[str, str, str]:
    owner = await api.sign_up("editor")
    await api.channel(owner, "city_daily", "City Daily")
    verifier = await staff(ctx, "vera", Role.VERIFIER)
    return owner, verifier, "city_daily"


async def _apply(api: Api, token: str, channel: str = "city_daily", scopes: list[str] | None = None) -> Any:
    return await api.client.post(f"/api/v1/channels/{channel}/credential-applications", headers=api.auth(token),
                                 json={"scopes": scopes or ["news.publish"], "evidence": EVIDENCE})


async def _granted(api: Api, owner: str, verifier: str) -> str:
    application = await _apply(api, owner)
    assert application.status_code == 201, application.text
    application_id: str = application.json()["id"]
    assert (await api.client.post(f"/api/v1/credential-applications/{application_id}/grant",
                                  headers=api.auth(verifier))).status_code == 200
    return application_id


async def _badges(api: Api, channel: str = "city_daily") -> list[dict[str, Any]]:
    badges: list[dict[str, Any]] = (await api.client.get(f"/api/v1/channels/{channel}")).json()["badges"]
    return badges


async def _held_or_published(api: Api, owner: str) -> str:
    post_id = await api.publish(owner, "city_daily", "Election turnout rises", "Turnout reached 64 percent.")
    await api.run_pipeline()
    state: str = (await api.client.get(f"/api/v1/posts/{post_id}", headers=api.auth(owner))).json()["state"]
    return state


async def test_application_review_grant_badge_and_policy(api: Api, ctx: Context) -> None:
    api.app.state.worker.stages.insert(-1, PoliticalScores())
    owner, verifier, _ = await _setup(api, ctx)
    assert await _held_or_published(api, owner) == "held"
    response = await _apply(api, owner)
    assert response.status_code == 201 and response.json()["state"] == "submitted"
    application_id = response.json()["id"]
    upload = await api.client.post(f"/api/v1/credential-applications/{application_id}/files", headers=api.auth(owner),
                                   files={"file": ("licence.pdf", PDF, "application/pdf")})
    assert upload.status_code == 201 and upload.json()["content_type"] == "application/pdf"
    [item] = await queue(api, verifier, "application")
    review = await api.client.post(f"/api/v1/credential-applications/{application_id}/review", headers=api.auth(verifier))
    assert review.json()["state"] == "under_review"
    granted = await resolve(api, verifier, item["id"], "grant", "licence checked")
    assert granted.status_code == 200, granted.text
    detail = (await api.client.get(f"/api/v1/credential-applications/{application_id}", headers=api.auth(owner))).json()
    assert detail["state"] == "granted" and [step["action"] for step in detail["history"]] == [
        "submitted", "under_review", "granted"]
    assert detail["files"][0]["sha256"]
    [badge] = await _badges(api)
    assert badge["scope"] == "news.publish" and badge["status"] == "valid" and "vera" in badge["issuer"]
    assert await _held_or_published(api, owner) == "published"
    post = (await api.client.get("/api/v1/channels/city_daily/posts")).json()["items"][0]
    assert post["badges"][0]["scope"] == "news.publish"
    steps = [n["step"] for n in await notices(api, owner, "credential_application")]
    assert steps == ["granted", "under_review", "submitted"]
    scopes = (await api.client.get("/api/v1/scopes")).json()["scopes"]
    assert {s["name"] for s in scopes} == {"news.publish", "news.reprint"}


async def test_expiry_rename_and_revocation_lapse_the_badge_and_the_fact(api: Api, ctx: Context, clock: FakeClock) -> None:
    api.app.state.worker.stages.insert(-1, PoliticalScores())
    owner, verifier, _ = await _setup(api, ctx)
    await _granted(api, owner, verifier)
    clock.advance(days=366)
    assert (await _badges(api))[0]["status"] == "expired"
    assert await _held_or_published(api, owner) == "held"

    await _granted(api, owner, verifier)
    assert [b["status"] for b in await _badges(api)] == ["expired", "valid"]
    renamed = await api.client.patch("/api/v1/channels/city_daily", headers=api.auth(owner), json={"name": "City Post"})
    assert renamed.status_code == 200
    assert [b["status"] for b in renamed.json()["badges"]] == ["expired", "lapsed_name_change"]
    assert await _held_or_published(api, owner) == "held"
    assert (await notices(api, owner, "credential_lapsed"))[0]["credentials"] == 1

    await _granted(api, owner, verifier)
    assert (await api.client.post("/api/v1/channels/city_daily/credentials/news.publish/revoke",
                                  headers=api.auth(verifier), json={"reason": "licence withdrawn"})).status_code == 200
    statuses = [b["status"] for b in await _badges(api)]
    assert statuses == ["expired", "lapsed_name_change", "revoked"]
    assert await _held_or_published(api, owner) == "held"


async def test_posts_are_judged_by_the_credentials_valid_at_their_own_time(api: Api, ctx: Context,
                                                                          clock: FakeClock) -> None:
    api.app.state.worker.stages.insert(-1, PoliticalScores())
    owner, verifier, _ = await _setup(api, ctx)
    await _granted(api, owner, verifier)
    before_expiry = await api.publish(owner, "city_daily", "Election night", "Counting continues.")
    clock.advance(days=400)  # the worker runs after expiry, but the post was written before it
    await api.run_pipeline()
    assert (await api.client.get(f"/api/v1/posts/{before_expiry}")).json()["state"] == "published"


async def test_renewal_before_expiry_keeps_continuity_and_reminders_go_once(api: Api, ctx: Context,
                                                                            clock: FakeClock) -> None:
    owner, verifier, _ = await _setup(api, ctx)
    await _granted(api, owner, verifier)
    first_expiry = (await _badges(api))[0]["expires_at"]
    clock.advance(days=340)
    assert await do_send_expiry_reminders(ctx) == 1
    assert await do_send_expiry_reminders(ctx) == 0
    assert (await notices(api, owner, "credential_expiring"))[0]["expires_at"] == first_expiry
    await _granted(api, owner, verifier)
    [badge] = await _badges(api)
    assert badge["status"] == "valid" and badge["expires_at"] > first_expiry
    assert first_expiry == "2027-01-01T00:00:00+00:00"
    assert badge["expires_at"] == "2028-01-01T00:00:00+00:00"  # a year on from the old end, not from today
    clock.advance(days=30)  # past the first credential's end: the renewal carries on
    assert (await _badges(api))[0]["status"] == "valid"


@pytest.mark.parametrize(("payload", "status", "code"), [
    ({"scopes": ["news.broadcast"], "evidence": EVIDENCE}, 422, "unknown_scope"),
    ({"scopes": [], "evidence": EVIDENCE}, 422, "invalid_scopes"),
    ({"scopes": ["news.publish"], "evidence": {**EVIDENCE, "organisation": " "}}, 422, "invalid_evidence"),
    ({"scopes": ["news.publish"], "evidence": {**EVIDENCE, "licence": "x"}}, 422, "invalid_request"),
    ({"scopes": "news.publish", "evidence": EVIDENCE}, 422, "invalid_request"),
])
async def test_bad_applications(api: Api, ctx: Context, payload: dict[str, Any], status: int, code: str) -> None:
    owner, _, _ = await _setup(api, ctx)
    response = await api.client.post("/api/v1/channels/city_daily/credential-applications", headers=api.auth(owner),
                                     json=payload)
    assert response.status_code == status and response.json()["error"]["code"] == code


async def test_files_are_checked_by_content_and_size(api: Api, ctx: Context) -> None:
    owner, _, _ = await _setup(api, ctx)
    application_id = (await _apply(api, owner)).json()["id"]
    url = f"/api/v1/credential-applications/{application_id}/files"
    disguised = await api.client.post(url, headers=api.auth(owner),
                                      files={"file": ("licence.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")})
    assert disguised.status_code == 422 and disguised.json()["error"]["code"] == "unsupported_file_type"
    png = await api.client.post(url, headers=api.auth(owner),
                                files={"file": ("seal.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")})
    assert png.status_code == 201
    huge = await api.client.post(url, headers=api.auth(owner),
                                 files={"file": ("big.pdf", PDF + b"\x00" * (11 * 1024 * 1024), "application/pdf")})
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "payload_too_large"
    stranger = await api.sign_up("stranger")
    refused = await api.client.post(url, headers=api.auth(stranger), files={"file": ("x.pdf", PDF, "application/pdf")})
    assert refused.status_code == 404
    assert len(list((Path(ctx.settings.data_dir) / "evidence").iterdir())) == 1, "refused uploads leave no file"


async def test_applying_twice_reapplying_and_deciding_rules(api: Api, ctx: Context, clock: FakeClock) -> None:
    owner, verifier, _ = await _setup(api, ctx)
    first = (await _apply(api, owner)).json()["id"]
    twice = await _apply(api, owner, scopes=["news.publish", "news.reprint"])
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "application_open"
    no_reason = await api.client.post(f"/api/v1/credential-applications/{first}/deny", headers=api.auth(verifier),
                                      json={"reason": ""})
    assert no_reason.status_code == 422
    denied = await api.client.post(f"/api/v1/credential-applications/{first}/deny", headers=api.auth(verifier),
                                   json={"reason": "registration number not found"})
    assert denied.json() == {"id": first, "state": "denied", "reason": "registration number not found"}
    soon = await _apply(api, owner)
    assert soon.status_code == 409 and soon.json()["error"]["code"] == "reapply_too_soon"
    clock.advance(days=31)
    assert (await _apply(api, owner)).status_code == 201
    again = await api.client.post(f"/api/v1/credential-applications/{first}/grant", headers=api.auth(verifier))
    assert again.status_code == 409 and again.json()["error"]["code"] == "application_closed"

    self_verifier = await staff(ctx, "self_vera", Role.VERIFIER)
    await api.channel(self_verifier, "vera_news")
    own = (await _apply(api, self_verifier, channel="vera_news")).json()["id"]
    refused = await api.client.post(f"/api/v1/credential-applications/{own}/grant", headers=api.auth(self_verifier))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "own_channel"
    withdrawn = await api.client.post(f"/api/v1/credential-applications/{own}/withdraw", headers=api.auth(self_verifier))
    assert withdrawn.json()["state"] == "withdrawn"


ROLES = ("member", "triage", "moderator", "verifier", "admin", "owner")
# action -> who may do it (owner = the channel's owner with no staff role)
EXPECTED = {
    "apply": {"owner"},
    "list": {"owner", "verifier", "admin"},
    "review": {"verifier", "admin"},
    "grant": {"verifier", "admin"},
    "deny": {"verifier", "admin"},
    "revoke": {"verifier", "admin"},
    "withdraw": {"owner"},
}


@pytest.mark.parametrize("action", list(EXPECTED))
async def test_role_by_action(api: Api, ctx: Context, action: str) -> None:
    verifier = await staff(ctx, "vera", Role.VERIFIER)
    staff_tokens = {role: await staff(ctx, f"as_{role}", Role(role))
                    for role in ("member", "triage", "moderator", "verifier", "admin")}
    for who in ROLES:
        owner = await api.sign_up(f"owner_{who}")
        channel = f"chan_{who}"
        await api.channel(owner, channel)
        token = owner if who == "owner" else staff_tokens[who]
        application_id = None
        if action != "apply":
            application_id = (await _apply(api, owner, channel=channel)).json()["id"]
        if action == "revoke":
            assert (await api.client.post(f"/api/v1/credential-applications/{application_id}/grant",
                                          headers=api.auth(verifier))).status_code == 200
        base = f"/api/v1/credential-applications/{application_id}"
        if action == "apply":
            response = await _apply(api, token, channel=channel)
        elif action == "list":
            response = await api.client.get(f"/api/v1/channels/{channel}/credential-applications",
                                            headers=api.auth(token))
        elif action == "deny":
            response = await api.client.post(f"{base}/deny", headers=api.auth(token), json={"reason": "no"})
        elif action == "revoke":
            response = await api.client.post(f"/api/v1/channels/{channel}/credentials/news.publish/revoke",
                                             headers=api.auth(token), json={"reason": "test"})
        else:
            response = await api.client.post(f"{base}/{action}", headers=api.auth(token))
        allowed = who in EXPECTED[action]
        assert (response.status_code < 400) is allowed, (action, who, response.status_code, response.text)


async def test_an_upload_whose_transaction_fails_leaves_no_file(api: Api, ctx: Context,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    owner, _, _ = await _setup(api, ctx)
    application_id = int((await _apply(api, owner)).json()["id"])

    async def failing_audit(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(files, "append_audit_txn", failing_audit)
    with pytest.raises(RuntimeError):
        await files.do_attach_file(ctx, await access_account_by_token(ctx, owner), application_id, "l.pdf", PDF)
    evidence = Path(ctx.settings.data_dir) / "evidence"
    assert not evidence.exists() or list(evidence.iterdir()) == []
    detail = await api.client.get(f"/api/v1/credential-applications/{application_id}", headers=api.auth(owner))
    assert detail.json()["files"] == []
