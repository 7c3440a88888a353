"""Policy evaluation speed: decisions per second for a 50-rule policy over realistic facts on one core, and the
share of the pipeline's per-post time spent deciding (issue 6 target: at most 5%).

    .venv/bin/python benchmarks/policy.py [--decisions N] [--rounds N] [--posts N]

The share is measured by timing each stage of a real pipeline worker (SQLite, 2 KB posts, the default
news-credential pack, distinct posts) over the same run; the total includes claiming and committing.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from sample_posts import two_kilobyte_body

from masthead.clock import SystemClock
from masthead.context import Context
from masthead.pipeline.assembly import build_stages
from masthead.pipeline.stages import PostWork, Stage
from masthead.pipeline.worker import PipelineWorker
from masthead.policy import load_policy_text
from masthead.services.accounts import do_sign_up
from masthead.services.channels import do_create_channel
from masthead.settings import Settings
from masthead.store.migrate import run_migrations
from masthead.store.posts import insert_posts_txn

SCORES = ("political_news", "social_news", "terrorism", "sexual", "violence", "hate", "rumor")
CATEGORY = "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS"


def fifty_rule_policy(seed: int = 7) -> str:
    """50 rules of the shapes the shipped packs use: thresholds, credentials, reprints, strikes, languages."""
    rng = random.Random(seed)
    shapes = (
        "scores.{a} >= {t} && !('news.publish' in author.credentials)",
        "scores.{a} >= {t} && scores.{b} < {u}",
        "post.is_reprint && reprint.original_scores.{a} >= {t} && !reprint.whitelisted",
        "author.strikes >= {n} && scores.{a} >= {u}",
        "post.lang == 'zh' && scores.{a} >= {t} && channel.subscribers > {big}",
        "'terrorism' in hashes.matches || scores.{a} >= 0.99",
        "author.account_age_days < {n} && scores.{a} >= {u}",
    )
    rules = []
    for i in range(50):
        outcome = rng.choice(["hold", "reject", "label", "limit"])
        when = rng.choice(shapes).format(a=rng.choice(SCORES), b=rng.choice(SCORES), t=round(rng.uniform(0.6, 0.95), 2),
                                         u=round(rng.uniform(0.1, 0.5), 2), n=rng.randint(1, 30), big=rng.randint(10, 10_000))
        labels = '["benchmark"]' if outcome == "label" else "[]"
        rules.append(f'''[[rule]]
id = "rule-{i}"
when = "{when}"
outcome = "{outcome}"
labels = {labels}
category = "{CATEGORY}"
ground = "incompatible"
ground_reference = "Terms {i}"
explanation = "Rule {i} matched (score {{scores.{SCORES[i % 7]}}})."
''')
    return 'id = "bench-50"\nversion = 1\n\n' + "\n".join(rules)


def realistic_facts(rng: random.Random) -> dict[str, Any]:
    # Most posts score low everywhere; a few are clearly about something.
    scores = {name: rng.betavariate(0.3, 6) for name in SCORES}
    if rng.random() < 0.15:
        scores[rng.choice(SCORES)] = rng.uniform(0.7, 1.0)
    return {
        "post": {"lang": rng.choice(["zh", "en"]), "length": rng.randint(200, 20_000),
                 "is_reprint": rng.random() < 0.2, "declared_original": rng.random() < 0.3},
        "scores": scores,
        "author": {"credentials": ["news.publish"] if rng.random() < 0.1 else [],
                   "account_age_days": rng.randint(0, 2000), "strikes": rng.choice([0, 0, 0, 1, 2, 3])},
        "channel": {"subscribers": rng.randint(0, 100_000)},
        "reprint": {"similarity": rng.random(), "original_scores": {name: rng.random() for name in SCORES},
                    "original_credentials": [], "rights": "attribute", "whitelisted": rng.random() < 0.1},
        "hashes": {"matches": ["terrorism"] if rng.random() < 0.001 else []},
    }


def decisions_per_second(count: int, rounds: int) -> float:
    """CPU time, best of several rounds, so that other work on a shared machine does not count as policy time."""
    policy = load_policy_text(fifty_rule_policy(), "bench-50")
    rng = random.Random(1)
    facts = [realistic_facts(rng) for _ in range(count)]
    at = datetime(2026, 11, 1, tzinfo=UTC)
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for i, fact in enumerate(facts):
            policy.decide(fact, at, puid=str(i), language=fact["post"]["lang"])
        best = min(best, time.process_time() - started)
    return count / best


class Timed:
    """Wraps a stage and adds up the time it takes."""

    def __init__(self, stage: Stage, spent: dict[str, float]) -> None:
        self.stage = stage
        self.name = stage.name
        self.spent = spent

    async def run(self, batch: Sequence[PostWork]) -> None:
        started = time.perf_counter()
        await self.stage.run(batch)
        self.spent[self.name] += time.perf_counter() - started


async def pipeline_share(url: str, posts: int) -> tuple[float, dict[str, float]]:
    ctx = Context.create(replace(Settings(database_url=url), pipeline_batch_size=500), clock=SystemClock(),
                         hasher=PasswordHasher(time_cost=1, memory_cost=1024))
    try:
        account, _ = await do_sign_up(ctx, handle="bench", password="benchmark password", display_name="Bench")
        channel = await do_create_channel(ctx, account, handle="bench_news", name="Bench", description="")
        for start in range(0, posts, 500):
            rows = [{"channel_id": channel.id, "author_id": account.id, "title": f"Post {i}", "body": two_kilobyte_body(i),
                     "body_html": "<p>…</p>", "reprint_of": None, "source_url": None, "original": False}
                    for i in range(start, min(start + 500, posts))]
            async with ctx.db.write() as connection:
                await insert_posts_txn(connection, rows, ctx.clock.now())
        spent: dict[str, float] = defaultdict(float)
        worker = PipelineWorker(ctx, [Timed(stage, spent) for stage in build_stages(ctx)])
        started = time.perf_counter()
        assert await worker.run_until_idle() == posts
        return time.perf_counter() - started, dict(spent)
    finally:
        await ctx.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decisions", type=int, default=20_000)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rate = decisions_per_second(args.decisions, args.rounds)
    print(f"50-rule policy, {args.decisions:,} realistic fact sets, one core, best of {args.rounds} rounds: "
          f"{rate:,.0f} decisions/s ({1e6 / rate:.1f} µs each)\n")
    url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    run_migrations(url)
    total, spent = asyncio.run(pipeline_share(url, args.posts))
    print(f"pipeline, {args.posts:,} posts of 2 KB on SQLite, default pack: {args.posts / total:,.0f} posts/s, "
          f"{total / args.posts * 1e6:.0f} µs per post")
    print(f"{'stage':<20} {'µs/post':>8} {'share':>7}")
    for name, seconds in spent.items():
        print(f"{name:<20} {seconds / args.posts * 1e6:>8.1f} {seconds / total:>7.1%}")
    print(f"{'claim + commit':<20} {(total - sum(spent.values())) / args.posts * 1e6:>8.1f} "
          f"{(total - sum(spent.values())) / total:>7.1%}")


if __name__ == "__main__":
    main()
