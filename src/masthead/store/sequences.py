"""Named counters (the feed's publication order, the audit chain's numbering)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.store.dialect import compiled_once, upsert_add
from masthead.store.tables import sequences


def take_next_statement(connection: AsyncConnection) -> sa.Insert:
    return compiled_once(connection, "next sequence value", lambda connection: upsert_add(
        connection, sequences, ["name"], "value").values(name=sa.bindparam("name"), value=1)
        .returning(sequences.c.value))


async def next_sequence_value_txn(connection: AsyncConnection, name: str) -> int:
    """Take the next value of a named counter. The row stays locked until the caller's transaction ends, so
    a later transaction can only take a higher value after this one has committed or rolled back."""
    value: int = (await connection.execute(take_next_statement(connection), {"name": name})).scalar_one()
    return value
