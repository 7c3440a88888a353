"""Line numbers for a policy file's tables and keys, which tomllib does not keep: a light scan of the TOML text
that knows array-of-tables headers ([[rule]]), keys, and multi-line strings."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=\s*(.*)$""")
_TOML_ERROR_LINE = re.compile(r"\(at line (\d+), column \d+\)")


@dataclass
class _Section:
    line: int
    keys: dict[str, int] = field(default_factory=dict)
    opens_multiline: dict[str, bool] = field(default_factory=dict)


class SourceMap:
    """Where each top-level key, each [[array]] table and each key inside one starts (1-based lines)."""

    def __init__(self, text: str) -> None:
        self._top = _Section(1)
        self._arrays: dict[str, list[_Section]] = {}
        self._tables: dict[str, _Section] = {}
        section: _Section | None = self._top
        open_quote: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if open_quote is not None:
                if line.count(open_quote) % 2 == 1:
                    open_quote = None
                continue
            header = _ARRAY_HEADER.match(line)
            if header:
                section = _Section(number)
                self._arrays.setdefault(header.group(1), []).append(section)
                continue
            table_header = _TABLE_HEADER.match(line)
            if table_header:
                section = self._tables.setdefault(table_header.group(1), _Section(number))
                continue
            key = _KEY.match(line)
            if key and section is not None:
                name = key.group(1).strip("\"'")
                value = key.group(2)
                section.keys.setdefault(name, number)
                section.opens_multiline.setdefault(name, value.rstrip() in ('"""', "'''"))
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    open_quote = quote
                    break

    def top_key(self, key: str) -> int:
        return self._top.keys.get(key, 1)

    def table_key(self, table: str, key: str) -> int:
        """The line of a key in a plain [table], or of its header when the key is absent."""
        section = self._tables.get(table)
        if section is None:
            return 1
        return section.keys.get(key, section.line)

    def table(self, array: str, index: int) -> int:
        sections = self._arrays.get(array, [])
        return sections[index].line if index < len(sections) else 1

    def key(self, array: str, index: int, key: str) -> int:
        sections = self._arrays.get(array, [])
        if index >= len(sections):
            return 1
        return sections[index].keys.get(key, sections[index].line)

    def value_line(self, array: str, index: int, key: str, line_in_value: int) -> int:
        """The file line of a line of a string value (a multi-line string starts on the line after its quotes)."""
        sections = self._arrays.get(array, [])
        start = self.key(array, index, key)
        if index < len(sections) and sections[index].opens_multiline.get(key, False):
            return start + line_in_value
        return start + line_in_value - 1


def toml_error_line(message: str) -> int:
    found = _TOML_ERROR_LINE.search(message)
    return int(found.group(1)) if found else 1
