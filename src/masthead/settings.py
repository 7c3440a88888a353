"""Settings, read once from the environment into a typed object. Nothing else reads os.environ."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./masthead.db"


class SettingsError(ValueError):
    pass


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
    policy: str = "news-credential"
    appeal_window_days: int = 30
    reports_per_hour: int = 20
    scopes_file: str = ""
    reapply_wait_days: int = 30
    data_dir: str = "./data"

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
