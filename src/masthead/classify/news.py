"""Ordinary news from the shared sets, as headlines and as multi-paragraph posts, split once into rows the harm
heads may train on and rows kept for measuring false holds (`benchmarks/false_holds.py`).

The split is a hash of the text, so it is the same in every run and for every head: a headline is either
training material for every harm head or for none.
"""
from __future__ import annotations

import random
import re
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

HOLDOUT_BUCKETS = 5  # one text in five is never trained on by a harm head
HEADLINES_PER_POST = 12
PARAGRAPH_CHARS = 260
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=\.)\s+")


@dataclass(frozen=True)
class NewsItem:
    text: str
    topic: str
    source: str
    lang: str
    form: str  # "headline" or "article"

    @property
    def group(self) -> str:
        return f"{self.source}:{self.topic}"


def is_held_out(text: str) -> bool:
    return zlib.crc32(text.strip().encode("utf-8")) % HOLDOUT_BUCKETS == 0


def paragraphs(text: str, size: int = PARAGRAPH_CHARS) -> str:
    """An article stored as one line, cut into paragraphs of about `size` characters at sentence ends (or, in
    text without punctuation, at spaces), joined by blank lines as a publisher would post it."""
    pieces = [piece for piece in _SENTENCE_END.split(text) if piece and piece.strip()]
    if len(pieces) <= 1:
        pieces = text.split(" ")
    out: list[str] = []
    current = ""
    for piece in pieces:
        joiner = "" if not current or re.match(r"[\u3000-\u9fff]", piece[:1]) else " "
        if current and len(current) + len(piece) > size:
            out.append(current.strip())
            current = piece
        else:
            current = f"{current}{joiner}{piece}"
    if current.strip():
        out.append(current.strip())
    return "\n\n".join(out)


def news_items(read: Callable[[str], list[dict[str, str]]], *, held_out: bool) -> list[NewsItem]:
    """Every ordinary news text of the shared sets on one side of the split. `read` maps a data-relative path
    to its rows."""
    items: list[NewsItem] = []
    for relative in ("thucnews-headlines/train.jsonl", "thucnews-headlines/train-extra.jsonl"):
        items.extend(NewsItem(row["text"], row["label"], "thucnews", "zh", "headline") for row in read(relative))
    items.extend(NewsItem(row["text"], row["label"].removeprefix("news_"), "tnews", "zh", "headline")
                 for row in read("tnews-headlines/train.jsonl"))
    items.extend(NewsItem(row["text"], row["label"].lower().replace("/", "-"), "ag-news", "en", "headline")
                 for row in read("ag-news/data.jsonl"))
    items.extend(NewsItem(paragraphs(row["text"]), row["label"], "bbc-news", "en", "article")
                 for row in read("bbc-news/train.jsonl"))
    items.extend(NewsItem(row["title"] + "\n\n" + paragraphs(row["text"]), "article", "sohu", "zh", "article")
                 for row in read("sohu-articles/data.jsonl"))
    return [item for item in items if is_held_out(item.text) == held_out]


def headline_posts(items: Sequence[NewsItem], seed: str, per_post: int = HEADLINES_PER_POST,
                   posts_per_topic: int | None = None) -> Iterator[NewsItem]:
    """Multi-paragraph posts of `per_post` headlines of one topic of one set, each headline a paragraph: what a
    channel's daily digest looks like. By default every headline is used once (a topic's remainder is dropped);
    with `posts_per_topic`, that many posts are drawn per topic, each of `per_post` distinct headlines."""
    by_group: dict[tuple[str, str, str], list[NewsItem]] = defaultdict(list)
    for item in items:
        if item.form == "headline":
            by_group[(item.source, item.topic, item.lang)].append(item)
    for (source, topic, lang), members in sorted(by_group.items()):
        rng = random.Random(f"{seed}:{source}:{topic}")
        if posts_per_topic is None:
            shuffled = list(members)
            rng.shuffle(shuffled)
            posts = [shuffled[start : start + per_post] for start in range(0, len(shuffled) - per_post + 1, per_post)]
        else:
            posts = [rng.sample(members, per_post) for _ in range(posts_per_topic)] if len(members) >= per_post else []
        for headlines in posts:
            yield NewsItem("\n\n".join(item.text for item in headlines), topic, source, lang, "post")


def multi_paragraph_posts(items: Sequence[NewsItem], seed: str, posts_per_topic: int) -> list[NewsItem]:
    """`posts_per_topic` headline digests per topic plus the full articles (BBC, Sohu), each a multi-paragraph
    post."""
    return list(headline_posts(items, seed, posts_per_topic=posts_per_topic)) + [
        item for item in items if item.form == "article"]
