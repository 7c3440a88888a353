"""Document-level pieces: the news split that false holds are measured on, digests, and the length term."""
from __future__ import annotations

import numpy as np
import pytest

from masthead.classify.corpus import Example
from masthead.classify.fitting import _document_platt, synthetic_posts
from masthead.classify.heads import LinearHeads
from masthead.classify.news import headline_posts, is_held_out, news_items, paragraphs

ROWS: dict[str, list[dict[str, str]]] = {
    "thucnews-headlines/train.jsonl": [{"text": f"体育新闻第{i}条", "label": "sports"} for i in range(60)],
    "thucnews-headlines/train-extra.jsonl": [{"text": f"财经新闻第{i}条", "label": "finance"} for i in range(60)],
    "tnews-headlines/train.jsonl": [{"text": f"科技头条{i}", "label": "news_tech"} for i in range(30)],
    "ag-news/data.jsonl": [{"text": f"Markets rally on day {i}.", "label": "Business"} for i in range(30)],
    "bbc-news/train.jsonl": [{"text": "the minister spoke  " * 40, "label": "politics"}],
    "sohu-articles/data.jsonl": [{"title": "标题", "text": "今天天气很好。" * 60}],
}


def test_the_news_split_is_a_partition_fixed_by_the_text() -> None:
    kept = news_items(ROWS.__getitem__, held_out=False)
    held = news_items(ROWS.__getitem__, held_out=True)
    assert len(kept) + len(held) == sum(len(rows) for rows in ROWS.values())
    assert not {item.text for item in kept} & {item.text for item in held}
    assert all(is_held_out(item.text) for item in held) and not any(is_held_out(item.text) for item in kept)
    assert 0.1 < len(held) / (len(kept) + len(held)) < 0.3


def test_digests_hold_twelve_headlines_of_one_topic() -> None:
    items = news_items(ROWS.__getitem__, held_out=False)
    digests = list(headline_posts(items, "seed", posts_per_topic=5))
    assert digests and all(post.text.count("\n\n") == 11 for post in digests)
    assert {post.topic for post in digests} >= {"sports", "finance", "tech", "business"}
    sports = {item.text for item in items if item.topic == "sports"}
    assert all(set(post.text.split("\n\n")) <= sports for post in digests if post.topic == "sports")


def test_an_article_on_one_line_is_cut_into_paragraphs() -> None:
    cut = paragraphs("今天天气很好。" * 100)
    assert cut.count("\n\n") >= 2 and all(len(part) <= 270 for part in cut.split("\n\n"))


def test_the_length_term_takes_back_the_chance_maximum_of_many_ordinary_chunks() -> None:
    rng = np.random.default_rng(0)
    examples = [Example(f"n{i}", 0, "news", "en", group=f"topic{i % 3}") for i in range(3000)]
    examples += [Example(f"p{i}", 1, "harm", "en") for i in range(300)]
    logits = np.r_[rng.normal(-3.0, 1.0, 3000), rng.normal(2.0, 1.0, 300)]
    labels = np.array([example.label for example in examples], dtype=np.int64)
    maxima, log_lengths, post_labels = synthetic_posts(examples, logits, 300 / 3300)
    assert np.all(log_lengths >= np.log(2)) and 0.05 < post_labels.mean() < 0.15
    assert maxima[post_labels == 0].mean() > -3.0  # the maximum of several negatives is higher than one
    a, b, c = _document_platt(logits, labels, np.ones(labels.size), examples)
    assert a > 0 and c < 0


def test_calibration_with_the_chunk_count() -> None:
    heads = LinearHeads(weights=np.zeros((4, 2), np.float32), bias=np.zeros(2, np.float32),
                        platt_a=np.array([1.0, 2.0], np.float32), platt_b=np.array([0.5, 0.0], np.float32),
                        platt_length=np.array([0.0, -1.0], np.float32))
    logits = np.array([[1.0, 1.0]], np.float32)
    probabilities = heads.calibrate(logits, np.log(np.array([[4.0]], np.float32)))
    expected = 1 / (1 + np.exp(-np.array([1.5, 2.0 - np.log(4.0)])))
    np.testing.assert_allclose(probabilities[0], expected, rtol=1e-5)
    assert heads.calibrate(logits)[0] == pytest.approx(1 / (1 + np.exp(-np.array([1.5, 2.0]))), rel=1e-5)


def test_hard_negatives_are_ordinary_news_scored_high_by_a_model_that_did_not_train_on_it() -> None:
    from masthead.classify.fitting import hard_negatives

    examples = ([Example(f"news{i}", 0, "thucnews", "zh", group="thucnews:society") for i in range(100)]
                + [Example(f"chat{i}", 0, "cold", "zh") for i in range(100)]
                + [Example(f"harm{i}", 1, "harm", "zh") for i in range(100)])
    labels = np.array([example.label for example in examples], dtype=np.int64)
    logits = np.r_[np.full(100, -4.0), np.full(100, -4.0), np.full(100, 4.0)]
    logits[[3, 150]] = 4.0  # one news headline and one chat line look like the positives
    hard = hard_negatives(examples, labels, logits, np.ones(labels.size))
    assert np.flatnonzero(hard).tolist() == [3]
