"""What every service needs, built once per process and passed in explicitly."""
from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher

from masthead.clock import Clock, SystemClock
from masthead.settings import Settings
from masthead.store.database import Database


@dataclass
class Context:
    settings: Settings
    db: Database
    clock: Clock
    hasher: PasswordHasher

    @classmethod
    def create(cls, settings: Settings, *, clock: Clock | None = None, hasher: PasswordHasher | None = None) -> Context:
        return cls(
            settings=settings,
            db=Database(settings.database_url),
            clock=clock or SystemClock(),
            hasher=hasher or PasswordHasher(),
        )
