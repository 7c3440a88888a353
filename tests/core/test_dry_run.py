"""POST /channels/{handle}/posts/dry-run: the pipeline's own stages decide a draft and nothing is stored; the
outcome is what the pipeline then decides for the same post."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from masthead import metrics
from masthead.context import Context
from masthead.store.tables import metadata
from tests.conftest import Api
from tests.core.test_real_pipeline import POLITICS, RECIPE

ORIGINAL = ("Harbour lights festival returns",
            "The harbour lights festival returns this weekend with lantern boats, night markets along the quay and "
            "a fireworks display over the water at nine. Organisers expect forty thousand visitors and ask people "
            "to take the ferry, as parking near the harbour will be closed from Friday evening until Monday.")


async def _row_counts(ctx: Context) -> dict[str, int]:
    async with ctx.db.read() as connection:
        return {table.name: (await connection.execute(sa.select(sa.func.count()).select_from(table))).scalar_one()
                for table in metadata.sorted_tables}


def _accepted() -> float:
    return float(metrics.POSTS_ACCEPTED._value.get())


async def _dry_run(api: Api, token: str, channel: str, **post: Any) -> dict[str, Any]:
    response = await api.client.post(f"/api/v1/channels/{channel}/posts/dry-run", headers=api.auth(token), json=post)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _decision_of(api: Api, token: str, post_id: str) -> dict[str, Any]:
    post = (await api.client.get(f"/api/v1/posts/{post_id}", headers=api.auth(token))).json()
    decision: dict[str, Any] = (await api.client.get(f"/api/v1/decisions/{post['decision']['id']}",
                                                     headers=api.auth(token))).json()
    return decision


async def test_a_dry_run_stores_nothing(api: Api, ctx: Context) -> None:
    owner = await api.sign_up("dry_owner")
    await api.channel(owner, "dry_news")
    # Before the pipeline has ever run (no policy text on record yet), then with an index to check against.
    fresh = await _row_counts(ctx)
    await _dry_run(api, owner, "dry_news", title=POLITICS[0], body=POLITICS[1])
    assert await _row_counts(ctx) == fresh
    original = await api.publish(owner, "dry_news", *ORIGINAL, original=True, rights={"policy": "deny"})
    await api.run_pipeline()
    before, accepted = await _row_counts(ctx), _accepted()
    for post in ({"title": POLITICS[0], "body": POLITICS[1]},
                 {"title": "Copy", "body": ORIGINAL[1], "reprint_of": original},
                 {"title": "Undeclared copy", "body": ORIGINAL[1]}):
        await _dry_run(api, owner, "dry_news", **post)
    assert await _row_counts(ctx) == before
    assert _accepted() == accepted
    assert await api.run_pipeline() == 0


async def test_the_dry_run_outcome_is_what_the_pipeline_decides(api: Api, ctx: Context) -> None:
    owner = await api.sign_up("dry_writer")
    await api.channel(owner, "dry_desk")
    original = await api.publish(owner, "dry_desk", *ORIGINAL, original=True, rights={"policy": "deny"})
    await api.run_pipeline()
    other = await api.sign_up("dry_copier")
    await api.channel(other, "dry_copies")
    cases = [
        (owner, "dry_desk", {"title": POLITICS[0], "body": POLITICS[1]}, "hold"),
        (owner, "dry_desk", {"title": RECIPE[0], "body": RECIPE[1], "original": True}, "publish"),
        (other, "dry_copies", {"title": "Lights", "body": ORIGINAL[1], "reprint_of": original}, "reject"),
        (other, "dry_copies", {"title": "Lights again", "body": ORIGINAL[1]}, "reject"),
    ]
    for token, channel, post, expected in cases:
        predicted = await _dry_run(api, token, channel, **post)
        assert predicted["outcome"] == expected, (post["title"], predicted)
        assert predicted["stored"] is False
        post_id = await api.publish(token, channel, **post)
        await api.run_pipeline()
        decided = await _decision_of(api, token, post_id)
        assert decided["outcome"] == predicted["outcome"]
        assert decided["labels"] == predicted["labels"]
        assert decided["explanation"] == predicted["explanation"]
        assert decided["trace"] == predicted["trace"]
        assert decided["facts"] == predicted["facts"]
        assert decided["versions"]["policy"] == predicted["versions"]["policy"]
    copy = await _dry_run(api, other, "dry_copies", title="Lights once more", body=ORIGINAL[1])
    assert (copy["reprint_of"], copy["detected"]) == (original, True)
    declared = await _dry_run(api, other, "dry_copies", title="Lights", body=ORIGINAL[1], reprint_of=original)
    assert (declared["reprint_of"], declared["detected"]) == (original, False)
    held = await _dry_run(api, owner, "dry_desk", title=POLITICS[0], body=POLITICS[1])
    assert held["state"] == "held" and held["rules"] == ["political-news-needs-credential"]
    assert held["facts"]["scores"]["political_news"] >= 0.8
    assert held["statement_of_reasons"]["decision_ground"] and held["statement_of_reasons"]["puid"] is None


async def test_only_the_channels_people_may_dry_run_and_bad_posts_are_refused(api: Api) -> None:
    owner = await api.sign_up("dry_keeper")
    await api.channel(owner, "dry_kept")
    stranger = await api.sign_up("dry_stranger")
    url = "/api/v1/channels/dry_kept/posts/dry-run"
    post = {"title": "Hello", "body": "A line."}
    response = await api.client.post(url, headers=api.auth(stranger), json=post)
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert (await api.client.post(url, json=post)).status_code == 401
    missing = await api.client.post("/api/v1/channels/no_such_one/posts/dry-run", headers=api.auth(owner), json=post)
    assert missing.status_code == 404
    empty = await api.client.post(url, headers=api.auth(owner), json={"title": " ", "body": "x"})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "invalid_title"
    unknown = await api.client.post(url, headers=api.auth(owner), json={**post, "reprint_of": "999"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_post"
    both = await api.client.post(url, headers=api.auth(owner), json={**post, "reprint_of": "1", "original": True})
    assert both.status_code == 422
