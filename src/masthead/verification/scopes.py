"""Credential scopes are configured data: a TOML file shipped with Masthead, or the operator's own."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from masthead.domain.accounts import Role
from masthead.domain.errors import Unprocessable


class ScopeFileError(ValueError):
    pass


@dataclass(frozen=True)
class Scope:
    name: str
    description: str
    granted_by: frozenset[Role]
    validity_days: int


@lru_cache(maxsize=8)
def load_scopes(path: str = "") -> dict[str, Scope]:
    text = Path(path).read_text(encoding="utf-8") if path else \
        resources.files("masthead.verification").joinpath("scopes.toml").read_text(encoding="utf-8")
    source = path or "masthead/verification/scopes.toml"
    try:
        entries = tomllib.loads(text).get("scope", [])
        scopes = {}
        for entry in entries:
            scope = Scope(name=str(entry["name"]), description=str(entry["description"]),
                          granted_by=frozenset(Role(role) for role in entry["granted_by"]),
                          validity_days=int(entry["validity_days"]))
            if scope.name in scopes:
                raise ScopeFileError(f"{source}: scope {scope.name!r} is defined twice")
            if scope.validity_days <= 0:
                raise ScopeFileError(f"{source}: scope {scope.name!r} needs a positive validity_days")
            scopes[scope.name] = scope
    except (tomllib.TOMLDecodeError, KeyError, ValueError, TypeError) as exc:
        raise ScopeFileError(f"{source}: {exc}") from exc
    return scopes


def check_scopes(names: list[str], scopes: dict[str, Scope]) -> list[str]:
    if not names:
        raise Unprocessable("name at least one scope to apply for", code="invalid_scopes")
    unknown = [name for name in names if name not in scopes]
    if unknown:
        raise Unprocessable(f"unknown scope {unknown[0]!r}; scopes are {', '.join(sorted(scopes))}",
                            code="unknown_scope")
    return sorted(set(names))
