"""The publisher's pages: create a channel, choose where to write, compose with a preview and a dry run of the
policy, publish and follow the post's status, my posts, a decision with its appeal, and credential applications."""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from masthead.domain.accounts import check_display_name, check_handle
from masthead.domain.errors import MastheadError, NotFound, Unprocessable
from masthead.domain.models import Account, Channel
from masthead.domain.paging import parse_id
from masthead.domain.permissions import ChannelRole, may_manage_channel
from masthead.domain.posts import REPRINT_RIGHTS, PostState
from masthead.domain.render import render_markdown
from masthead.moderation.participation import do_appeal
from masthead.services.channels import (
    MAX_DESCRIPTION_LENGTH,
    access_channel,
    do_create_channel,
)
from masthead.services.decisions import access_decision, decision_for_post
from masthead.services.dry_run import access_dry_run
from masthead.services.posts import access_post, check_draft, do_publish
from masthead.store.channels import channels_of_member, member_role
from masthead.store.publishing import appeal_state, handles_of, posts_of_member
from masthead.verification.files import MAX_FILE_BYTES, do_attach_file, sniff
from masthead.verification.scopes import check_scopes
from masthead.verification.service import (
    OPEN_STATES,
    Evidence,
    application_details,
    applications_for,
    do_apply,
    do_withdraw,
    scopes_of,
)
from masthead.web.errors import MESSAGES
from masthead.web.forms import Form, read_form
from masthead.web.i18n import N_
from masthead.web.render import context_of, gettext, redirect, render
from masthead.web.site import Page

MY_POSTS_PAGE_SIZE = 30
# Where the composer's fields are shown when a service refuses the post (the rest go above the form).
_COMPOSE_FIELDS = {"invalid_title": "title", "invalid_body": "body", "payload_too_large": "body",
                   "invalid_source_url": "source_url", "unknown_post": "reprint_of", "original_and_reprint": "original",
                   "invalid_rights": "rights", "rights_need_original": "rights"}

MESSAGES.update({
    "invalid_title": N_("Give the post a title of at most 300 characters."),
    "invalid_body": N_("Write something in the body."),
    "payload_too_large": N_("This is longer than the server accepts."),
    "invalid_source_url": N_("Enter a full web address starting with http:// or https://."),
    "unknown_post": N_("There is no post with this number."),
    "original_and_reprint": N_("A reprint cannot be declared original."),
    "invalid_rights": N_("Choose one of the reprint rights."),
    "rights_need_original": N_("Reprint rights belong to posts declared original."),
    "invalid_description": N_("The description may be at most 2,000 characters."),
    "channel_suspended": N_("This channel is suspended and may not publish for now."),
    "invalid_scopes": N_("Choose at least one credential."),
    "unknown_scope": N_("Choose one of the credentials listed."),
    "invalid_evidence": N_("Fill in the organisation, registration number and contact."),
    "application_open": N_("An application for this credential is still open."),
    "reapply_too_soon": N_("This credential was denied recently; you may apply again once the waiting period ends."),
    "unsupported_file_type": N_("Evidence files must be PDF, PNG or JPEG."),
    "empty_file": N_("The file is empty."),
    "file_too_large": N_("Evidence files may be at most 10 MB."),
    "too_many_files": N_("An application holds at most 10 files."),
    "application_closed": N_("This application is no longer open."),
    "application_not_found": N_("There is no such application."),
    "invalid_text": N_("Say why the decision is wrong."),
    "not_restricted": N_("This post is not restricted; there is nothing to appeal."),
    "already_appealed": N_("This decision has already been appealed; each decision may be appealed once."),
    "appeal_window_closed": N_("The time to appeal this decision has passed."),
    "not_your_post": N_("Only the post's channel may appeal a decision about it."),
    "not_your_channel": N_("Only the channel's owner and authors see this page."),
    "not_channel_owner": N_("Only the channel's owner may apply for its credentials."),
})

# The shipped scopes.toml's descriptions, so that they read in the visitor's language; an operator's own scopes
# are shown as written.
SHIPPED_SCOPE_DESCRIPTIONS = (
    N_("May publish political and social news: the channel is a licensed news organisation whose identity, "
       "registration and editorial contact were verified."),
    N_("May reprint political and social news published by licensed news organisations: the channel's identity "
       "and registration were verified."),
)


# Channels ----------------------------------------------------------------------------------------------------

async def new_channel_page(request: Request) -> Response:
    if request.method == "GET":
        return await render(request, "publish/new_channel.html", {"form": Form()})
    form = await read_form(request)
    handle, name, description = form.text("handle").strip(), form.text("name").strip(), form.text("description")
    for field, value, check in (("handle", handle, check_handle), ("name", name, check_display_name)):
        try:
            check(value)
        except MastheadError as exc:
            form.fail(request, field, exc)
    if len(description) > MAX_DESCRIPTION_LENGTH:
        form.fail(request, "description", Unprocessable("", code="invalid_description"))
    if form.ok:
        try:
            channel = await do_create_channel(context_of(request), request.state.viewer, handle=handle, name=name,
                                              description=description)
        except MastheadError as exc:
            form.fail(request, "handle" if exc.code == "handle_taken" else "", exc)
        else:
            return redirect(request, f"/c/{channel.handle}/write")
    return await render(request, "publish/new_channel.html", {"form": form}, status=422)


async def write_page(request: Request) -> Response:
    async with context_of(request).db.read() as connection:
        memberships = await channels_of_member(connection, request.state.viewer.id)
    return await render(request, "publish/write.html", {"memberships": memberships})


# Composing ---------------------------------------------------------------------------------------------------

async def _writable_channel(request: Request) -> tuple[Channel, ChannelRole]:
    """The channel named in the path and the viewer's role in it, if they own it or write for it (others get a
    page in words)."""
    ctx = context_of(request)
    channel = await access_channel(ctx, request.path_params["handle"])
    async with ctx.db.read() as connection:
        role = await member_role(connection, channel.id, request.state.viewer.id)
    if role is None:
        raise NotFound(f"you do not publish in {channel.handle!r}", code="not_your_channel")
    return channel, role


def _draft_arguments(request: Request, form: Form) -> dict[str, Any] | None:
    """The composer's fields as check_draft's arguments, or None with the problems put beside the fields."""
    reprint_text = form.text("reprint_of").strip().lstrip("#")
    reprint_of = None
    if reprint_text:
        reprint_of = parse_id(reprint_text)
        if reprint_of is None:
            form.fail(request, "reprint_of", Unprocessable("", code="unknown_post"))
    original = bool(form.checked("original"))
    rights = form.text("rights") or "attribute"
    whitelist = [h.lstrip("@") for h in form.text("whitelist").replace(",", " ").split()]
    form.require(request, "title", "body")
    if not form.ok:
        return None
    return {"title": form.text("title"), "body": form.text("body"), "reprint_of": reprint_of,
            "source_url": form.text("source_url").strip() or None, "original": original,
            "rights": (rights, whitelist)}


async def compose_page(request: Request) -> Response:
    ctx = context_of(request)
    channel, role = await _writable_channel(request)
    values: dict[str, Any] = {"channel": channel, "rights_choices": REPRINT_RIGHTS,
                              "is_owner": may_manage_channel(role)}
    if request.method == "GET":
        return await render(request, "publish/compose.html", {**values, "form": Form(values={"rights": "attribute"})})
    form = await read_form(request)
    action = form.text("action") or "preview"
    arguments = _draft_arguments(request, form)
    if arguments is not None:
        try:
            draft = check_draft(ctx, **arguments)
            if action == "publish":
                post = await do_publish(ctx, request.state.viewer, channel.handle, **arguments,
                                        on_accepted=request.app.state.worker.wake)
                return redirect(request, f"/me/posts/{post.id}")
            if action == "dry_run":
                values["dry_run"] = await access_dry_run(ctx, request.state.viewer, channel.handle, draft)
            values["preview"] = render_markdown(draft.body)
        except MastheadError as exc:
            form.fail(request, _COMPOSE_FIELDS.get(exc.code, ""), exc)
    # htmx swaps only successful responses in: a composer with its problems beside the fields is one too.
    status = 200 if form.ok or request.headers.get("hx-request") == "true" else 422
    return await render(request, "publish/compose.html", {**values, "form": form}, status=status)


# Posts and decisions -----------------------------------------------------------------------------------------

async def my_posts_page(request: Request) -> Response:
    before_text = request.query_params.get("before", "")
    before = parse_id(before_text)
    async with context_of(request).db.read() as connection:
        found = await posts_of_member(connection, request.state.viewer.id, before, MY_POSTS_PAGE_SIZE + 1)
    more = found[MY_POSTS_PAGE_SIZE - 1].id if len(found) > MY_POSTS_PAGE_SIZE else None
    return await render(request, "publish/my_posts.html", {"posts": found[:MY_POSTS_PAGE_SIZE], "before": more})


def _post_id(text: str) -> int:
    found = parse_id(text)
    if found is None:
        raise NotFound(f"no post {text!r}", code="post_not_found")
    return found


async def post_status_page(request: Request) -> Response:
    ctx = context_of(request)
    post = await access_post(ctx, request.state.viewer, _post_id(request.path_params["post_id"]))
    async with ctx.db.read() as connection:
        if await member_role(connection, post.channel_id, request.state.viewer.id) is None:
            raise NotFound(f"no post {post.id} of yours", code="not_your_channel")
    decision = await decision_for_post(ctx, post.id)
    return await render(request, "publish/post_status.html", {"post": post, "decision": decision})


def _restricted(state: PostState, labels: list[str] | tuple[str, ...]) -> bool:
    return state is not PostState.PUBLISHED or bool(labels)


async def decision_page(request: Request) -> Response:
    ctx = context_of(request)
    viewer: Account | None = request.state.viewer
    text = request.path_params["decision_id"]
    decision_id = parse_id(text)
    if decision_id is None:
        raise NotFound(f"no decision {text!r}", code="decision_not_found")
    decision, private = await access_decision(ctx, viewer, decision_id)
    post = await access_post(ctx, viewer, decision.post_id)
    form = Form()
    if request.method == "POST":
        if viewer is None:
            return redirect(request, f"/login?next=/decisions/{decision.id}")
        form = await read_form(request)
        form.require(request, "text")
        if form.ok:
            try:
                await do_appeal(ctx, viewer, decision.id, text=form.text("text"))
            except MastheadError as exc:
                form.fail(request, "text" if exc.code == "invalid_text" else "", exc)
            else:
                return redirect(request, f"/decisions/{decision.id}#appeal")
    async with ctx.db.read() as connection:
        appeal = await appeal_state(connection, decision.id)
        role = None if viewer is None else await member_role(connection, post.channel_id, viewer.id)
    is_member = role is not None
    restricted = _restricted(post.state, post.labels)
    return await render(request, "publish/decision.html", {
        "decision": decision, "post": post, "private": private, "appeal": appeal, "form": form,
        "is_owner": may_manage_channel(role),
        "restricted": restricted, "may_appeal": is_member and appeal is None and restricted,
        "window_days": ctx.settings.appeal_window_days,
    }, status=200 if form.ok else 422)


# Credentials -------------------------------------------------------------------------------------------------

async def _owned_channel(request: Request) -> Channel:
    ctx = context_of(request)
    channel = await access_channel(ctx, request.path_params["handle"])
    async with ctx.db.read() as connection:
        role = await member_role(connection, channel.id, request.state.viewer.id)
    if not may_manage_channel(role):
        raise NotFound(f"only the owner of {channel.handle!r} applies for its credentials", code="not_channel_owner")
    return channel


async def _file_of(request: Request, form: Form) -> tuple[str, bytes] | None:
    """The uploaded evidence file, checked by content; None when none was chosen (an error beside the field
    when it is unusable)."""
    upload = form.files.get("file")
    if upload is None or not upload.filename:
        return None
    data = await upload.read(MAX_FILE_BYTES + 1)
    try:
        if len(data) > MAX_FILE_BYTES:
            raise Unprocessable("", code="file_too_large")
        if not data:
            raise Unprocessable("", code="empty_file")
        sniff(data)
    except MastheadError as exc:
        form.fail(request, "file", exc)
        return None
    return upload.filename, data


async def _apply(request: Request, channel: Channel, form: Form) -> bool:
    ctx = context_of(request)
    scopes = form.checked("scopes")
    try:
        check_scopes(scopes, scopes_of(ctx))
    except MastheadError as exc:
        form.fail(request, "scopes", exc)
    form.require(request, "organisation", "registration_number", "contact")
    upload = await _file_of(request, form)
    if not form.ok:
        return False
    evidence = Evidence(form.text("organisation"), form.text("registration_number"), form.text("contact"),
                        form.text("statement"))
    try:
        application_id = await do_apply(ctx, request.state.viewer, channel.handle, scopes, evidence)
        if upload is not None:
            await do_attach_file(ctx, request.state.viewer, application_id, *upload)
    except MastheadError as exc:
        form.fail(request, "", exc)
        return False
    return True


async def _act_on_application(request: Request, form: Form) -> bool:
    """Withdraw an open application or add a file to it."""
    ctx = context_of(request)
    application_id = parse_id(form.text("application_id")) or 0
    try:
        if form.text("action") == "withdraw":
            await do_withdraw(ctx, request.state.viewer, application_id)
            return True
        upload = await _file_of(request, form)
        if upload is None:
            form.errors.setdefault("file", gettext(request, "Choose a file to add."))
            return False
        await do_attach_file(ctx, request.state.viewer, application_id, *upload)
    except MastheadError as exc:
        form.fail(request, "", exc)
        return False
    return True


async def credentials_page(request: Request) -> Response:
    ctx = context_of(request)
    channel = await _owned_channel(request)
    form = Form()
    if request.method == "POST":
        form = await read_form(request)
        try:
            done = await (_apply(request, channel, form) if form.text("action") == "apply"
                          else _act_on_application(request, form))
        finally:
            for upload in form.files.values():
                await upload.close()
        if done:
            return redirect(request, f"/c/{channel.handle}/credentials#applications")
    applications = await applications_for(ctx, request.state.viewer, channel.handle)
    details = {application.id: await application_details(ctx, application.id) for application in applications}
    async with ctx.db.read() as connection:
        actors = await handles_of(connection, [int(step["actor_id"]) for d in details.values()
                                               for step in d["history"]])
    return await render(request, "publish/credentials.html", {
        "channel": channel, "form": form, "apply_form": form if form.text("action") == "apply" else Form(),
        "scopes": [(scope, gettext(request, scope.description)) for scope in scopes_of(ctx).values()], "applications": applications,
        "details": details, "actors": actors, "open_states": OPEN_STATES, "max_file_bytes": MAX_FILE_BYTES,
    }, status=200 if form.ok else 422)


PAGES = [
    Page("/channels/new", new_channel_page, ("GET", "POST"), sign_in=True),
    Page("/write", write_page, sign_in=True),
    Page("/c/{handle}/write", compose_page, ("GET", "POST"), sign_in=True),
    Page("/c/{handle}/credentials", credentials_page, ("GET", "POST"), sign_in=True),
    Page("/me/posts", my_posts_page, sign_in=True),
    Page("/me/posts/{post_id}", post_status_page, sign_in=True),
    Page("/decisions/{decision_id}", decision_page, ("GET", "POST")),
]
