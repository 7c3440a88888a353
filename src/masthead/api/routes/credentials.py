"""Credential scopes, applications with evidence, review, revocation."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, UploadFile
from pydantic import StrictStr

from masthead.api.deps import Ctx, CurrentAccount
from masthead.api.schemas import Strict
from masthead.domain.errors import NotFound, Unprocessable
from masthead.store.credentials import Application
from masthead.verification import files, service

router = APIRouter(tags=["credentials"])


class EvidenceIn(Strict):
    organisation: StrictStr
    registration_number: StrictStr
    contact: StrictStr
    statement: StrictStr = ""


class ApplicationIn(Strict):
    scopes: list[StrictStr]
    evidence: EvidenceIn


class DenyIn(Strict):
    reason: StrictStr


class RevokeIn(Strict):
    reason: StrictStr


def _id(value: str) -> int:
    if not value.isdigit():
        raise NotFound(f"no credential application {value!r}", code="application_not_found")
    return int(value)


def _view(application: Application, channel: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": str(application.id), "channel": channel, "scopes": application.scopes, "state": application.state,
            "reason": application.reason, "evidence": application.evidence,
            "created_at": application.created_at.isoformat(), "updated_at": application.updated_at.isoformat(),
            **(details or {})}


@router.get("/scopes")
async def scopes(ctx: Ctx) -> dict[str, Any]:
    """What each badge certifies, who grants it, and for how long."""
    return {"scopes": [{"name": s.name, "description": s.description, "granted_by": sorted(r.value for r in s.granted_by),
                        "validity_days": s.validity_days} for s in service.scopes_of(ctx).values()]}


@router.post("/channels/{handle}/credential-applications", status_code=201)
async def apply(handle: str, body: ApplicationIn, owner: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    evidence = service.Evidence(body.evidence.organisation, body.evidence.registration_number, body.evidence.contact,
                                body.evidence.statement)
    application_id = await service.do_apply(ctx, owner, handle, list(body.scopes), evidence)
    application, channel = await service.access_application(ctx, owner, application_id)
    return _view(application, channel.handle)


@router.get("/channels/{handle}/credential-applications")
async def list_applications(handle: str, viewer: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    """The channel's applications, newest first: for its owner and for verifiers."""
    applications = await service.applications_for(ctx, viewer, handle)
    return {"items": [_view(application, handle) for application in applications]}


@router.get("/credential-applications/{application_id}")
async def get_application(application_id: str, viewer: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    application, channel = await service.access_application(ctx, viewer, _id(application_id))
    return _view(application, channel.handle, await service.application_details(ctx, application.id))


@router.post("/credential-applications/{application_id}/files", status_code=201)
async def attach(application_id: str, file: UploadFile, owner: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    data = await file.read(files.MAX_FILE_BYTES + 1)
    return await files.do_attach_file(ctx, owner, _id(application_id), file.filename or "evidence", data)


@router.post("/credential-applications/{application_id}/review")
async def review(application_id: str, verifier: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    application = await service.do_start_review(ctx, verifier, _id(application_id))
    return {"id": str(application.id), "state": application.state}


@router.post("/credential-applications/{application_id}/grant")
async def grant(application_id: str, verifier: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    application = await service.do_grant(ctx, verifier, _id(application_id))
    return {"id": str(application.id), "state": application.state}


@router.post("/credential-applications/{application_id}/deny")
async def deny(application_id: str, body: DenyIn, verifier: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    application = await service.do_deny(ctx, verifier, _id(application_id), body.reason)
    return {"id": str(application.id), "state": application.state, "reason": application.reason}


@router.post("/credential-applications/{application_id}/withdraw")
async def withdraw(application_id: str, owner: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    application = await service.do_withdraw(ctx, owner, _id(application_id))
    return {"id": str(application.id), "state": application.state}


@router.post("/channels/{handle}/credentials/{scope}/revoke")
async def revoke(handle: str, scope: str, body: RevokeIn, verifier: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    if scope not in service.scopes_of(ctx):
        raise Unprocessable(f"unknown scope {scope!r}", code="unknown_scope")
    await service.do_revoke(ctx, verifier, handle, scope, body.reason)
    return {"channel": handle, "scope": scope, "status": "revoked"}
