"""Credential scopes, applications with evidence, review, revocation."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, UploadFile
from pydantic import StrictStr, WithJsonSchema

from masthead.api.deps import Ctx, CurrentAccount
from masthead.api.openapi import errors
from masthead.api.params import HandlePath, IdPath, ScopePath
from masthead.api.schemas import RUNTIME_ENUM, NonBlank, Strict
from masthead.domain.errors import NotFound, Unprocessable
from masthead.domain.paging import parse_id
from masthead.store.credentials import Application
from masthead.verification import files, service

router = APIRouter(tags=["credentials"])


class EvidenceIn(Strict):
    organisation: NonBlank
    registration_number: NonBlank
    contact: NonBlank
    statement: Annotated[StrictStr, WithJsonSchema({"type": "string", "maxLength": service.MAX_STATEMENT_LENGTH})] = ""


class ApplicationIn(Strict):
    scopes: Annotated[list[StrictStr], WithJsonSchema({"type": "array", "minItems": 1,
                                                        "items": {"type": "string", RUNTIME_ENUM: "scopes"}})]
    evidence: EvidenceIn


class DenyIn(Strict):
    reason: NonBlank


class RevokeIn(Strict):
    reason: NonBlank


def _id(value: str) -> int:
    found = parse_id(value)
    if found is None:
        raise NotFound(f"no credential application {value!r}", code="application_not_found")
    return found


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


@router.post("/channels/{handle}/credential-applications", status_code=201, responses=errors(403, 409))
async def apply(handle: HandlePath, body: ApplicationIn, owner: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    evidence = service.Evidence(body.evidence.organisation, body.evidence.registration_number, body.evidence.contact,
                                body.evidence.statement)
    application_id = await service.do_apply(ctx, owner, handle, list(body.scopes), evidence)
    application, channel = await service.access_application(ctx, owner, application_id)
    return _view(application, channel.handle)


@router.get("/channels/{handle}/credential-applications", responses=errors(403))
async def list_applications(handle: HandlePath, viewer: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    """The channel's applications, newest first: for its owner and for verifiers."""
    applications = await service.applications_for(ctx, viewer, handle)
    return {"items": [_view(application, handle) for application in applications]}


@router.get("/credential-applications/{application_id}")
async def get_application(application_id: IdPath, viewer: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    application, channel = await service.access_application(ctx, viewer, _id(application_id))
    return _view(application, channel.handle, await service.application_details(ctx, application.id))


@router.post("/credential-applications/{application_id}/files", status_code=201, responses=errors(409))
async def attach(application_id: IdPath, file: UploadFile, owner: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    data = await file.read(files.MAX_FILE_BYTES + 1)
    return await files.do_attach_file(ctx, owner, _id(application_id), file.filename or "evidence", data)


@router.post("/credential-applications/{application_id}/review", responses=errors(403, 409))
async def review(application_id: IdPath, verifier: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    application = await service.do_start_review(ctx, verifier, _id(application_id))
    return {"id": str(application.id), "state": application.state}


@router.post("/credential-applications/{application_id}/grant", responses=errors(403, 409))
async def grant(application_id: IdPath, verifier: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    application = await service.do_grant(ctx, verifier, _id(application_id))
    return {"id": str(application.id), "state": application.state}


@router.post("/credential-applications/{application_id}/deny", responses=errors(403, 409))
async def deny(application_id: IdPath, body: DenyIn, verifier: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    application = await service.do_deny(ctx, verifier, _id(application_id), body.reason)
    return {"id": str(application.id), "state": application.state, "reason": application.reason}


@router.post("/credential-applications/{application_id}/withdraw", responses=errors(409))
async def withdraw(application_id: IdPath, owner: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    application = await service.do_withdraw(ctx, owner, _id(application_id))
    return {"id": str(application.id), "state": application.state}


@router.post("/channels/{handle}/credentials/{scope}/revoke", responses=errors(403))
async def revoke(handle: HandlePath, scope: ScopePath, body: RevokeIn, verifier: CurrentAccount,
                 ctx: Ctx) -> dict[str, Any]:
    if scope not in service.scopes_of(ctx):
        raise Unprocessable(f"unknown scope {scope!r}", code="unknown_scope")
    await service.do_revoke(ctx, verifier, handle, scope, body.reason)
    return {"channel": handle, "scope": scope, "status": "revoked"}
