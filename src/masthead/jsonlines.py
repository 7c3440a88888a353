"""JSON Lines input for the commands: one object a line, each problem named by its source and line number."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson


class InputError(ValueError):
    """Bad input a person can fix; the message is one line that names the file and line."""


def read_records(lines: Iterable[bytes], source: str, *, needs: str,
                 valid: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; InputError for a line that is not JSON or for which
    `valid(object)` is false, saying that each line `needs` (e.g. "a string `text`")."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InputError(f"{source}:{number}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(record, dict) or not valid(record):
            raise InputError(f"{source}:{number}: every line must be a JSON object with {needs}")
        yield number, record
