"""The whole pipeline with the shipped classifiers and the default policy pack, nothing supplied by hand:
political news from an uncredentialed channel is held, a recipe is published, and once the channel holds
news.publish the same article goes out."""
from __future__ import annotations

from masthead.context import Context
from masthead.domain.accounts import Role
from masthead.services.accounts import do_sign_up
from tests.conftest import Api

POLITICS = ("Parliament passes election reform",
            "The prime minister won a crucial vote in parliament on Tuesday as MPs backed the government's election "
            "reform bill by 312 votes to 270. The opposition leader said the party would fight the changes in the "
            "House of Lords, while ministers insisted the reform would restore trust in the electoral system.")
RECIPE = ("Tomato and egg stir fry",
          "Beat three eggs with a pinch of salt. Fry them softly and set aside. Fry two chopped tomatoes until they "
          "release their juice, add a little sugar, return the eggs and stir for a minute.")


async def test_classifiers_and_default_policy_decide_real_posts(api: Api, ctx: Context) -> None:
    owner = await api.sign_up("gazette_ed")
    await api.channel(owner, "the_gazette", "The Gazette")
    news = await api.publish(owner, "the_gazette", *POLITICS)
    recipe = await api.publish(owner, "the_gazette", *RECIPE)
    await api.run_pipeline()
    held = (await api.client.get(f"/api/v1/posts/{news}", headers=api.auth(owner))).json()
    assert held["state"] == "held" and held["lang"] == "en"
    decision = (await api.client.get(f"/api/v1/decisions/{held['decision']['id']}", headers=api.auth(owner))).json()
    assert decision["facts"]["scores"]["political_news"] >= 0.8
    assert decision["versions"]["model"].startswith("clf-")
    assert decision["trace"][0]["rule"] == "political-news-needs-credential"
    assert (await api.client.get(f"/api/v1/posts/{recipe}")).json()["state"] == "published"

    _, verifier = await do_sign_up(ctx, handle="vera", password="long enough pw", display_name="V",
                                   roles={Role.VERIFIER})
    application = await api.client.post("/api/v1/channels/the_gazette/credential-applications", headers=api.auth(owner),
                                        json={"scopes": ["news.publish"], "evidence": {
                                            "organisation": "Gazette Ltd", "registration_number": "GB-1",
                                            "contact": "desk@gazette.example"}})
    await api.client.post(f"/api/v1/credential-applications/{application.json()['id']}/grant",
                          headers=api.auth(verifier))
    again = await api.publish(owner, "the_gazette", *POLITICS)
    await api.run_pipeline()
    published = (await api.client.get(f"/api/v1/posts/{again}")).json()
    assert published["state"] == "published" and published["badges"][0]["scope"] == "news.publish"
