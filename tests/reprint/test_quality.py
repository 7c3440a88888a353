"""Recall and precision on real articles (../shared/data) and copies edited the ways copiers edit them."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from masthead.reprint.evaluation import DEFAULT_DATA_DIR, distinct, edited_copies, load_articles
from masthead.reprint.index import MemoryIndex
from masthead.reprint.minhash import sign

pytestmark = pytest.mark.skipif(
    not all((DEFAULT_DATA_DIR / name).is_dir() for name in ("sohu-articles", "bbc-news", "ag-news")),
    reason="../shared/data is not available",
)


def test_edited_copies_are_found_and_distinct_articles_are_not() -> None:
    articles = distinct(load_articles(Path(DEFAULT_DATA_DIR), ag_news=600))
    indexed, held_out = articles[::2], articles[1::2]
    index = MemoryIndex()
    for doc_id, text in enumerate(indexed):
        signature = sign(text)
        assert signature is not None
        index.add(doc_id, signature)
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    true_matches = false_matches = 0
    for copy in edited_copies(indexed):
        signature = sign(copy.text)
        ids = [match.doc_id for match in index.query(signature)] if signature is not None else []
        total[copy.edit] += 1
        found[copy.edit] += copy.original in ids
        true_matches += copy.original in ids
        false_matches += sum(doc_id != copy.original for doc_id in ids)
    for text in held_out:
        signature = sign(text)
        assert signature is not None
        false_matches += len(index.query(signature))
    recall = sum(found.values()) / sum(total.values())
    precision = true_matches / (true_matches + false_matches)
    assert recall >= 0.98, {edit: found[edit] / total[edit] for edit in total}
    assert precision >= 0.99
    assert all(found[edit] / total[edit] >= 0.95 for edit in total), {edit: found[edit] / total[edit] for edit in total}
