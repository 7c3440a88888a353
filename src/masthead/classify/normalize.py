"""Text normalisation shared by training and inference: one fold for case, width and Chinese script."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

SCRIPT_MAP_FILE = "zh_t2s.json"
_SPACES = re.compile(r"\s+")


def fullwidth_fold() -> dict[int, int]:
    """Full-width ASCII forms (Ａ, ０, ！) to ASCII, ideographic space and NUL to a space, every digit to 0."""
    table = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
    table.update({code: ord("0") for code in range(0xFF10, 0xFF1A)})
    table[0x3000] = 0x20
    table[0] = 0x20
    table.update({code: ord("0") for code in range(ord("1"), ord("9") + 1)})
    return table


def build_script_map(ts_characters: str) -> dict[str, str]:
    """Traditional → simplified single characters from OpenCC's TSCharacters table (first reading wins)."""
    mapping: dict[str, str] = {}
    for line in ts_characters.splitlines():
        parts = line.split("\t")
        if len(parts) != 2:
            continue
        source, targets = parts[0], parts[1].split()
        if len(source) == 1 and targets and len(targets[0]) == 1 and targets[0] != source:
            mapping[source] = targets[0]
    return mapping


def write_script_map(path: Path, mapping: dict[str, str]) -> None:
    path.write_text(json.dumps(mapping, ensure_ascii=False, sort_keys=True), encoding="utf-8")


@lru_cache(maxsize=1)
def translation_table() -> dict[int, int]:
    raw = resources.files(__package__).joinpath(SCRIPT_MAP_FILE).read_text(encoding="utf-8")
    table = fullwidth_fold()
    table.update({ord(source): ord(target) for source, target in json.loads(raw).items()})
    return table


def normalize(text: str) -> str:
    """Lower-case, fold width, digits and traditional Chinese characters, collapse runs of white space."""
    return _SPACES.sub(" ", text.lower().translate(translation_table())).strip()
