"""Verification: the queue of credential applications, an application with its evidence and files (review,
grant, deny), and a channel's credentials with revocation."""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from masthead.domain.errors import MastheadError, NotFound
from masthead.domain.permissions import Action as Permission
from masthead.domain.permissions import allowed, check_allowed
from masthead.services.channels import access_channel
from masthead.store import credentials as credential_store
from masthead.store.cases import applications_for_review, handles_of
from masthead.verification import service
from masthead.verification.files import access_evidence_file
from masthead.web.errors import MESSAGES
from masthead.web.forms import Form, read_form
from masthead.web.i18n import N_
from masthead.web.render import context_of, redirect, render
from masthead.web.site import Page

MESSAGES.update({
    "own_channel": N_("You own or write for this channel, so someone else must decide this."),
    "application_closed": N_("This application has already been decided or withdrawn."),
    "already_under_review": N_("This application is already under review."),
    "application_not_found": N_("There is no such application."),
    "file_not_found": N_("There is no such file."),
    "credential_not_found": N_("This channel holds no valid credential of that scope."),
    "unknown_scope": N_("There is no such scope."),
})

STEP_NAMES = {"submitted": N_("Submitted"), "under_review": N_("Under review"), "granted": N_("Granted"),
              "denied": N_("Denied"), "withdrawn": N_("Withdrawn")}
STATUS_NAMES = {"valid": N_("valid"), "revoked": N_("revoked"), "expired": N_("expired"),
                "lapsed_name_change": N_("lapsed (name changed)"), "pending": N_("not yet valid")}
DONE = {"under_review": N_("Review started."), "granted": N_("Credential granted: the badge is now shown."),
        "denied": N_("Application denied; the applicant has been told why."),
        "revoked": N_("Credential revoked; the owner has been told why.")}


def _number(request: Request, name: str, code: str) -> int:
    value: str = request.path_params[name]
    if not value.isdigit():
        raise NotFound(f"no {name.replace('_', ' ')} {value!r}", code=code)
    return int(value)


async def queue_page(request: Request) -> Response:
    check_allowed(request.state.viewer.roles, Permission.DECIDE_CREDENTIAL)
    ctx = context_of(request)
    async with ctx.db.read() as connection:
        applications = await applications_for_review(connection, service.OPEN_STATES, 200)
    return await render(request, "verify/queue.html", {
        "applications": applications, "open_states": service.OPEN_STATES, "step_names": STEP_NAMES})


async def find_channel(request: Request) -> Response:
    handle = request.query_params.get("handle", "").strip().lstrip("@")
    if not handle:
        return redirect(request, "/verify")
    channel = await access_channel(context_of(request), handle)
    return redirect(request, f"/verify/channels/{channel.handle}")


async def _application_page(request: Request, application_id: int, form: Form, status: int = 200) -> Response:
    ctx = context_of(request)
    viewer = request.state.viewer
    application, channel = await service.access_application(ctx, viewer, application_id)
    details = await service.application_details(ctx, application.id)
    async with ctx.db.read() as connection:
        handles = await handles_of(connection, [application.applicant_id,
                                                *(int(step["actor_id"]) for step in details["history"])])
    return await render(request, "verify/application.html", {
        "application": application, "channel": channel, "files": details["files"], "history": details["history"],
        "handles": handles, "form": form, "step_names": STEP_NAMES,
        "may_decide": allowed(viewer.roles, Permission.DECIDE_CREDENTIAL),
        "is_open": application.state in service.OPEN_STATES,
        "done": DONE.get(request.query_params.get("done", ""))}, status=status)


async def application_page(request: Request) -> Response:
    return await _application_page(request, _number(request, "application_id", "application_not_found"), Form())


async def decide_application(request: Request) -> Response:
    application_id = _number(request, "application_id", "application_not_found")
    step = request.path_params["step"]
    form = await read_form(request)
    ctx = context_of(request)
    viewer = request.state.viewer
    try:
        if step == "review":
            updated = await service.do_start_review(ctx, viewer, application_id)
        elif step == "grant":
            updated = await service.do_grant(ctx, viewer, application_id)
        elif step == "deny":
            updated = await service.do_deny(ctx, viewer, application_id, form.text("reason").strip())
        else:
            raise NotFound(f"no step {step!r}", code="not_found")
    except MastheadError as exc:
        form.fail(request, "reason" if exc.code == "reason_required" else "", exc)
        return await _application_page(request, application_id, form, status=422)
    return redirect(request, f"/verify/applications/{application_id}?done={updated.state}")


async def evidence_file(request: Request) -> Response:
    found = await access_evidence_file(context_of(request), request.state.viewer,
                                       _number(request, "application_id", "application_not_found"),
                                       _number(request, "file_id", "file_not_found"))
    # Shown in the browser (PDF or image, checked by content on upload), never run as a page of this site.
    return FileResponse(found.path, media_type=found.content_type, filename=found.name,
                        content_disposition_type="inline", headers={
                            "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox",
                            "Cache-Control": "private, no-store"})


async def _channel_page(request: Request, form: Form, status: int = 200) -> Response:
    ctx = context_of(request)
    check_allowed(request.state.viewer.roles, Permission.DECIDE_CREDENTIAL)
    channel = await access_channel(ctx, request.path_params["handle"])
    now = ctx.clock.now()
    async with ctx.db.read() as connection:
        credentials = await credential_store.credentials_of(connection, [channel.id])
        applications = await credential_store.applications_of_channel(connection, channel.id)
    rows: list[dict[str, Any]] = [{"credential": credential, "status": credential.status(now)}
                                  for credential in sorted(credentials, key=lambda c: c.granted_at, reverse=True)]
    return await render(request, "verify/channel.html", {
        "channel": channel, "credentials": rows, "applications": applications, "form": form,
        "status_names": STATUS_NAMES, "step_names": STEP_NAMES,
        "may_revoke": allowed(request.state.viewer.roles, Permission.REVOKE_CREDENTIAL),
        "done": DONE.get(request.query_params.get("done", ""))}, status=status)


async def channel_page(request: Request) -> Response:
    return await _channel_page(request, Form())


async def revoke_credential(request: Request) -> Response:
    form = await read_form(request)
    handle = request.path_params["handle"]
    form.require(request, "reason")
    if form.ok:
        try:
            await service.do_revoke(context_of(request), request.state.viewer, handle, form.text("scope"),
                                    form.text("reason").strip())
        except MastheadError as exc:
            form.fail(request, "reason" if exc.code == "reason_required" else "", exc)
        else:
            return redirect(request, f"/verify/channels/{handle}?done=revoked")
    return await _channel_page(request, form, status=422)


PAGES = [
    Page("/verify", queue_page, sign_in=True),
    Page("/verify/channels", find_channel, sign_in=True),
    Page("/verify/channels/{handle}", channel_page, sign_in=True),
    Page("/verify/channels/{handle}/revoke", revoke_credential, methods=("POST",), sign_in=True),
    Page("/verify/applications/{application_id}", application_page, sign_in=True),
    Page("/verify/applications/{application_id}/files/{file_id}", evidence_file, sign_in=True),
    Page("/verify/applications/{application_id}/{step}", decide_application, methods=("POST",), sign_in=True),
]
