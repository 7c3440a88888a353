"""Evidence files are handed to the channel's owner and verifiers only, with the content type checked on upload."""
from __future__ import annotations

import pytest

from masthead.context import Context
from masthead.domain.accounts import Role
from masthead.domain.errors import NotFound
from masthead.services.accounts import access_account_by_token
from masthead.verification.files import access_evidence_file
from tests.conftest import Api
from tests.moderation.test_workflow import staff

EVIDENCE = {"organisation": "Bay Press", "registration_number": "BP-1", "contact": "desk@bay.example"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


async def test_owner_and_verifiers_get_the_file_others_do_not(api: Api, ctx: Context) -> None:
    owner_token = await api.sign_up("bay_owner")
    await api.channel(owner_token, "bay_news")
    stranger_token = await api.sign_up("bay_stranger")
    verifier_token = await staff(ctx, "bay_verifier", Role.VERIFIER)
    applied = await api.client.post("/api/v1/channels/bay_news/credential-applications",
                                    headers=api.auth(owner_token), json={"scopes": ["news.publish"],
                                                                          "evidence": EVIDENCE})
    application_id = int(applied.json()["id"])
    uploaded = await api.client.post(f"/api/v1/credential-applications/{application_id}/files",
                                     headers=api.auth(owner_token),
                                     files={"file": ("scan.jpg", PNG, "image/jpeg")})  # the claim is ignored
    file_id = int(uploaded.json()["id"])

    for token in (owner_token, verifier_token):
        found = await access_evidence_file(ctx, await access_account_by_token(ctx, token), application_id, file_id)
        assert found.path.read_bytes() == PNG and found.content_type == "image/png" and found.name == "scan.jpg"
    stranger = await access_account_by_token(ctx, stranger_token)
    with pytest.raises(NotFound) as refused:
        await access_evidence_file(ctx, stranger, application_id, file_id)
    assert refused.value.code == "application_not_found"
    verifier = await access_account_by_token(ctx, verifier_token)
    with pytest.raises(NotFound) as missing:
        await access_evidence_file(ctx, verifier, application_id, file_id + 1)
    assert missing.value.code == "file_not_found"
    found.path.unlink()
    with pytest.raises(NotFound) as lost:
        await access_evidence_file(ctx, verifier, application_id, file_id)
    assert lost.value.code == "file_not_found"
