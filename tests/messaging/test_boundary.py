"""Only public content is moderated, by construction: the code that decides public content (pipeline,
classifiers, reprint index, policy, moderation, transparency) never imports the messaging code, and never runs
SQL that names a private-message table, even while people are messaging and reporting messages."""
from __future__ import annotations

import ast
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

import masthead
from masthead.context import Context
from masthead.domain.accounts import Role
from masthead.store.tables import metadata
from masthead.transparency.report import export_statements, transparency_report
from tests.conftest import Api
from tests.messaging.conftest import People
from tests.moderation.test_workflow import staff

PUBLIC_CONTENT = ("pipeline", "classify", "reprint", "policy", "moderation", "transparency")
PRIVATE = ("masthead.messaging", "masthead.api.routes.messages", "masthead.web.messages")
PRIVATE_TABLES = sorted(name for name in metadata.tables if name.startswith("dm_"))
SOURCE = Path(masthead.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ModuleNotFoundError, ValueError):
        return False


def _imports(name: str) -> Iterator[str]:
    """The masthead modules that module `name` imports (at any depth in its body, TYPE_CHECKING included)."""
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None
    package = name if spec.origin.endswith("__init__.py") else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(Path(spec.origin).read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.startswith("masthead"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if not base.startswith("masthead"):
                continue
            yield base
            for alias in node.names:  # `from masthead.x import y` where y is itself a module
                if _is_module(f"{base}.{alias.name}"):
                    yield f"{base}.{alias.name}"


def _reachable(roots: list[str]) -> dict[str, str]:
    """Every masthead module reachable from `roots` by imports, with the module that first imported it."""
    seen: dict[str, str] = {root: "" for root in roots}
    queue = list(roots)
    while queue:
        current = queue.pop()
        for imported in _imports(current):
            while imported and not _is_module(imported):
                imported = imported.rpartition(".")[0]
            if imported and imported not in seen:
                seen[imported] = current
                queue.append(imported)
    return seen


def test_public_content_code_never_imports_the_messaging_code() -> None:
    roots = sorted(_module_name(path) for package in PUBLIC_CONTENT for path in (SOURCE / package).rglob("*.py"))
    reachable = _reachable(roots)
    assert "masthead.moderation.private_reports" in reachable and "masthead.store.tables" in reachable
    leaks = {module: via for module, via in reachable.items() if module.startswith(PRIVATE)}
    assert not leaks, f"public-content code reaches private messaging: {leaks}"


def test_public_content_code_names_no_private_table() -> None:
    """Nor does its source name a dm_* table object (e.g. `from masthead.store.tables import dm_messages`)."""
    roots = sorted(_module_name(path) for package in PUBLIC_CONTENT for path in (SOURCE / package).rglob("*.py"))
    pattern = re.compile(r"\b(" + "|".join(PRIVATE_TABLES) + r")\b")
    for module in _reachable(roots):
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None
        if module == "masthead.store.tables":
            continue  # where the schema is declared
        found = pattern.search(Path(spec.origin).read_text())
        assert found is None, f"{module} names {found.group(0)}"


def test_the_import_walk_would_see_a_leak() -> None:
    reachable = _reachable(["masthead.api.app"])
    assert "masthead.messaging.service" in reachable


class StatementLog:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.recording = False

    def record(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.recording:
            self.statements.append(statement)

    def private(self) -> list[str]:
        pattern = re.compile(r"\b(" + "|".join(PRIVATE_TABLES) + r")\b", re.IGNORECASE)
        return [statement for statement in self.statements if pattern.search(statement)]


def _listen(ctx: Context, log: StatementLog) -> list[sa.engine.Engine]:
    engines = list({id(e): e.sync_engine for e in (ctx.db.write_engine, ctx.db.read_engine)}.values())
    for engine in engines:
        event.listen(engine, "before_cursor_execute", log.record)
    return engines


async def test_a_full_public_content_run_reads_no_private_table(people: People, api: Api, ctx: Context) -> None:
    log = StatementLog()
    engines = _listen(ctx, log)
    try:
        # People message each other, and one reports a message (the messaging code's own SQL, not recorded).
        alice = await people.person("alice")
        bob = await people.person("bob")
        conversation = await alice.start(["bob"])
        await bob.accept(conversation)
        await alice.send(conversation, "Private: meet me at the usual place")
        [message] = await bob.fetch()
        message_item = await bob.report(message, reason="spam")
        moderator = await staff(ctx, "mod_boundary", Role.MODERATOR)

        log.recording = True
        await api.channel(alice.token, "alice_news")
        posts = [await api.publish(alice.token, "alice_news", f"Post {i}", f"Public text number {i}.")
                 for i in range(3)]
        await api.run_pipeline()
        reported = await api.client.post(f"/api/v1/posts/{posts[0]}/reports", headers=api.auth(bob.token),
                                         json={"reason": "spam", "comment": ""})
        assert reported.status_code == 201
        queue = (await api.client.get("/api/v1/moderation/queue", headers=api.auth(moderator))).json()
        kinds = {item["kind"]: item["id"] for item in queue["items"]}
        assert set(kinds) >= {"report", "message"} and kinds["message"] == message_item
        for item_id, action in ((kinds["report"], "remove"), (kinds["message"], "dismiss")):
            response = await api.client.post(f"/api/v1/moderation/items/{item_id}/resolve",
                                             headers=api.auth(moderator), json={"action": action, "reason": "r"})
            assert response.status_code == 200, response.text
        await transparency_report(ctx, None, None)
        exported = [piece async for piece in export_statements(ctx, None, None, "json")]
        assert "STATEMENT_CATEGORY" in "".join(exported)
        log.recording = False
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", log.record)
    assert any("decisions" in statement for statement in log.statements)  # the pipeline's SQL was recorded
    assert any("message_reports" in statement for statement in log.statements)
    assert log.private() == []


async def test_the_statement_log_would_see_a_private_read(people: People, ctx: Context) -> None:
    log = StatementLog()
    engines = _listen(ctx, log)
    try:
        log.recording = True
        alice = await people.person("alice")
        await alice.conversations()
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", log.record)
    assert log.private()
