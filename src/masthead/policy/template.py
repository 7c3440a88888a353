"""Explanation templates: plain text that quotes fact values as {scores.political_news}; {{ and }} are braces."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from masthead.policy.schema import FactSchema

_PIECE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


@dataclass(frozen=True)
class Template:
    text: str
    pieces: tuple[str | tuple[str], ...]

    def render(self, flat: Mapping[str, Any]) -> str:
        return "".join([piece if isinstance(piece, str) else _show(flat[piece[0]]) for piece in self.pieces])


def parse_template(text: str, schema: FactSchema) -> tuple[Template, list[str]]:
    """The template and plain messages for unknown facts or unmatched braces in it."""
    pieces: list[str | tuple[str]] = []
    problems: list[str] = []
    position = 0
    for match in _PIECE.finditer(text):
        pieces.append(text[position:match.start()])
        position = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            pieces.append(token[0])
        elif match.group(1) is None:
            problems.append(f"unmatched {token!r} in explanation (write {token * 2} for a literal brace)")
        elif match.group(1).strip() in schema:
            pieces.append((match.group(1).strip(),))
        else:
            problems.append(f"explanation quotes unknown fact {{{match.group(1)}}}")
    pieces.append(text[position:])
    return Template(text, tuple(piece for piece in pieces if piece != "")), problems


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list):
        return ", ".join(value) if value else "none"
    return str(value)
