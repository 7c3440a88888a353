"""Evaluation material shared by the tests and the benchmark: real articles and the edits a copier makes."""
from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import orjson
from opencc import OpenCC  # type: ignore[import-untyped]

from masthead.reprint.minhash import NUM_PERM, Signature, sign_shingles, similarities
from masthead.reprint.shingles import shingle_hashes

DEFAULT_DATA_DIR = Path("../shared/data")
_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=\.)\s+")

Edit = Callable[[str, random.Random], str]


@dataclass(frozen=True, slots=True)
class EditedCopy:
    original: int
    edit: str
    text: str


def load_articles(data_dir: Path = DEFAULT_DATA_DIR, ag_news: int = 1500, min_chars: int = 200) -> list[str]:
    """Sohu (zh) and BBC (en) articles, and the longer AG News items (en), in file order."""
    sources = (("sohu-articles/data.jsonl", None), ("bbc-news/train.jsonl", None), ("ag-news/data.jsonl", ag_news))
    articles: list[str] = []
    for name, limit in sources:
        taken = 0
        for text in _texts(data_dir / name):
            if len(text) >= min_chars and (limit is None or taken < limit):
                articles.append(text)
                taken += 1
    return articles


def distinct(articles: list[str], max_jaccard: float = 0.2) -> list[str]:
    """Drop every article whose exact shingle Jaccard similarity to an earlier one exceeds max_jaccard."""
    shingles = [np.unique(shingle_hashes(text)) for text in articles]
    signatures = np.stack([_signature_or_blank(sign_shingles(values)) for values in shingles])
    kept: list[int] = []
    for position, signature in enumerate(signatures):
        if not shingles[position].size:
            continue
        close = np.flatnonzero(similarities(signature, signatures[kept]) >= max_jaccard / 2)
        if all(_jaccard(shingles[position], shingles[kept[i]]) <= max_jaccard for i in close):
            kept.append(position)
    return [articles[i] for i in kept]


def _signature_or_blank(signature: Signature | None) -> Signature:
    return np.zeros(NUM_PERM, dtype=np.uint32) if signature is None else signature


def _jaccard(first: npt.NDArray[np.uint32], second: npt.NDArray[np.uint32]) -> float:
    shared = np.intersect1d(first, second, assume_unique=True).size
    return shared / (first.size + second.size - shared)


def _texts(path: Path) -> Iterator[str]:
    with path.open("rb") as lines:
        for line in lines:
            if line.strip():
                yield str(orjson.loads(line)["text"])


def _is_chinese(text: str) -> bool:
    return sum("\u4e00" <= char <= "\u9fff" for char in text) > len(text) / 4


def change_characters(text: str, rng: random.Random, share: float = 0.03) -> str:
    """Replace about `share` of the characters (Chinese) or words (English) with other ones."""
    if _is_chinese(text):
        chars = list(text)
        for position in rng.sample(range(len(chars)), max(1, int(share * len(chars)))):
            chars[position] = chr(rng.randrange(0x4E00, 0x9FA5))
        return "".join(chars)
    words = text.split(" ")
    for position in rng.sample(range(len(words)), max(1, int(share * len(words)))):
        words[position] = rng.choice(("the", "local", "officials", "report", "new", "said", "week"))
    return " ".join(words)


def reorder_paragraphs(text: str, rng: random.Random) -> str:
    """Cut the text into four paragraphs at sentence ends and shuffle them."""
    sentences = [sentence for sentence in _SENTENCE_END.split(text) if sentence]
    size = max(1, len(sentences) // 4)
    paragraphs = [" ".join(sentences[i : i + size]) for i in range(0, len(sentences), size)]
    rng.shuffle(paragraphs)
    return "\n\n".join(paragraphs)


def add_header_and_footer(text: str, rng: random.Random) -> str:
    if _is_chinese(text):
        header = rng.choice(("转载自新华网", "来源：人民日报客户端", "本文来源：澎湃新闻 作者：王小明"))
        footer = "\n".join(("（责任编辑：李娜）", "关注我们的微信公众号，获取更多精彩内容", "版权所有 未经授权不得转载"))
    else:
        header = rng.choice(("Reprinted from BBC News", "Source: The Daily Courier", "Originally published by Reuters"))
        footer = "\n".join(("Follow us on Twitter and Facebook for more stories", "Copyright 2024 Example Media. All rights reserved."))
    return f"{header}\n\n{text}\n\n{footer}"


def truncate(text: str, rng: random.Random) -> str:
    """Keep the first 75-90% of the text."""
    return text[: int(len(text) * rng.uniform(0.75, 0.9))]


_TO_TRADITIONAL = OpenCC("s2t")


def mix_traditional(text: str, rng: random.Random) -> str:
    """Convert every other sentence to traditional characters and make the ASCII full-width."""
    if not _is_chinese(text):
        return text
    sentences = _SENTENCE_END.split(text)
    mixed = [_TO_TRADITIONAL.convert(part) if i % 2 else part for i, part in enumerate(sentences) if part]
    full_width = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}
    return "".join(mixed).translate(full_width) if rng.random() < 0.5 else "".join(mixed)


EDITS: dict[str, Edit] = {
    "changed_characters": change_characters,
    "reordered_paragraphs": reorder_paragraphs,
    "header_and_footer": add_header_and_footer,
    "truncated": truncate,
    "mixed_traditional": mix_traditional,
    "all_but_truncation": lambda text, rng: add_header_and_footer(
        change_characters(reorder_paragraphs(mix_traditional(text, rng), rng), rng, 0.01), rng
    ),
}


def edited_copies(articles: list[str], seed: int = 5) -> list[EditedCopy]:
    rng = random.Random(seed)
    return [
        EditedCopy(original, name, edit(text, rng))
        for original, text in enumerate(articles)
        for name, edit in EDITS.items()
    ]
