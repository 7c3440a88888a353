"""Apply Alembic migrations programmatically (on `serve`, `worker` and `migrate`)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    return config


def run_migrations(database_url: str) -> None:
    """Bring the database to the newest schema. Call outside a running event loop."""
    command.upgrade(alembic_config(database_url), "head")
