"""Training sets for each category, assembled from ../shared/data and the hand-written examples.

Each category is a binary task: positives and negatives come from the labels of the public sets (see the model
card for the mapping), plus a sample of unrelated texts as negatives so a model does not learn a dataset's style.
"""
from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from masthead.classify.features import CHUNK_CHARS, chunk_text
from masthead.classify.handwritten import EVERYDAY, HARD_NEGATIVES, POSITIVES
from masthead.classify.news import NewsItem, headline_posts, is_held_out, news_items

DEFAULT_DATA_DIR = Path("../shared/data")
HANDWRITTEN = "handwritten"
HANDWRITTEN_WEIGHT = 10.0
CLOSING_PUNCTUATION = "。！？；…～.!?;~ "
BACKGROUND_PER_SOURCE = 1500
SEXUAL_TERMS_SAMPLE = 3000
# The term list is a weak signal (short phrases, no context): its rows weigh less than a text. 0.3 before the
# third round of issue 14; at 0.15 the sexual head held 5 held-out headlines instead of 10 (its 80 % refit,
# written posts held alike), its recall at the policy's 0.6 on held-out term rows being what it gave up.
SEXUAL_TERMS_WEIGHT = 0.15
TERM_LISTS: tuple[str, ...] = ("sexual-terms-zh",)
# Ordinary news, the main negative class of every harm head: per (set, topic), single headlines and chunks of
# multi-paragraph posts (headline digests, BBC and Sohu articles), drawn from the rows `news.is_held_out` leaves
# for training. Short headlines were the commonest false holds, so each head takes up to 1,500 per topic (every
# headline of the smaller topics) and hard-negative mining (`fitting`) weighs the ones it finds hard.
NEWS_HEADLINES_PER_TOPIC = 1500
# The sexual head takes every headline the heads may train on: its positives are largely a term list, whose words
# (卖淫, 裸照, 强奸, ...) are also the words of crime and entertainment news, which held-out headlines then tripped.
SEXUAL_NEWS_HEADLINES_PER_TOPIC = 100_000
NEWS_CHUNKS_PER_TOPIC = 120
ARTICLE_CHUNKS_PER_TOPIC = 1200
IN_CONTEXT_COPIES = 3
IN_CONTEXT_SAMPLE = 500


@dataclass(frozen=True)
class Example:
    text: str
    label: int
    source: str
    lang: str
    weight: float = 1.0
    group: str = ""  # texts of one group can stand in one post (document calibration draws posts from it)


@dataclass
class TaskData:
    category: str
    examples: list[Example] = field(default_factory=list)

    def add(self, rows: list[dict[str, str]], source: str, label_of: Callable[[str], int | None],
            weight: float = 1.0) -> None:
        for row in rows:
            label = label_of(row["label"])
            if label is not None:
                self.examples.append(Example(row["text"], label, source, row.get("lang", "en"), weight))


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
        self._news: dict[int, list[Example]] = {}
        self._items: list[NewsItem] = []

    def rows(self, relative: str) -> list[dict[str, str]]:
        if relative not in self._cache:
            self._cache[relative] = read_rows(self.data_dir, relative)
        return self._cache[relative]

    def sample(self, relative: str, size: int, *, where: Callable[[dict[str, str]], bool] = lambda _: True) -> list[dict[str, str]]:
        pool = [row for row in self.rows(relative) if where(row)]
        return random.Random(f"{relative}:{size}").sample(pool, min(size, len(pool)))

    def news_items(self) -> list[NewsItem]:
        """The news rows harm heads may train on (not the false-hold measurement rows)."""
        if not self._items:
            self._items = news_items(self.rows, held_out=False)
        return self._items

    def news_negatives(self, headlines_per_topic: int = NEWS_HEADLINES_PER_TOPIC) -> list[Example]:
        """Ordinary news of every topic and both languages, as headlines and as the chunks the classifier cuts
        multi-paragraph posts into; never a row kept for measuring false holds."""
        if headlines_per_topic not in self._news:
            self._news[headlines_per_topic] = _news_negatives(self.news_items(), headlines_per_topic)
        return self._news[headlines_per_topic]


def _news_negatives(items: list[NewsItem], headlines_per_topic: int) -> list[Example]:
    rng = random.Random("news-negatives")
    by_group: dict[str, list[NewsItem]] = {}
    for item in items:
        by_group.setdefault(item.group, []).append(item)
    examples: list[Example] = []
    for group, members in sorted(by_group.items()):
        headlines = [item for item in members if item.form == "headline"]
        for item in rng.sample(headlines, min(headlines_per_topic, len(headlines))):
            examples.append(Example(item.text, 0, item.source, item.lang, group=group))
        chunks = [chunk for post in headline_posts(headlines, "train") for chunk in chunk_text(post.text, CHUNK_CHARS)]
        articles = [chunk for item in members if item.form == "article" for chunk in chunk_text(item.text, CHUNK_CHARS)]
        for chunk in (rng.sample(chunks, min(NEWS_CHUNKS_PER_TOPIC, len(chunks)))
                      + rng.sample(articles, min(ARTICLE_CHUNKS_PER_TOPIC, len(articles)))):
            examples.append(Example(chunk, 0, members[0].source, members[0].lang, group=group))
    return examples


def _written(texts: Sequence[str], label: int, lang: str) -> list[Example]:
    """Hand-written texts, each also without its closing punctuation, the two sharing HANDWRITTEN_WEIGHT. Written
    texts end in a full stop and news headlines (the main negatives) never do, so a head had learned the full stop
    as evidence: 我要杀了你。 scored violence 1.00 and 我要杀了你 0.09."""
    examples: list[Example] = []
    for text in texts:
        bare = text.rstrip(CLOSING_PUNCTUATION)
        variants = (text, bare) if bare and bare != text else (text,)
        examples.extend(Example(variant, label, HANDWRITTEN, lang, HANDWRITTEN_WEIGHT / len(variants))
                        for variant in variants)
    return examples


def _handwritten(task: TaskData, category: str, *, negatives: bool) -> None:
    for lang, texts in POSITIVES.get(category, {}).items():
        task.examples.extend(_written(texts, 1, lang))
    negative_sets = (HARD_NEGATIVES, EVERYDAY) if negatives else (EVERYDAY,)
    for by_lang in negative_sets:
        for lang, texts in by_lang.items():
            task.examples.extend(_written(texts, 0, lang))


def _written_positives_of(task: TaskData, other: str) -> None:
    """Another head's hand-written positives as negatives: without them Chinese threats (捅, 打断你的腿) scored sexual
    up to 0.94, and the statement of reasons named sexual content for a threat."""
    for lang, texts in POSITIVES[other].items():
        task.examples.extend(_written(texts, 0, lang))


def _in_context(task: TaskData, src: Sources) -> None:
    """Positives sharing a chunk with ordinary headlines, as the classifier's chunker puts a short harmful paragraph
    after short news paragraphs: every hand-written positive IN_CONTEXT_COPIES times and a sample of the other
    positives once, each after (or, one time in four, before) 1-4 headlines of its language, at half its weight.
    Term lists are left out: a bare term after headlines labelled positive taught the sexual head that news
    mentioning 裸照 or 卖淫 is sexual content, and most digests it held were such news."""
    rng = random.Random(f"in-context:{task.category}")
    pools = {lang: [item.text.split(". ")[0] for item in src.news_items() if item.form == "headline" and item.lang == lang]
             for lang in ("zh", "en")}
    positives = [example for example in task.examples if example.label == 1]
    drawn = [example for example in positives if example.source == HANDWRITTEN] * IN_CONTEXT_COPIES
    others = [example for example in positives if example.source not in (HANDWRITTEN, *TERM_LISTS)]
    drawn += rng.sample(others, min(IN_CONTEXT_SAMPLE, len(others)))
    for example in drawn:
        news = rng.sample(pools["zh" if example.lang == "zh" else "en"], rng.randint(1, 4))
        parts = [*news, example.text] if rng.random() < 0.75 else [example.text, *news]
        task.examples.append(Example(" ".join(parts), 1, f"{example.source} in context", example.lang,
                                     example.weight / 2, group=HANDWRITTEN))


def _news(task: TaskData, src: Sources, headlines_per_topic: int = NEWS_HEADLINES_PER_TOPIC) -> None:
    task.examples.extend(src.news_negatives(headlines_per_topic))


def _background(task: TaskData, src: Sources, files: tuple[str, ...], per_source: int = BACKGROUND_PER_SOURCE) -> None:
    chatter: dict[str, Callable[[dict[str, str]], bool]] = {
        "tweeteval-offensive/train.jsonl": lambda row: row["label"] == "not offensive",
        "hatexplain/data.jsonl": lambda row: row["label"] == "normal",
        "swsr-sexism/data.jsonl": lambda row: row["label"] == "not sexist",
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
        keep = chatter[relative]
        rows = src.sample(relative, per_source, where=lambda row, keep=keep: keep(row) and not is_held_out(row["text"]))
        task.add(rows, relative.split("/")[0], _negative)


# News sets are not here: every harm head takes them through `_news`, away from the false-hold rows.
HARM_BACKGROUND: tuple[str, ...] = (
    "davidson-hate/data.jsonl", "cold/train.jsonl", "weibo-rumor-eann/train.jsonl", "msrp-pairs/train.jsonl",
)

# People talking to people (tweets, forum posts and Weibo comments their sets label harmless): without them the
# violence head, whose positives are threats written in the second person, held "You and me" (0.82) and "I can't
# wait to see you and your family at Christmas" (0.95), and a game headline with "Me And You" in it.
CONVERSATION_BACKGROUND: tuple[str, ...] = (
    "tweeteval-offensive/train.jsonl", "hatexplain/data.jsonl", "swsr-sexism/data.jsonl",
)
CONVERSATION_PER_SOURCE = 3000


def political_news(src: Sources) -> TaskData:
    task = TaskData("political_news")
    task.add(src.rows("thucnews-headlines/train.jsonl"), "thucnews-headlines", _is("politics"))
    task.add(src.rows("thucnews-headlines/train-extra.jsonl"), "thucnews-headlines", _is("politics"))
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
    task.add(src.rows("thucnews-headlines/train-extra.jsonl"), "thucnews-headlines", _is("society"))
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
    _in_context(task, src)
    _news(task, src)
    _background(task, src, HARM_BACKGROUND)
    return task


def sexual(src: Sources) -> TaskData:
    task = TaskData("sexual")
    task.add(src.sample("sexual-terms-zh/terms.jsonl", SEXUAL_TERMS_SAMPLE), "sexual-terms-zh", _is("sexual"),
             SEXUAL_TERMS_WEIGHT)
    # The term list is short phrases: as many short Chinese everyday texts keep "short Chinese" from meaning sexual.
    task.add(src.sample("cold/train.jsonl", SEXUAL_TERMS_SAMPLE, where=lambda row: row["label"] == "safe"), "cold", _negative)
    _handwritten(task, "sexual", negatives=True)
    _written_positives_of(task, "violence")
    _in_context(task, src)
    _news(task, src, SEXUAL_NEWS_HEADLINES_PER_TOPIC)
    _background(task, src, HARM_BACKGROUND)
    _background(task, src, CONVERSATION_BACKGROUND, CONVERSATION_PER_SOURCE)
    return task


def violence(src: Sources) -> TaskData:
    task = TaskData("violence")
    _handwritten(task, "violence", negatives=True)
    _written_positives_of(task, "sexual")
    _in_context(task, src)
    _news(task, src)
    _background(task, src, HARM_BACKGROUND)
    _background(task, src, CONVERSATION_BACKGROUND, CONVERSATION_PER_SOURCE)
    return task


# Hate, harassment and sexism sets beside COLD and Davidson: (file, source, positive labels, negative labels).
# Stormfront's `relation` (hateful only with its neighbours) and `idk` are dropped.
HATE_SETS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("hatexplain/data.jsonl", "hatexplain", ("hate", "offensive"), ("normal",)),
    ("tweeteval-hate/train.jsonl", "tweeteval-hate", ("hate",), ("not hate",)),
    ("tweeteval-offensive/train.jsonl", "tweeteval-offensive", ("offensive",), ("not offensive",)),
    ("stormfront-hate/data.jsonl", "stormfront-hate", ("hate",), ("noHate",)),
    ("edos-sexism/train.jsonl", "edos-sexism", ("sexist",), ("not sexist",)),
    ("swsr-sexism/data.jsonl", "swsr-sexism", ("sexist",), ("not sexist",)),
)


def hate(src: Sources) -> TaskData:
    task = TaskData("hate")
    task.add(src.rows("cold/train.jsonl"), "cold", _is("offensive"))
    task.add(src.rows("davidson-hate/data.jsonl"), "davidson-hate", _is("hate", "offensive"))
    for relative, source, positive, negative in HATE_SETS:
        task.add(src.rows(relative), source, _only(positive, negative))
    _handwritten(task, "hate", negatives=False)
    _in_context(task, src)
    _news(task, src)
    _background(task, src, ("msrp-pairs/train.jsonl",))
    return task


def rumor(src: Sources) -> TaskData:
    task = TaskData("rumor")
    task.add(src.rows("weibo-rumor-ced/data.jsonl"), "weibo-rumor-ced", _is("rumor"))
    task.add(src.rows("weibo-rumor-eann/train.jsonl"), "weibo-rumor-eann", _is("rumor"))
    task.add(src.rows("liar/train.jsonl"), "liar", _only(("pants-fire", "false"), ("mostly-true", "true")))
    _handwritten(task, "rumor", negatives=False)
    _news(task, src)
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
    "thucnews-headlines/train-extra.jsonl",
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
    "sohu-articles/data.jsonl",
    *(relative for relative, *_ in HATE_SETS),
)


def fingerprint(tasks: Mapping[str, Sequence[Example]]) -> str:
    """A hash of every category's examples (text, label, weight, source): a saved evaluation belongs to exactly
    these training sets."""
    digest = hashlib.sha256()
    for category, examples in tasks.items():
        digest.update(category.encode())
        for example in examples:
            digest.update(f"{example.label}\t{example.weight}\t{example.source}\t{example.text}\n".encode())
    return digest.hexdigest()[:16]


def build_tasks(data_dir: Path) -> Iterator[TaskData]:
    src = Sources(data_dir)
    for builder in BUILDERS.values():
        yield builder(src)
