"""Text normalisation for reprint detection: boilerplate stripped, characters folded to one canonical form.

Folding is a code-point lookup table built once: NFKC (full-width to half-width, compatibility forms),
lowercase, traditional to simplified Chinese (OpenCC's character table), and every character that is not a
letter or a digit to a single separator. Applying it is one numpy gather, so it costs little per document.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import cache
from importlib import resources

import numpy as np
import numpy.typing as npt

SEPARATOR = 0x20
_TABLE_SIZE = 0x110000

# Lines that are attribution, editorial or promotional furniture rather than the article. A line is dropped
# when it starts with one of these and is short; a long paragraph that happens to start this way is kept.
_BOILERPLATE_LINE = re.compile(
    r"^\W*(?:"
    r"reprinted\s+(?:from|with)|republished\s+(?:from|with)|originally\s+published|source\s*:|via\s*:"
    r"|follow\s+us\b|subscribe\s+to\b|share\s+this\b|sign\s+up\s+for\b|click\s+here\b|read\s+more\b"
    r"|copyright\b|all\s+rights\s+reserved|\(c\)\s*\d{4}|©|editor\s*:|edited\s+by\b|written\s+by\b|by\s+[a-z]+\s+[a-z]+\s*$"
    r"|转载自|转自|本文转载|本文来源|本文来自|文章来源|来源\s*[:：]|稿源|原标题|原文标题|原文链接|作者\s*[:：]"
    r"|责任编辑|编辑\s*[:：]|校对\s*[:：]|审核\s*[:：]|版权所有|版权声明|免责声明|未经授权|未经许可"
    r"|关注我们|关注微信|微信公众号|公众号|扫码|扫描二维码|长按|点击(?:关注|阅读|上方|下方)|欢迎转发|更多精彩"
    r"|轉載自|轉自|本文轉載|本文來源|來源\s*[:：]|責任編輯|編輯\s*[:：]|版權所有|關注我們|掃碼"
    r")",
    re.IGNORECASE,
)
_BOILERPLATE_MAX_LINE = 160
# Trailers glued to the last sentence, as news sites print them: "（责任编辑：王某）", "(来源：新华网)".
_INLINE_TRAILER = re.compile(
    r"[（(【\[]\s*(?:责任编辑|責任編輯|编辑|編輯|来源|來源|原标题|原標題|作者|记者|記者)\s*[:：][^）)】\]\n]{0,60}[）)】\]]"
    r"|(?:责任编辑|責任編輯)\s*[:：]\s*\S{0,30}\s*$",
    re.MULTILINE,
)
_TRAILER_MARKERS = ("编辑", "編輯", "来源", "來源", "标题", "標題", "作者", "记者", "記者")
_LINE_BREAK = re.compile(r"\r\n|\r|\n|\u2028|\u2029")


def strip_boilerplate(text: str) -> str:
    """Remove attribution headers, signatures and footers so that they neither hide nor fake a copy."""
    if any(marker in text for marker in _TRAILER_MARKERS):
        text = _INLINE_TRAILER.sub(" ", text)
    rare_break = "\r" in text or "\u2028" in text or "\u2029" in text  # most texts have none: str.split is faster
    lines = _LINE_BREAK.split(text) if rare_break else text.split("\n")
    kept = [line for line in lines if not (len(line) <= _BOILERPLATE_MAX_LINE and _BOILERPLATE_LINE.match(line.strip()))]
    return "\n".join(kept)


def _traditional_to_simplified() -> dict[int, int]:
    table: dict[int, int] = {}
    source = resources.files("opencc").joinpath("dictionary/TSCharacters.txt")
    for line in source.read_text(encoding="utf-8").splitlines():
        traditional, _, simplified = line.partition("\t")
        first = simplified.split(" ")[0] if simplified else ""
        if len(traditional) == 1 and len(first) == 1:
            table[ord(traditional)] = ord(first)
    return table


@cache
def fold_table() -> npt.NDArray[np.uint32]:
    """Code point -> folded code point, with SEPARATOR for everything that is not a letter or a digit."""
    table = np.arange(_TABLE_SIZE, dtype=np.uint32)
    t2s = _traditional_to_simplified()
    for code in range(0x10000):
        char = chr(code)
        if unicodedata.category(char)[0] not in "LN":
            table[code] = SEPARATOR
            continue
        folded = unicodedata.normalize("NFKC", char).lower()
        target = ord(folded) if len(folded) == 1 else code
        if unicodedata.category(chr(target))[0] not in "LN":
            table[code] = SEPARATOR
            continue
        table[code] = t2s.get(target, target)
    for code, simplified in t2s.items():
        if code >= 0x10000:
            table[code] = simplified
    return table


@cache
def fold_table_digest() -> str:
    return hashlib.blake2b(fold_table().tobytes() + _BOILERPLATE_LINE.pattern.encode()
                           + _INLINE_TRAILER.pattern.encode(), digest_size=6).hexdigest()


def folded_code_points(text: str) -> npt.NDArray[np.uint32]:
    """The text, boilerplate stripped, as folded code points (separators not yet collapsed)."""
    raw = np.frombuffer(strip_boilerplate(text).encode("utf-32-le"), dtype=np.uint32)
    return fold_table()[raw]


def normalize(text: str) -> str:
    """The canonical text that shingles are cut from, readable: words separated by single spaces."""
    points = folded_code_points(text)
    return " ".join(points.tobytes().decode("utf-32-le").split())
