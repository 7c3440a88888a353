"""Evidence files: at most 10 MiB, PDF, PNG or JPEG by their first bytes (not by what the client claims), stored
under a random name outside any served directory, with their hash."""
from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from masthead.context import Context
from masthead.domain.errors import Conflict, NotFound, PayloadTooLarge, Unprocessable
from masthead.domain.models import Account
from masthead.store import credentials as store
from masthead.store.audit import append_audit_txn
from masthead.verification.service import access_application, access_own_open_application_txn

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
SIGNATURES = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


def sniff(data: bytes) -> str:
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    raise Unprocessable("evidence files must be PDF, PNG or JPEG (checked by content, not by name)",
                        code="unsupported_file_type")


def _write_new_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


async def do_attach_file(ctx: Context, owner: Account, application_id: int, name: str, data: bytes) -> dict[str, object]:
    async with ctx.db.read() as connection:  # a file for no application of yours is not even looked at
        await access_own_open_application_txn(connection, owner, application_id)
    if len(data) > MAX_FILE_BYTES:
        raise PayloadTooLarge(f"the file is {len(data)} bytes; evidence files may be at most {MAX_FILE_BYTES} bytes")
    if not data:
        raise Unprocessable("the file is empty", code="empty_file")
    content_type = sniff(data)
    digest = hashlib.sha256(data).hexdigest()
    stored_name = f"{secrets.token_hex(16)}.bin"
    path = Path(ctx.settings.data_dir) / "evidence" / stored_name
    # Written before the transaction (the disk is slow; the writer lock is not held for it) and removed again
    # if the transaction does not commit, so no file outlives a refused or failed upload.
    await asyncio.to_thread(_write_new_file, path, data)
    try:
        now = ctx.clock.now()
        async with ctx.db.write() as connection:
            await access_own_open_application_txn(connection, owner, application_id)
            if len(await store.files_of(connection, application_id)) >= MAX_FILES:
                raise Conflict(f"an application holds at most {MAX_FILES} files", code="too_many_files")
            file_id = await store.insert_file_txn(connection, application_id=application_id,
                                                  original_name=name[:255], content_type=content_type,
                                                  size=len(data), sha256=digest, stored_name=stored_name, now=now)
            await append_audit_txn(connection, actor=f"account:{owner.handle}", action="credential.file",
                                   subject=f"application:{application_id}", payload={"sha256": digest}, now=now)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return {"id": str(file_id), "name": name[:255], "content_type": content_type, "size": len(data), "sha256": digest}


@dataclass(frozen=True)
class EvidenceFile:
    path: Path
    name: str
    content_type: str


async def access_evidence_file(ctx: Context, viewer: Account, application_id: int, file_id: int) -> EvidenceFile:
    """A file of an application, for the channel's owner and verifiers only (others are told it does not exist)."""
    await access_application(ctx, viewer, application_id)
    async with ctx.db.read() as connection:
        found = await store.stored_file(connection, application_id, file_id)
    if found is None:
        raise NotFound(f"application {application_id} has no file {file_id}", code="file_not_found")
    path = Path(ctx.settings.data_dir) / "evidence" / found["stored_name"]
    if not path.is_file():  # the data directory lost it (restored from an older backup, say)
        raise NotFound(f"file {file_id} of application {application_id} is missing from storage",
                       code="file_not_found")
    return EvidenceFile(path, found["name"], found["content_type"])
