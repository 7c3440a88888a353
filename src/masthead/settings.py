"""Settings, read once from the environment into a typed object. Nothing else reads os.environ."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./masthead.db"
# Whatever driver a URL names (or none, as in `sqlite:///x.db` or `postgres://...`), Masthead speaks asyncio.
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}
_URL_EXAMPLES = "sqlite:///PATH or postgresql://USER@HOST:PORT/DATABASE"


class SettingsError(ValueError):
    pass


def async_database_url(url: str) -> str:
    """The URL with its scheme mapped to the async driver Masthead uses; SettingsError if it is no database URL
    Masthead can use."""
    from sqlalchemy.engine import make_url  # SQLAlchemy only for commands that use a database
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SettingsError(f"{env_name('database_url')}={url!r} is not a database URL; expected {_URL_EXAMPLES}") \
            from None
    backend = parsed.drivername.partition("+")[0]
    if backend not in _ASYNC_DRIVERS:
        raise SettingsError(f"{env_name('database_url')} names {parsed.drivername!r}, which Masthead does not "
                            f"support; expected {_URL_EXAMPLES}")
    if backend != "sqlite" and not parsed.database:
        raise SettingsError(f"{env_name('database_url')} names no database; expected {_URL_EXAMPLES}")
    return _ASYNC_DRIVERS[backend] + "://" + url.partition("://")[2]


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = ""
    max_body_bytes: int = 1024 * 1024
    pipeline_batch_size: int = 500
    pipeline_lease_seconds: float = 30.0
    pipeline_poll_seconds: float = 0.2
    pipeline_max_attempts: int = 5
    live_poll_seconds: float = 2.0
    live_heartbeat_seconds: float = 15.0
    live_buffer_bytes: int = 256 * 1024
    live_payload_bytes: int = 256 * 1024
    policy: str = "news-credential"
    appeal_window_days: int = 30
    reports_per_hour: int = 20
    write_limit_per_account: int = 3000
    write_limit_per_address: int = 6000
    write_limit_window_seconds: float = 60.0
    scopes_file: str = ""
    reapply_wait_days: int = 30
    data_dir: str = "./data"
    session_days: int = 30

    def __post_init__(self) -> None:
        object.__setattr__(self, "database_url", async_database_url(self.database_url))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


# Each setting is read from MASTHEAD_<NAME IN CAPITALS>.
def env_name(field_name: str) -> str:
    return "MASTHEAD_" + field_name.upper()


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    source = os.environ if environ is None else environ
    values: dict[str, object] = {}
    defaults = Settings()
    for field in fields(Settings):
        raw = source.get(env_name(field.name))
        if raw is None or raw == "":
            continue
        kind = type(getattr(defaults, field.name))
        try:
            values[field.name] = kind(raw)
        except ValueError as exc:
            raise SettingsError(f"{env_name(field.name)}={raw!r} is not a valid {kind.__name__}") from exc
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]
