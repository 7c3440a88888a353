"""Training sets for each category, assembled from ../shared/data and the hand-written examples.

Each category is a binary task: positives and negatives come from the labels of the public sets (see the model
card for the mapping), plus a sample of unrelated texts as negatives so a model does not learn a dataset's style.
"""
from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from masthead.classify.handwritten import EVERYDAY, HARD_NEGATIVES, POSITIVES

DEFAULT_DATA_DIR = Path("../shared/data")
HANDWRITTEN = "handwritten"
HANDWRITTEN_WEIGHT = 10.0
BACKGROUND_PER_SOURCE = 1500
SEXUAL_TERMS_SAMPLE = 3000


@dataclass(frozen=True)
class Example:
    text: str
    label: int
    source: str
    lang: str
    weight: float = 1.0


@dataclass
class TaskData:
    category: str
    examples: list[Example] = field(default_factory=list)

    def add(self, rows: list[dict[str, str]], source: str, label_of: Callable[[str], int | None]) -> None:
        for row in rows:
            label = label_of(row["label"])
            if label is not None:
                self.examples.append(Example(row["text"], label, source, row.get("lang", "en")))


def read_rows(data_dir: Path, relative: str) -> list[dict[str, str]]:
    with (data_dir / relative).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _is(*labels: str) -> Callable[[str], int | None]:
    return lambda label: 1 if label in labels else 0


def _only(positive: tuple[str, ...], negative: tuple[str, ...]) -> Callable[[str], int | None]:
    return lambda label: 1 if label in positive else (0 if label in negative else None)


def _negative(_: str) -> int | None:
    return 0


class Sources:
    """Reads each public file once; `sample` draws a fixed-seed background sample of a file."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._cache: dict[str, list[dict[str, str]]] = {}

    def rows(self, relative: str) -> list[dict[str, str]]:
        if relative not in self._cache:
            self._cache[relative] = read_rows(self.data_dir, relative)
        return self._cache[relative]

    def sample(self, relative: str, size: int, *, where: Callable[[dict[str, str]], bool] = lambda _: True) -> list[dict[str, str]]:
        pool = [row for row in self.rows(relative) if where(row)]
        return random.Random(f"{relative}:{size}").sample(pool, min(size, len(pool)))


def _handwritten(task: TaskData, category: str, *, negatives: bool) -> None:
    for lang, texts in POSITIVES.get(category, {}).items():
        task.examples.extend(Example(text, 1, HANDWRITTEN, lang, HANDWRITTEN_WEIGHT) for text in texts)
    negative_sets = (HARD_NEGATIVES, EVERYDAY) if negatives else (EVERYDAY,)
    for by_lang in negative_sets:
        for lang, texts in by_lang.items():
            task.examples.extend(Example(text, 0, HANDWRITTEN, lang, HANDWRITTEN_WEIGHT) for text in texts)


def _background(task: TaskData, src: Sources, files: tuple[str, ...]) -> None:
    chatter = {
        "cold/train.jsonl": lambda row: row["label"] == "safe",
        "davidson-hate/data.jsonl": lambda row: row["label"] == "neither",
        "weibo-rumor-eann/train.jsonl": lambda row: row["label"] == "non-rumor",
        "thucnews-headlines/train.jsonl": lambda row: True,
        "ag-news/data.jsonl": lambda row: True,
        "liar/train.jsonl": lambda row: True,
        "tnews-headlines/train.jsonl": lambda row: True,
        "msrp-pairs/train.jsonl": lambda row: True,
    }
    for relative in files:
        task.add(src.sample(relative, BACKGROUND_PER_SOURCE, where=chatter[relative]), relative.split("/")[0], _negative)


HARM_BACKGROUND: tuple[str, ...] = (
    "ag-news/data.jsonl", "thucnews-headlines/train.jsonl", "tnews-headlines/train.jsonl", "davidson-hate/data.jsonl",
    "cold/train.jsonl", "weibo-rumor-eann/train.jsonl", "msrp-pairs/train.jsonl",
)


def political_news(src: Sources) -> TaskData:
    task = TaskData("political_news")
    task.add(src.rows("thucnews-headlines/train.jsonl"), "thucnews-headlines", _is("politics"))
    task.add(src.rows("ag-news/data.jsonl"), "ag-news", _is("World"))
    task.add(src.rows("bbc-news/train.jsonl"), "bbc-news", _is("politics"))
    not_world = tuple(sorted({row["label"] for row in src.rows("tnews-headlines/train.jsonl")} - {"news_world", "news_military"}))
    task.add(src.rows("tnews-headlines/train.jsonl"), "tnews-headlines", _only((), not_world))
    _handwritten(task, "political_news", negatives=False)
    _background(task, src, ("cold/train.jsonl", "davidson-hate/data.jsonl", "weibo-rumor-eann/train.jsonl"))
    return task


def social_news(src: Sources) -> TaskData:
    task = TaskData("social_news")
    task.add(src.rows("thucnews-headlines/train.jsonl"), "thucnews-headlines", _is("society"))
    task.add(src.rows("tnews-headlines/train.jsonl"), "tnews-headlines", _only((), ("news_tech", "news_finance", "news_entertainment", "news_car", "news_sports", "news_game", "news_travel", "news_stock", "news_house")))
    task.add(src.rows("ag-news/data.jsonl"), "ag-news", _only((), ("Sports", "Business", "Sci/Tech")))
    task.add(src.rows("bbc-news/train.jsonl"), "bbc-news", _only((), ("sport",)))
    _handwritten(task, "social_news", negatives=False)
    _background(task, src, ("cold/train.jsonl", "davidson-hate/data.jsonl"))
    return task


def terrorism(src: Sources) -> TaskData:
    task = TaskData("terrorism")
    task.add(src.rows("radicalization-tweets/data.jsonl"), "radicalization-tweets", _is("extremist"))
    _handwritten(task, "terrorism", negatives=True)
    _background(task, src, HARM_BACKGROUND)
    return task


def sexual(src: Sources) -> TaskData:
    task = TaskData("sexual")
    task.add(src.sample("sexual-terms-zh/terms.jsonl", SEXUAL_TERMS_SAMPLE), "sexual-terms-zh", _is("sexual"))
    # The term list is short phrases: as many short Chinese everyday texts keep "short Chinese" from meaning sexual.
    task.add(src.sample("cold/train.jsonl", SEXUAL_TERMS_SAMPLE, where=lambda row: row["label"] == "safe"), "cold", _negative)
    task.add(src.sample("tnews-headlines/train.jsonl", SEXUAL_TERMS_SAMPLE), "tnews-headlines", _negative)
    _handwritten(task, "sexual", negatives=True)
    _background(task, src, HARM_BACKGROUND)
    return task


def violence(src: Sources) -> TaskData:
    task = TaskData("violence")
    _handwritten(task, "violence", negatives=True)
    _background(task, src, HARM_BACKGROUND)
    return task


def hate(src: Sources) -> TaskData:
    task = TaskData("hate")
    task.add(src.rows("cold/train.jsonl"), "cold", _is("offensive"))
    task.add(src.rows("davidson-hate/data.jsonl"), "davidson-hate", _is("hate", "offensive"))
    _handwritten(task, "hate", negatives=False)
    _background(task, src, ("ag-news/data.jsonl", "thucnews-headlines/train.jsonl", "tnews-headlines/train.jsonl",
                            "msrp-pairs/train.jsonl"))
    return task


def rumor(src: Sources) -> TaskData:
    task = TaskData("rumor")
    task.add(src.rows("weibo-rumor-ced/data.jsonl"), "weibo-rumor-ced", _is("rumor"))
    task.add(src.rows("weibo-rumor-eann/train.jsonl"), "weibo-rumor-eann", _is("rumor"))
    task.add(src.rows("liar/train.jsonl"), "liar", _only(("pants-fire", "false"), ("mostly-true", "true")))
    _handwritten(task, "rumor", negatives=False)
    _background(task, src, ("ag-news/data.jsonl", "thucnews-headlines/train.jsonl"))
    return task


BUILDERS: dict[str, Callable[[Sources], TaskData]] = {
    "political_news": political_news,
    "social_news": social_news,
    "terrorism": terrorism,
    "sexual": sexual,
    "violence": violence,
    "hate": hate,
    "rumor": rumor,
}

TRAINING_FILES: tuple[str, ...] = (
    "thucnews-headlines/train.jsonl",
    "tnews-headlines/train.jsonl",
    "ag-news/data.jsonl",
    "bbc-news/train.jsonl",
    "cold/train.jsonl",
    "davidson-hate/data.jsonl",
    "liar/train.jsonl",
    "weibo-rumor-ced/data.jsonl",
    "weibo-rumor-eann/train.jsonl",
    "radicalization-tweets/data.jsonl",
    "sexual-terms-zh/terms.jsonl",
    "msrp-pairs/train.jsonl",
)


def build_tasks(data_dir: Path) -> Iterator[TaskData]:
    src = Sources(data_dir)
    for builder in BUILDERS.values():
        yield builder(src)
