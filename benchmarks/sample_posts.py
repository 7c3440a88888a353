"""Sample posts for the benchmarks: distinct 2 KB bodies in English and Chinese, as a reprint index mostly sees."""
from __future__ import annotations

import random

ENGLISH_WORDS = (
    "harbour ferry council budget school river bridge market weather festival library station hospital "
    "museum vote teacher rail housing water garden price village road energy park report season"
).split()
# Two thousand common-range CJK ideographs: Chinese posts share characters, as real ones do, but not passages.
CHINESE_CHARACTERS = [chr(code) for code in range(0x4E00, 0x4E00 + 2000)]


def two_kilobyte_body(i: int) -> str:
    """A distinct 2 KB post (English or Chinese by parity): distinct posts are what a reprint index sees most."""
    chooser = random.Random(i)
    words, separator = (ENGLISH_WORDS, " ") if i % 2 else (CHINESE_CHARACTERS, "")
    text = f"Post number {i}. "
    while len(text.encode()) < 2048:
        text += separator.join(chooser.choices(words, k=12)) + ("。" if separator == "" else ". ")
    return text.encode()[:2048].decode(errors="ignore")
