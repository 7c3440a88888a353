"""How often ordinary news is held or rejected by a harm rule of the default policy, per set, topic, language and
form, on the news rows no harm head trained on (`news.is_held_out`)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from masthead.classify.classifier import CATEGORIES, Classifier
from masthead.classify.news import NewsItem, multi_paragraph_posts, news_items

# The default policy's rules that act on a harm score (the credential rules act on topic scores and are not
# false holds: political news from an uncredentialed channel is meant to be held).
HARM_RULES: tuple[str, ...] = (
    "terrorism-never-automatic", "sexual-content-reject", "sexual-content-hold", "violence-hold", "hate-hold",
    "rumour-from-uncredentialed",
)
HARM_SCORES: tuple[str, ...] = ("terrorism", "sexual", "violence", "hate", "rumor")
DECIDED_AT = datetime(2026, 12, 1, tzinfo=UTC)
TARGET = 0.003
DIGESTS_PER_TOPIC = 400  # 12-headline posts drawn per topic from its held-out headlines


@dataclass(frozen=True)
class FalseHoldRow:
    source: str
    topic: str
    lang: str
    form: str  # "headline" or "post"
    posts: int
    held: int
    by_rule: dict[str, int]
    mean_scores: dict[str, float]  # mean harm score: for all-negative rows this is also their calibration error

    @property
    def share(self) -> float:
        return self.held / self.posts if self.posts else 0.0


def measurement_posts(read: Callable[[str], list[dict[str, str]]]) -> tuple[list[NewsItem], list[NewsItem]]:
    """(single headlines, multi-paragraph posts) built only from held-out rows. A topic's digests share
    headlines (drawn without replacement within a post), so its posts are not independent of one another."""
    held_out = news_items(read, held_out=True)
    return [item for item in held_out if item.form == "headline"], multi_paragraph_posts(held_out, "measure", DIGESTS_PER_TOPIC)


def measure(classifier: Classifier, items: Sequence[NewsItem], form: str, *,
            credentials: Sequence[str] = ()) -> list[FalseHoldRow]:
    """Each item as a post of an account holding `credentials` (none by default: the rumour rule then applies)."""
    from masthead.policy.packs import load_pack

    policy = load_pack("news-credential")
    missing = set(HARM_RULES) - {rule.id for rule in policy.rules}
    if missing:
        raise ValueError(f"the default policy has no rules {sorted(missing)}")
    scores = classifier.probabilities([item.text for item in items]).astype(np.float64)
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        groups[(item.source, item.topic, item.lang)].append(index)
    rows: list[FalseHoldRow] = []
    columns = [CATEGORIES.index(name) for name in HARM_SCORES]
    for (source, topic, lang), members in sorted(groups.items()):
        held = 0
        by_rule: dict[str, int] = defaultdict(int)
        for index in members:
            facts = {"scores": dict(zip(CATEGORIES, scores[index].tolist())),
                     "post": {"lang": lang, "length": len(items[index].text), "is_reprint": False},
                     "author": {"credentials": list(credentials), "account_age_days": 365}}
            verdict = policy.decide(facts, DECIDED_AT)
            fired = [entry["rule"] for entry in verdict.trace
                     if entry["rule"] in HARM_RULES and entry["enforced"] and entry["outcome"] in ("hold", "reject")]
            held += bool(fired)
            for rule in fired:
                by_rule[rule] += 1
        mean = scores[members][:, columns].mean(axis=0)
        rows.append(FalseHoldRow(source, topic, lang, form, len(members), held, dict(by_rule),
                                 dict(zip(HARM_SCORES, mean.tolist()))))
    return rows


def false_hold_table(rows: Sequence[FalseHoldRow]) -> str:
    lines = ["| set | topic | lang | form | posts | held by a harm rule | share | rules | mean " +
             " | mean ".join(HARM_SCORES) + " |", "|---|---|---|---|---|---|---|---|" + "---|" * len(HARM_SCORES)]
    for row in rows:
        rules = ", ".join(f"{rule} {count}" for rule, count in sorted(row.by_rule.items())) or "–"
        means = " | ".join(f"{row.mean_scores[name]:.3f}" for name in HARM_SCORES)
        lines.append(f"| {row.source} | {row.topic} | {row.lang} | {row.form} | {row.posts} | {row.held} | "
                     f"{100 * row.share:.2f}% | {rules} | {means} |")
    return "\n".join(lines)
