"""The pipeline's reads and writes: claim outbox entries, then commit a batch's decisions in one transaction."""
from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.domain.posts import Outcome, PostState
from masthead.store.bulk import BulkInsert, DriverStatement, json_text, postgres_insert_from_json, python_datetime
from masthead.store.dialect import compiled_once, integer_list, one_of
from masthead.store.policies import add_campaign_actions_txn
from masthead.store.database import Database
from masthead.store.sequences import next_sequence_value_txn, take_next_statement as _take_next_statement
from masthead.store.tables import decisions, outbox, post_bodies, posts


# Tuples rather than frozen dataclasses: the pipeline makes one of each per post, and a frozen dataclass's
# __init__ (one object.__setattr__ per field) cost several microseconds of a post's ~70 (benchmarks/publish.py).
class ClaimedPost(NamedTuple):
    post_id: int
    attempts: int
    channel_id: int
    author_id: int
    title: str
    body: str
    reprint_of: int | None
    source_url: str | None
    original: bool
    created_at: datetime


class DecisionRow(NamedTuple):
    post_id: int
    policy_id: str
    policy_version: int
    outcome: str
    state: PostState
    lang: str | None
    labels: list[str]
    facts: dict[str, Any]
    trace: list[dict[str, Any]]
    versions: dict[str, Any]
    automated: bool
    decided_for: datetime
    policy_sha256: str
    explanation: str
    statement: dict[str, Any] | None
    restriction_ends_at: datetime | None
    campaign_actions: list[str]


_CLAIM_COLUMNS = (outbox.c.id, outbox.c.attempts, posts.c.id, posts.c.channel_id, posts.c.author_id, posts.c.title,
                  post_bodies.c.body, posts.c.reprint_of, posts.c.source_url, posts.c.original, posts.c.created_at)
_DECISION_COLUMNS = ("post_id", "policy_id", "policy_version", "outcome", "labels", "facts", "trace", "versions",
                     "automated", "created_at", "decided_for", "policy_sha256", "explanation", "statement",
                     "restriction_ends_at")


def _claim_statement(connection: AsyncConnection, limit: int) -> DriverStatement:
    return compiled_once(connection, ("claim", limit), lambda connection: DriverStatement(
        connection, _claimable(limit, *_CLAIM_COLUMNS).with_for_update(of=outbox, skip_locked=True)))


def _decision_insert(connection: AsyncConnection) -> BulkInsert:
    return compiled_once(connection, "decisions", lambda connection: BulkInsert(
        connection, decisions, _DECISION_COLUMNS, ignore_conflicts=True))


async def claim_batch_txn(
    connection: AsyncConnection, *, worker_id: str, now: datetime, lease: timedelta, limit: int
) -> list[ClaimedPost]:
    """Take up to `limit` entries nobody holds (or whose holder's lease ran out), with their posts' content.
    On PostgreSQL concurrent workers skip each other's rows (FOR UPDATE SKIP LOCKED); on SQLite the write
    transaction (BEGIN IMMEDIATE) already serialises claims. The claim itself is one set-based UPDATE."""
    if connection.dialect.name == "sqlite":
        claim = _SqliteClaim(connection, worker_id=worker_id, now=now, lease=lease, limit=limit)
        return claim.posts(await (await Database.hand_to_sqlite_thread(connection, claim.run)))
    statement = _claim_statement(connection, limit)
    rows = await statement.fetchall(connection, {"now": now, "expired": now - lease})
    if not rows:
        return []
    await connection.execute(_mark_claimed(connection), {
        "ids": integer_list(connection, [row[0] for row in rows]), "claimed_at": now, "claimed_by": worker_id})
    return _claimed_posts(rows)


def _claimed_posts(rows: Sequence[Sequence[Any]]) -> list[ClaimedPost]:
    return [
        ClaimedPost(post_id, attempts + 1, channel_id, author_id, title, body, reprint_of, source_url, bool(original),
                    python_datetime(created_at))
        for (_, attempts, post_id, channel_id, author_id, title, body, reprint_of, source_url, original, created_at)
        in rows
    ]


class _SqliteClaim:
    """claim_batch_txn on SQLite as work for the writer's thread (`run`): the batch comes back as one row, a
    JSON array of the posts without their bodies and the bodies end to end, and is marked claimed by one
    UPDATE; SQLite takes these steps without the GIL rather than one step per post. `posts` reads the result
    in the calling thread, cutting the bodies apart by their lengths."""

    def __init__(self, connection: AsyncConnection, *, worker_id: str, now: datetime, lease: timedelta,
                 limit: int) -> None:
        self.statements = compiled_once(connection, ("claim in one row", limit), lambda connection: (
            _claim_in_one_row(connection, limit)))
        self.values = {"now": now, "expired": now - lease, "claimed_at": now, "claimed_by": worker_id}

    def run(self, db: sqlite3.Connection) -> tuple[str, str | None]:
        split, whole, mark = self.statements
        posts, bodies, length = db.execute(split.sql, split.parameters(self.values)).fetchall()[0]
        if posts == "[]":
            return posts, ""
        result: tuple[str, str | None] = (posts, bodies)
        if length != len(bodies):  # length() stops at a NUL character, which older versions let in
            result = (db.execute(whole.sql, whole.parameters(self.values)).fetchall()[0][0], None)
        db.execute(mark.sql, mark.parameters({**self.values, "claimed": result[0]}))
        return result

    @staticmethod
    def posts(result: tuple[str, str | None]) -> list[ClaimedPost]:
        document, bodies = result
        if bodies is None:
            return _claimed_posts(orjson.loads(document))
        rows = []
        end = 0
        for *head, reprint_of, source_url, original, created_at, length in orjson.loads(document):
            start, end = end, end + length
            rows.append((*head, bodies[start:end], reprint_of, source_url, original, created_at))
        return _claimed_posts(rows)


def _claim_in_one_row(connection: AsyncConnection, limit: int) -> tuple[DriverStatement, ...]:
    """The claim's SELECT as one row: the posts without their bodies as a JSON array (each with its body's
    length last), the bodies end to end, and their total length; the same with the bodies inside the JSON
    (when lengths cannot be trusted); and an UPDATE marking the entries that JSON lists."""
    chosen = _claimable(limit, *(column.label(f"c{position}") for position, column in enumerate(
        _CLAIM_COLUMNS))).subquery()
    body = chosen.c[f"c{_CLAIM_COLUMNS.index(post_bodies.c.body)}"]
    split = sa.select(
        sa.func.json_group_array(sa.func.json_array(*(column for column in chosen.c if column is not body),
                                                    sa.func.length(body))),
        sa.func.group_concat(body, ""), sa.func.sum(sa.func.length(body)))
    whole = sa.select(sa.func.json_group_array(sa.func.json_array(*chosen.c)))
    # The entries are the first element of each post in the JSON just read.
    claimed = sa.func.json_each(sa.bindparam("claimed", type_=sa.String)).table_valued("value")
    mark = outbox.update().where(outbox.c.id.in_(sa.select(sa.func.json_extract(claimed.c.value, "$[0]")))).values(
        claimed_at=sa.bindparam("claimed_at"), claimed_by=sa.bindparam("claimed_by"),
        attempts=outbox.c.attempts + 1)
    return (DriverStatement(connection, split), DriverStatement(connection, whole), DriverStatement(connection, mark))


def _claimable(limit: int, *columns: sa.ColumnElement[Any]) -> sa.Select[Any]:
    """The first `limit` outbox entries nobody holds, oldest first, with their posts."""
    return (
        sa.select(*columns)
        .select_from(outbox.join(posts, posts.c.id == outbox.c.post_id)
                     .join(post_bodies, post_bodies.c.post_id == outbox.c.post_id))
        .where(outbox.c.available_at <= sa.bindparam("now"),
               sa.or_(outbox.c.claimed_at.is_(None), outbox.c.claimed_at < sa.bindparam("expired")))
        .order_by(outbox.c.available_at, outbox.c.id).limit(limit)
    )


def _mark_claimed(connection: AsyncConnection) -> sa.Update:
    return compiled_once(connection, "mark claimed", lambda connection: outbox.update().where(
        one_of(connection, outbox.c.id)).values(
            claimed_at=sa.bindparam("claimed_at"), claimed_by=sa.bindparam("claimed_by"),
            attempts=outbox.c.attempts + 1))


def _decide_posts(connection: AsyncConnection) -> sa.Update:
    return compiled_once(connection, "decide posts", lambda connection: posts.update().where(
        one_of(connection, posts.c.id), posts.c.state == PostState.RECEIVED.value).values(
            state=sa.bindparam("new_state"), lang=sa.bindparam("new_lang"), labels=sa.bindparam("new_labels"),
            published_at=sa.bindparam("new_published_at"), feed_seq=sa.bindparam("new_feed_seq")))


def _delete_from_outbox(connection: AsyncConnection) -> sa.Delete:
    return compiled_once(connection, "delete from outbox", lambda connection: outbox.delete().where(
        one_of(connection, outbox.c.post_id)))


@dataclass(frozen=True)
class Committed:
    """What commit_decisions_txn did: the feed_seq its published posts took (None when it published none), and
    the batch it claimed next."""

    feed_seq: int | None
    claimed: list[ClaimedPost]


@dataclass(frozen=True)
class ClaimRequest:
    worker_id: str
    lease: timedelta
    limit: int


async def commit_decisions_txn(connection: AsyncConnection, rows: Sequence[DecisionRow], now: datetime, *,
                               handed_over: asyncio.Event | None = None,
                               claim_next: ClaimRequest | None = None) -> Committed:
    """Record each post's decision and move it out of `received`, all or nothing; with `claim_next`, also
    claim the next batch in the same transaction. Safe to repeat: a post already decided (by a
    worker whose lease we outlived) keeps its first decision. On SQLite the writes and the claim run in the
    writer's thread as one piece of work, and `handed_over` is set once it is queued there (at once on
    PostgreSQL): the caller may compute meanwhile, as SQLite does not hold the GIL while it writes."""
    actions = Counter(campaign for r in rows for campaign in r.campaign_actions)
    if actions:
        await add_campaign_actions_txn(connection, actions, now.date())
    if connection.dialect.name == "sqlite":
        write = _SqliteCommit(connection, rows, now) if rows else None
        claim = None if claim_next is None else _SqliteClaim(
            connection, worker_id=claim_next.worker_id, now=now, lease=claim_next.lease, limit=claim_next.limit)

        def work(db: sqlite3.Connection) -> tuple[str, str | None] | None:
            if write is not None:
                write.run(db)
            return None if claim is None else claim.run(db)

        done = await Database.hand_to_sqlite_thread(connection, work)
        if handed_over is not None:
            handed_over.set()
        claimed = await done
        return Committed(None if write is None else write.feed_seq,
                         [] if claimed is None else _SqliteClaim.posts(claimed))
    if handed_over is not None:
        handed_over.set()
    feed_seq = await _commit_through_driver(connection, rows, now) if rows else None
    return Committed(feed_seq, [] if claim_next is None else await claim_batch_txn(
        connection, worker_id=claim_next.worker_id, now=now, lease=claim_next.lease, limit=claim_next.limit))


async def _commit_through_driver(connection: AsyncConnection, rows: Sequence[DecisionRow],
                                 now: datetime) -> int | None:
    insert = compiled_once(connection, "decisions from json", lambda connection: postgres_insert_from_json(
        decisions, _DECISION_COLUMNS, ignore_conflicts=True))
    await connection.exec_driver_sql(insert, (orjson.dumps([
        {"post_id": r.post_id, "policy_id": r.policy_id, "policy_version": r.policy_version, "outcome": r.outcome,
         "labels": r.labels, "facts": r.facts, "trace": r.trace, "versions": r.versions, "automated": r.automated,
         "created_at": now, "decided_for": r.decided_for, "policy_sha256": r.policy_sha256,
         "explanation": r.explanation, "statement": r.statement, "restriction_ends_at": r.restriction_ends_at}
        for r in rows]).decode(),))
    feed_seq = await next_sequence_value_txn(connection, "feed") if any(
        r.state is PostState.PUBLISHED for r in rows) else None
    for (state, lang, labels), post_ids in _by_new_state(rows).items():
        published = state is PostState.PUBLISHED
        await connection.execute(_decide_posts(connection), {
            "ids": integer_list(connection, post_ids), "new_state": state.value, "new_lang": lang,
            "new_labels": list(labels), "new_published_at": now if published else None,
            "new_feed_seq": feed_seq if published else None})
    await connection.execute(_delete_from_outbox(connection),
                             {"ids": integer_list(connection, [r.post_id for r in rows])})
    return feed_seq


def _decision_values(insert: BulkInsert, r: DecisionRow, created_at: Any) -> tuple[Any, ...]:
    return (r.post_id, r.policy_id, r.policy_version, r.outcome, json_text(r.labels), json_text(r.facts),
            json_text(r.trace), json_text(r.versions), r.automated, created_at, insert.value(r.decided_for),
            r.policy_sha256, r.explanation, None if r.statement is None else json_text(r.statement),
            None if r.restriction_ends_at is None else insert.value(r.restriction_ends_at))


def _by_new_state(rows: Sequence[DecisionRow]) -> dict[tuple[PostState, str | None, tuple[str, ...]], list[int]]:
    """Posts in a batch mostly share their outcome, so one UPDATE per distinct (state, lang, labels) is enough."""
    groups: dict[tuple[PostState, str | None, tuple[str, ...]], list[int]] = defaultdict(list)
    for r in rows:
        groups[(r.state, r.lang, tuple(r.labels))].append(r.post_id)
    return groups


class _SqliteCommit:
    """commit_decisions_txn's statements for SQLite, with every parameter prepared in the calling thread: `run`
    executes in the writer's thread."""

    def __init__(self, connection: AsyncConnection, rows: Sequence[DecisionRow], now: datetime) -> None:
        insert = _decision_insert(connection)
        created_at = insert.value(now)
        self.insert_sql = insert.sql
        self.decisions = [_decision_values(insert, r, created_at) for r in rows]
        self.take_feed_seq = _driver(connection, _take_next_statement(connection))
        self.publishes = any(r.state is PostState.PUBLISHED for r in rows)
        self.update = _driver(connection, _decide_posts(connection))
        self.updates = [
            {"ids": integer_list(connection, post_ids), "new_state": state.value, "new_lang": lang,
             "new_labels": list(labels), "new_published_at": now if state is PostState.PUBLISHED else None}
            for (state, lang, labels), post_ids in _by_new_state(rows).items()]
        self.delete = _driver(connection, _delete_from_outbox(connection))
        self.delete_values = {"ids": integer_list(connection, [r.post_id for r in rows])}
        self.feed_seq: int | None = None

    def run(self, db: sqlite3.Connection) -> None:
        _insert_rows_at_once(db, self.insert_sql, self.decisions)
        feed_seq = self.feed_seq = db.execute(self.take_feed_seq.sql, self.take_feed_seq.parameters(
            {"name": "feed"})).fetchall()[0][0] if self.publishes else None
        for values in self.updates:
            published = values["new_published_at"] is not None
            db.execute(self.update.sql, self.update.parameters(
                {**values, "new_feed_seq": feed_seq if published else None}))
        db.execute(self.delete.sql, self.delete.parameters(self.delete_values))


def _insert_rows_at_once(db: sqlite3.Connection, insert_sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """`INSERT … VALUES (?, …)` for many rows as few statements with many VALUES lists each: one step per
    statement, so SQLite runs without the GIL, where executemany takes it back for every row."""
    if not rows:
        return
    head, values = insert_sql.split(" VALUES ", 1)
    end = values.index(")") + 1
    one_row, tail = values[:end], values[end:]
    per_statement = db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(rows[0])
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        db.execute(f"{head} VALUES {', '.join([one_row] * len(chunk))}{tail}",
                   [value for row in chunk for value in row])


def _driver(connection: AsyncConnection, statement: Any) -> DriverStatement:
    return compiled_once(connection, ("driver", id(statement)), lambda connection: DriverStatement(
        connection, statement))


@dataclass(frozen=True)
class LiftedRestriction:
    decision_id: int
    post_id: int
    republished: bool


_RESTRICTING = {Outcome.HOLD.value: PostState.HELD, Outcome.REJECT.value: PostState.REJECTED}


async def lift_expired_restrictions_txn(connection: AsyncConnection, now: datetime) -> list[LiftedRestriction]:
    """Restrictions tied to a campaign end with it: a post still held or rejected by such a decision is
    published, labels it received are taken off. Posts that people have acted on since keep their state."""
    due = (await connection.execute(
        sa.select(decisions.c.id, decisions.c.post_id, decisions.c.outcome, decisions.c.labels, posts.c.state,
                  posts.c.labels.label("post_labels"))
        .join(posts, posts.c.id == decisions.c.post_id)
        .where(decisions.c.restriction_ends_at <= now, decisions.c.lifted_at.is_(None))
        .order_by(decisions.c.id).with_for_update(of=decisions, skip_locked=True)
    )).all()
    if not due:
        return []
    republish = [row.post_id for row in due if _RESTRICTING.get(row.outcome) == PostState(row.state)]
    if republish:
        feed_seq = await next_sequence_value_txn(connection, "feed")
        await connection.execute(posts.update().where(posts.c.id.in_(republish)).values(
            state=PostState.PUBLISHED.value, published_at=now, feed_seq=feed_seq))
    for row in due:
        if row.labels:
            remaining = [label for label in row.post_labels if label not in set(row.labels)]
            await connection.execute(posts.update().where(posts.c.id == row.post_id).values(labels=remaining))
    await connection.execute(decisions.update().where(decisions.c.id.in_([row.id for row in due]))
                             .values(lifted_at=now))
    return [LiftedRestriction(row.id, row.post_id, row.post_id in republish) for row in due]


async def release_for_retry_txn(
    connection: AsyncConnection, post_id: int, *, error: str, retry_at: datetime
) -> None:
    await connection.execute(outbox.update().where(outbox.c.post_id == post_id).values(
        claimed_at=None, claimed_by=None, available_at=retry_at, last_error=error[:2000]))


async def outbox_depth(connection: AsyncConnection) -> int:
    depth: int = (await connection.execute(sa.select(sa.func.count()).select_from(outbox))).scalar_one()
    return depth
