"""The audit log: append inside the transaction that made the change; verify the whole chain."""
from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.domain.audit import GENESIS_HASH, entry_hash
from masthead.store.bulk import DriverStatement, json_text
from masthead.store.database import Database
from masthead.store.dialect import compiled_once
from masthead.store.sequences import next_sequence_value_txn, take_next_statement
from masthead.store.tables import audit_log, sequences

AUDIT_SEQUENCE = "audit"


async def append_audit_txn(
    connection: AsyncConnection, *, actor: str, action: str, subject: str, payload: Any, now: datetime
) -> int:
    """Append one entry; its number. Taking the next number locks the chain's head until this transaction ends,
    so concurrent writers append one after another and the chain never forks. On SQLite the three statements
    run in the writer's thread in one go."""
    if connection.dialect.name == "sqlite":
        statements = compiled_once(connection, "audit append", _append_statements)
        return await (await Database.hand_to_sqlite_thread(connection, partial(
            _append_on_sqlite, statements, actor=actor, action=action, subject=subject, payload=payload, now=now)))
    seq = await next_sequence_value_txn(connection, AUDIT_SEQUENCE)
    previous: str | None = (await connection.execute(_hash_of_entry(connection), {"seq": seq - 1})).scalar()
    prev_hash = previous or GENESIS_HASH
    await connection.execute(_insert_entry(connection), {
        "seq": seq, "at": now, "actor": actor, "action": action, "subject": subject, "payload": payload,
        "prev_hash": prev_hash, "hash": entry_hash(seq, now, actor, action, subject, payload, prev_hash)})
    return seq


def _append_statements(connection: AsyncConnection) -> tuple[DriverStatement, DriverStatement, DriverStatement]:
    insert = audit_log.insert().values({column.name: sa.bindparam(column.name) for column in audit_log.c})
    return (DriverStatement(connection, take_next_statement(connection)),
            DriverStatement(connection, _hash_of_entry(connection)), DriverStatement(connection, insert))


def _append_on_sqlite(statements: tuple[DriverStatement, DriverStatement, DriverStatement], db: sqlite3.Connection,
                      *, actor: str, action: str, subject: str, payload: Any, now: datetime) -> int:
    take_next, hash_of_entry, insert = statements
    seq: int = db.execute(take_next.sql, take_next.parameters({"name": AUDIT_SEQUENCE})).fetchall()[0][0]
    previous = db.execute(hash_of_entry.sql, hash_of_entry.parameters({"seq": seq - 1})).fetchall()
    prev_hash = (previous[0][0] if previous else None) or GENESIS_HASH
    db.execute(insert.sql, insert.parameters({
        "seq": seq, "at": now, "actor": actor, "action": action, "subject": subject, "payload": json_text(payload),
        "prev_hash": prev_hash, "hash": entry_hash(seq, now, actor, action, subject, payload, prev_hash)}))
    return seq


def _hash_of_entry(connection: AsyncConnection) -> sa.Select[Any]:
    return compiled_once(connection, "audit entry hash", lambda connection: sa.select(audit_log.c.hash).where(
        audit_log.c.seq == sa.bindparam("seq")))


def _insert_entry(connection: AsyncConnection) -> sa.Insert:
    return compiled_once(connection, "audit entry", lambda connection: audit_log.insert())


@dataclass(frozen=True)
class AuditProblem:
    seq: int
    message: str


@dataclass(frozen=True)
class AuditReport:
    entries: int
    problem: AuditProblem | None


async def _entries(connection: AsyncConnection, page: int = 5000) -> AsyncIterator[Any]:
    after = 0
    while True:
        rows = (await connection.execute(
            sa.select(audit_log).where(audit_log.c.seq > after).order_by(audit_log.c.seq).limit(page))).all()
        for row in rows:
            yield row
        if len(rows) < page:
            return
        after = rows[-1].seq


async def verify_audit_chain(connection: AsyncConnection) -> AuditReport:
    """Walk the chain from the start; report the first entry that was altered, removed or reordered."""
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    async for row in _entries(connection):
        if row.seq != expected_seq:
            return AuditReport(count, AuditProblem(expected_seq, f"entry {expected_seq} is missing (removed); "
                                                                 f"the next entry is {row.seq}"))
        if row.prev_hash != prev_hash:
            return AuditReport(count, AuditProblem(row.seq, f"entry {row.seq} does not follow entry {row.seq - 1} "
                                                            "(its link to the previous hash is broken: reordered or "
                                                            "an earlier entry was replaced)"))
        if entry_hash(row.seq, row.at, row.actor, row.action, row.subject, row.payload, row.prev_hash) != row.hash:
            return AuditReport(count, AuditProblem(row.seq, f"entry {row.seq} ({row.action} {row.subject} by "
                                                            f"{row.actor}) was altered: its content no longer "
                                                            "matches its hash"))
        expected_seq, prev_hash, count = row.seq + 1, row.hash, count + 1
    head = (await connection.execute(
        sa.select(sequences.c.value).where(sequences.c.name == AUDIT_SEQUENCE))).scalar() or 0
    if head > count:
        return AuditReport(count, AuditProblem(count + 1, f"entries {count + 1} to {head} are missing "
                                                          "(removed from the end of the log)"))
    return AuditReport(count, None)
