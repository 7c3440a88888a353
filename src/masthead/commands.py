"""Core subcommands: serve, worker, migrate, user create."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import signal
import sys
from typing import Any

from masthead.context import Context
from masthead.domain.accounts import Role, parse_role
from masthead.domain.errors import MastheadError
from masthead.settings import load_settings
from masthead.store.migrate import run_migrations

log = logging.getLogger("masthead")


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from masthead.api.app import create_app
    from masthead.demo import load_demo
    from masthead.server_processes import check_processes, serve_processes

    _configure_logging()
    settings = load_settings()
    check_processes(settings, args.processes)
    run_migrations(settings.database_url)
    ctx = Context.create(settings)
    if args.demo:
        async def demo() -> None:
            try:
                loaded = await load_demo(ctx)
                log.info("demo data %s", "loaded" if loaded else "already present; left as it is")
            finally:
                await ctx.db.dispose()
        asyncio.run(demo())
    log.info("Masthead on http://%s:%d (database %s)", args.host, args.port, settings.database_url.split("@")[-1])
    # Uncompressed WebSocket frames are the same bytes for every subscriber, so the live hub writes them once
    # per batch for all (per-message compression would cost one compression per connection).
    uvicorn_options: dict[str, Any] = {"log_level": "info", "ws_per_message_deflate": False}
    if args.processes > 1:
        return serve_processes(settings, host=args.host, port=args.port, processes=args.processes,
                               run_worker=not args.no_worker, uvicorn_options=uvicorn_options)
    uvicorn.run(create_app(ctx, run_worker=not args.no_worker), host=args.host, port=args.port, **uvicorn_options)
    return 0


def worker(args: argparse.Namespace) -> int:
    from masthead.api.routes.live import post_json
    from masthead.live.announce import announce_published, connect_redis
    from masthead.pipeline.assembly import build_worker

    _configure_logging()
    ctx = Context.create(load_settings())
    bridge = connect_redis(ctx.settings.redis_url)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        pipeline = build_worker(ctx, after_commit=[announce_published(None, bridge, ctx=ctx, post_json=post_json)])
        log.info("pipeline worker %s started", pipeline.worker_id)
        try:
            await pipeline.run_forever(stop)
        finally:
            if bridge is not None:
                await bridge.close()
            await ctx.db.dispose()
        log.info("pipeline worker %s stopped", pipeline.worker_id)

    asyncio.run(run())
    return 0


def migrate(args: argparse.Namespace) -> int:
    _configure_logging()
    run_migrations(load_settings().database_url)
    print("database is at the newest schema")
    return 0


def _read_password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("password: ")
    return sys.stdin.readline().rstrip("\n")


def user_create(args: argparse.Namespace) -> int:
    from masthead.services.accounts import do_sign_up

    try:
        role = parse_role(args.role)
    except MastheadError as exc:
        print(f"masthead: {exc.message}", file=sys.stderr)
        return 2
    settings = load_settings()
    run_migrations(settings.database_url)
    ctx = Context.create(settings)
    password = _read_password()

    async def create() -> str:
        try:
            account, _ = await do_sign_up(ctx, handle=args.handle, password=password,
                                          display_name=args.display_name or args.handle, roles={role})
            return account.handle
        finally:
            await ctx.db.dispose()

    try:
        handle = asyncio.run(create())
    except MastheadError as exc:
        print(f"masthead: {exc.message}", file=sys.stderr)
        return 1
    print(f"created {handle} with role {role.value}")
    return 0


def audit_verify(args: argparse.Namespace) -> int:
    from masthead.store.audit import verify_audit_chain
    from masthead.store.database import Database

    async def verify() -> int:
        database = Database(load_settings().database_url)
        try:
            async with database.read() as connection:
                report = await verify_audit_chain(connection)
        finally:
            await database.dispose()
        if report.problem is not None:
            print(f"audit log BROKEN at entry {report.problem.seq}: {report.problem.message} "
                  f"({report.entries} entries before it verified)")
            return 1
        print(f"audit log intact: {report.entries} entries, every hash and link verified")
        return 0

    return asyncio.run(verify())


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def define_serve(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--demo", action="store_true", help="load demo channels, people and posts once")
    parser.add_argument("--no-worker", action="store_true",
                        help="serve only; `masthead worker` processes decide the posts (PostgreSQL)")
    parser.add_argument("--processes", type=_positive_int, default=1, metavar="N",
                        help="server processes accepting on the same address, each with its own live hub "
                             "(N > 1 needs MASTHEAD_REDIS_URL; on SQLite only the first runs the pipeline worker)")
    parser.set_defaults(func=serve, uses_database=True)


def define_worker(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(func=worker, uses_database=True)


def define_migrate(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(func=migrate, uses_database=True)


def define_user(parser: argparse.ArgumentParser) -> None:
    user_commands = parser.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    create_parser = user_commands.add_parser("create", help="make an account; the password is read from stdin")
    create_parser.add_argument("--handle", required=True)
    create_parser.add_argument("--role", default=Role.MEMBER.value,
                               help="admin, moderator, verifier, triage or member (default member)")
    create_parser.add_argument("--display-name", default="")
    create_parser.set_defaults(func=user_create, uses_database=True)


def define_audit(parser: argparse.ArgumentParser) -> None:
    audit_commands = parser.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    audit_commands.add_parser("verify", help="check the hash chain; exit 1 naming the first bad entry") \
        .set_defaults(func=audit_verify, uses_database=True)
