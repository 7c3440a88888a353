"""Reprints inside the pipeline: undeclared copies are found and attributed, rights travel with the original,
provenance shows the chain, and the index lives in the database where every worker shares it."""
from __future__ import annotations

from typing import Any

import pytest

from masthead.reprint.matching import best_match
from masthead.reprint.minhash import BANDS, sign
from masthead.store.reprints import MAX_OWNERS_PER_BAND, candidates, index_posts_txn
from tests.conftest import Api
from tests.scores import PoliticalScores

ARTICLE = ("The harbour authority confirmed on Monday that the old ferry terminal will close for eighteen months "
           "of repairs. Engineers found that the timber piles under the eastern pier had rotted further than the "
           "last survey suggested, and the authority said it would not risk passengers on a structure it could no "
           "longer vouch for. Services will move to a temporary pontoon beside the fish market. Local traders "
           "said they welcomed the repairs but worried about the loss of passing customers during the works, and "
           "asked the council to waive market fees until the terminal reopens. The council will vote next month.")


@pytest.fixture
def quiet_api(api: Api) -> Api:
    api.app.state.worker.stages.insert(-1, PoliticalScores())
    return api


async def _post(api: Api, post_id: str, token: str | None = None) -> dict[str, Any]:
    headers = api.auth(token) if token else {}
    body: dict[str, Any] = (await api.client.get(f"/api/v1/posts/{post_id}", headers=headers)).json()
    return body


async def test_an_undeclared_copy_is_attributed_with_provenance(quiet_api: Api) -> None:
    api = quiet_api
    origin = await api.sign_up("origin")
    await api.channel(origin, "harbour_times")
    copier = await api.sign_up("copier")
    await api.channel(copier, "copy_desk")
    original = await api.publish(origin, "harbour_times", "Ferry terminal to close", ARTICLE, original=True)
    await api.run_pipeline()
    edited = "Reprinted from the Harbour Times\n\n" + ARTICLE.replace("eighteen", "18") + "\n\nFollow us on social media."
    copy = await api.publish(copier, "copy_desk", "Terminal closes for repairs", edited)
    quote = await api.publish(copier, "copy_desk", "A quote", "As one trader put it: " + ARTICLE[:120]
                              + " That is all we know. The rest of this note is about the weather, which was mild "
                                "for the season, with light winds from the south and a little rain at dusk.")
    await api.run_pipeline()
    attributed = await _post(api, copy)
    assert attributed["state"] == "published" and attributed["reprint_of"] == original
    assert [step["id"] for step in attributed["provenance"]] == [original, copy]
    assert attributed["provenance"][1]["detected"] is True and attributed["provenance"][1]["similarity"] > 0.5
    assert (await _post(api, quote))["reprint_of"] is None  # a short quote is not a reprint
    copies = (await api.client.get(f"/api/v1/posts/{original}/reprints")).json()["items"]
    assert [c["id"] for c in copies] == [copy]
    decision = (await api.client.get(f"/api/v1/decisions/{attributed['decision']['id']}",
                                     headers=api.auth(copier))).json()
    assert decision["facts"]["post"]["is_reprint"] is True
    assert decision["facts"]["reprint"]["rights"] == "attribute"
    assert decision["versions"]["index"].startswith("minhash")


async def test_rights_travel_with_the_original(quiet_api: Api) -> None:
    api = quiet_api
    origin = await api.sign_up("origin")
    await api.channel(origin, "harbour_times")
    friend = await api.sign_up("friend")
    await api.channel(friend, "friend_news")
    stranger = await api.sign_up("stranger")
    await api.channel(stranger, "stranger_news")
    original = await api.publish(origin, "harbour_times", "Ferry terminal to close", ARTICLE, original=True,
                                 rights={"policy": "deny", "whitelist": ["friend_news"]})
    await api.run_pipeline()
    denied = await api.publish(stranger, "stranger_news", "Copied", ARTICLE)
    allowed = await api.publish(friend, "friend_news", "Shared with permission", ARTICLE, reprint_of=original)
    await api.run_pipeline()
    rejected = await _post(api, denied, stranger)
    assert rejected["state"] == "rejected"
    decision = (await api.client.get(f"/api/v1/decisions/{rejected['decision']['id']}",
                                     headers=api.auth(stranger))).json()
    assert decision["trace"][0]["rule"] == "reprint-rights-deny"
    assert (await _post(api, allowed))["state"] == "published"


async def test_rights_need_an_original_and_a_known_value(api: Api) -> None:
    token = await api.sign_up("origin")
    await api.channel(token, "harbour_times")
    for extra, code in (({"rights": {"policy": "forbid"}, "original": True}, "invalid_rights"),
                        ({"rights": {"policy": "deny"}}, "rights_need_original")):
        response = await api.client.post("/api/v1/channels/harbour_times/posts", headers=api.auth(token),
                                         json={"title": "T", "body": "B", **extra})
        assert response.status_code == 422 and response.json()["error"]["code"] == code


async def test_rebuild_reindexes_published_posts(quiet_api: Api, ctx: Any) -> None:
    import sqlalchemy as sa

    from masthead.reprint.rebuild import rebuild
    from masthead.store.tables import reprint_signatures

    api = quiet_api
    origin = await api.sign_up("origin")
    await api.channel(origin, "harbour_times")
    await api.publish(origin, "harbour_times", "Ferry terminal to close", ARTICLE)
    await api.publish(origin, "harbour_times", "Another story", "Completely different text about the weather "
                      "and the harbour's new lighthouse keeper, who arrived from the north last week.")
    await api.run_pipeline()
    assert await rebuild(ctx) == 2
    async with ctx.db.read() as connection:
        assert (await connection.execute(sa.select(sa.func.count()).select_from(reprint_signatures))).scalar_one() == 2
    copier = await api.sign_up("copier")
    await api.channel(copier, "copy_desk")
    copy = await api.publish(copier, "copy_desk", "Copy", ARTICLE)
    await api.run_pipeline()
    assert (await _post(api, copy))["reprint_of"] == "1"


async def test_a_flood_of_copies_keeps_queries_bounded_and_finds_the_original(quiet_api: Api, ctx: Any) -> None:
    api = quiet_api
    origin = await api.sign_up("flood_origin")
    await api.channel(origin, "harbour_times")
    flooder = await api.sign_up("flooder")
    await api.channel(flooder, "flood_desk")
    original = await api.publish(origin, "harbour_times", "Ferry terminal to close", ARTICLE, original=True)
    await api.run_pipeline()
    for _ in range(MAX_OWNERS_PER_BAND + 16):
        await api.publish(flooder, "flood_desk", "Ferry terminal to close", ARTICLE)
    await api.run_pipeline()
    async with ctx.db.read() as connection:
        [found] = (await candidates(connection, [sign("Ferry terminal to close\n\n" + ARTICLE)])).values()
    assert len(found) == MAX_OWNERS_PER_BAND and int(original) in {post_id for post_id, _ in found}
    late = await api.publish(flooder, "flood_desk", "One more", ARTICLE)
    await api.run_pipeline()
    assert (await _post(api, late))["reprint_of"] == original


async def test_a_flood_inside_one_batch_compares_each_copy_with_a_bounded_pool(
    quiet_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    import masthead.reprint.stage as stage

    pools: list[int] = []

    def counting_best_match(signature: Any, ids: list[int], *rest: Any) -> Any:
        pools.append(len(ids))
        return best_match(signature, ids, *rest)

    monkeypatch.setattr(stage, "best_match", counting_best_match)
    api = quiet_api
    flooder = await api.sign_up("flooder")
    await api.channel(flooder, "flood_desk")
    first = await api.publish(flooder, "flood_desk", "Ferry terminal to close", ARTICLE)
    copies = [await api.publish(flooder, "flood_desk", "Ferry terminal to close", ARTICLE)
              for _ in range(MAX_OWNERS_PER_BAND + 40)]
    # A declared reprint of a copy beyond the earliest nearby posts is still measured against it.
    declared = await api.publish(flooder, "flood_desk", "Ferry terminal to close", ARTICLE, reprint_of=copies[-1])
    await api.run_pipeline()
    assert len(pools) == len(copies) and max(pools) == MAX_OWNERS_PER_BAND
    assert {(await _post(api, copy))["reprint_of"] for copy in copies} == {first}
    decision_id = (await _post(api, declared))["decision"]["id"]
    decision = (await api.client.get(f"/api/v1/decisions/{decision_id}", headers=api.auth(flooder))).json()
    assert decision["facts"]["reprint"]["similarity"] == 1.0


async def test_indexing_a_post_again_changes_nothing(quiet_api: Api, ctx: Any) -> None:
    token = await quiet_api.sign_up("indexer")
    await quiet_api.channel(token, "harbour_times")
    post_id = int(await quiet_api.publish(token, "harbour_times", "Ferry terminal to close", ARTICLE))
    await quiet_api.run_pipeline()
    signature = sign("Ferry terminal to close\n\n" + ARTICLE)
    assert signature is not None
    for _ in range(2):  # a worker that outlived its lease commits the same batch again
        async with ctx.db.write() as connection:
            await index_posts_txn(connection, [(post_id, signature)])
    async with ctx.db.read() as connection:
        for table, rows in (("reprint_signatures", 1), ("reprint_bands", BANDS)):
            assert (await connection.exec_driver_sql(f"SELECT count(*) FROM {table}")).scalar() == rows


async def test_copies_in_one_batch_find_each_other_and_carry_the_originals_rights(quiet_api: Api) -> None:
    api = quiet_api
    origin = await api.sign_up("origin")
    await api.channel(origin, "harbour_times")
    stranger = await api.sign_up("stranger")
    await api.channel(stranger, "stranger_news")
    original = await api.publish(origin, "harbour_times", "Ferry terminal to close", ARTICLE, original=True,
                                 rights={"policy": "deny", "whitelist": []})
    quick_copy = await api.publish(stranger, "stranger_news", "Copied at once", ARTICLE)
    assert await api.run_pipeline() == 2  # one batch: the original is not in the index yet
    copied = await _post(api, quick_copy, stranger)
    assert copied["reprint_of"] == original and copied["state"] == "rejected"
    decision = (await api.client.get(f"/api/v1/decisions/{copied['decision']['id']}", headers=api.auth(stranger))).json()
    assert decision["facts"]["reprint"]["rights"] == "deny" and decision["facts"]["reprint"]["similarity"] > 0.9


async def test_the_worker_warns_when_the_index_was_signed_by_another_version(
    quiet_api: Api, ctx: Any, caplog: pytest.LogCaptureFixture
) -> None:
    import sqlalchemy as sa

    from masthead.reprint.rebuild import rebuild
    from masthead.store.tables import reprint_signatures

    api = quiet_api
    origin = await api.sign_up("origin")
    await api.channel(origin, "harbour_times")
    await api.publish(origin, "harbour_times", "Ferry terminal to close", ARTICLE)
    await api.run_pipeline()
    worker = api.app.state.worker
    assert await worker.warn_if_reprint_index_is_stale() == 0
    async with ctx.db.write() as connection:
        await connection.execute(reprint_signatures.update().values(index_version="minhash3-older"))
    with caplog.at_level("WARNING"):
        assert await worker.warn_if_reprint_index_is_stale() == 1
    assert "masthead reprint rebuild" in caplog.text
    await rebuild(ctx)
    assert await worker.warn_if_reprint_index_is_stale() == 0
    async with ctx.db.read() as connection:
        assert (await connection.execute(sa.select(sa.func.count()).select_from(reprint_signatures))).scalar_one() == 1
