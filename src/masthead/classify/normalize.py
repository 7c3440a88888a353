"""Text normalisation shared by training and inference: one fold for case, width and Chinese script."""
from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

SCRIPT_MAP_FILE = "zh_t2s.json"
_SPACES = re.compile(r"\s+")
_TABLE_SIZE = 0x30000
_SPACE = 0x20


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


@lru_cache(maxsize=1)
def codepoint_table() -> npt.NDArray[np.uint32]:
    """`translation_table` as an array over the first three Unicode planes, white space mapped to a space."""
    table = np.arange(_TABLE_SIZE, dtype=np.uint32)
    for source, target in translation_table().items():
        if source < _TABLE_SIZE:
            table[source] = target
    spaces = [code for code in range(min(_TABLE_SIZE, sys.maxunicode + 1)) if chr(code).isspace()]
    table[spaces] = _SPACE
    return table


def normalized_codes(texts: Sequence[str]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """`normalize` for a batch at once: the code points of all texts, each followed by a 0 separator, and the
    normalised length of each text."""
    lowered = [text.lower() for text in texts]
    codes = np.frombuffer(("\x00".join(lowered) + "\x00").encode("utf-32-le"), dtype=np.uint32)
    separator = np.zeros(codes.size, dtype=bool)
    raw_lengths = np.fromiter((len(text) for text in lowered), dtype=np.int64, count=len(lowered))
    separator[np.cumsum(raw_lengths + 1) - 1] = True
    table = codepoint_table()
    mapped = table.take(codes, mode="clip")
    beyond = np.flatnonzero(codes >= _TABLE_SIZE)
    mapped[beyond] = codes[beyond]
    mapped[separator] = 0
    space = mapped == _SPACE
    after_blank = np.concatenate(([True], space[:-1] | separator[:-1]))
    collapsed = mapped[~(space & after_blank)]
    before_separator = np.concatenate((collapsed[1:] == 0, [True]))
    kept = collapsed[~((collapsed == _SPACE) & before_separator)]
    lengths = np.diff(np.concatenate(([-1], np.flatnonzero(kept == 0)))) - 1
    return kept, lengths.astype(np.int64)
