"""The publisher's forms in-process, on SQLite and PostgreSQL: a large evidence file goes through the page's
upload path, pages of a channel refuse outsiders in words, publishing from the page reaches the pipeline, and an
appeal is accepted once."""
from __future__ import annotations

import httpx

from tests.conftest import Api
from tests.core.test_real_pipeline import POLITICS, RECIPE

CSRF = "test-csrf-token"


def signed_in(api: Api, token: str) -> httpx.AsyncClient:
    """The same app as a browser with a session: the session and CSRF cookies."""
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=api.app), base_url="http://masthead.test")
    client.cookies.set("masthead_session", token)
    client.cookies.set("masthead_csrf", CSRF)
    return client


async def test_an_evidence_file_larger_than_a_post_uploads_through_the_page(api: Api) -> None:
    owner = await api.sign_up("big_file_owner")
    await api.channel(owner, "big_file_news")
    pdf = b"%PDF-1.4\n" + b"0" * (7 * 1024 * 1024)
    async with signed_in(api, owner) as browser:
        response = await browser.post("/c/big_file_news/credentials", data={
            "csrf_token": CSRF, "action": "apply", "scopes": "news.publish", "organisation": "Big File Ltd",
            "registration_number": "BF-1", "contact": "desk@big.example"}, files={"file": ("scan.pdf", pdf)})
        assert response.status_code == 303, response.text[:500]
        page = (await browser.get("/c/big_file_news/credentials")).text
    assert "scan.pdf" in page
    listed = (await api.client.get("/api/v1/channels/big_file_news/credential-applications",
                                   headers=api.auth(owner))).json()["items"]
    details = (await api.client.get(f"/api/v1/credential-applications/{listed[0]['id']}",
                                    headers=api.auth(owner))).json()
    assert [(f["name"], f["size"]) for f in details["files"]] == [("scan.pdf", len(pdf))]


async def test_channel_pages_refuse_outsiders_in_words(api: Api) -> None:
    owner = await api.sign_up("kept_owner")
    await api.channel(owner, "kept_channel")
    author = await api.sign_up("kept_author")
    added = await api.client.post("/api/v1/channels/kept_channel/authors", headers=api.auth(owner),
                                  json={"handle": "kept_author"})
    assert added.status_code == 201
    stranger = await api.sign_up("kept_stranger")
    async with signed_in(api, stranger) as browser:
        for path in ("/c/kept_channel/write", "/c/kept_channel/credentials"):
            response = await browser.get(path)
            assert response.status_code == 404 and "section class=\"error" in response.text
        dry_run = await browser.post("/c/kept_channel/write", data={
            "csrf_token": CSRF, "action": "dry_run", "title": "x", "body": "y"})
        assert dry_run.status_code == 404 and "owner and authors" in dry_run.text
    async with signed_in(api, author) as browser:
        assert (await browser.get("/c/kept_channel/write")).status_code == 200
        refused = await browser.get("/c/kept_channel/credentials")
        assert refused.status_code == 404 and "Only the channel&#39;s owner may apply" in refused.text
    anonymous = await api.client.get("/c/kept_channel/write")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")


async def test_publishing_from_the_page_reaches_the_pipeline_and_an_appeal_is_taken_once(api: Api) -> None:
    owner = await api.sign_up("page_writer")
    await api.channel(owner, "page_desk")
    async with signed_in(api, owner) as browser:
        bad = await browser.post("/c/page_desk/write", data={
            "csrf_token": CSRF, "action": "publish", "title": POLITICS[0], "body": POLITICS[1], "reprint_of": "x1"})
        assert bad.status_code == 422 and "There is no post with this number." in bad.text
        published = await browser.post("/c/page_desk/write", data={
            "csrf_token": CSRF, "action": "publish", "title": POLITICS[0], "body": POLITICS[1]})
        assert published.status_code == 303
        status_url = published.headers["location"]
        assert "Being checked" in (await browser.get(status_url)).text
        assert await api.run_pipeline() == 1
        status = (await browser.get(status_url)).text
        assert "Held for review" in status
        post_id = status_url.rsplit("/", 1)[1]
        decision_id = (await api.client.get(f"/api/v1/posts/{post_id}", headers=api.auth(owner))).json()[
            "decision"]["id"]
        decision = await browser.get(f"/decisions/{decision_id}")
        assert "political-news-needs-credential" in decision.text and "Send appeal" in decision.text
        empty = await browser.post(f"/decisions/{decision_id}", data={"csrf_token": CSRF, "text": "  "})
        assert empty.status_code == 422 and 'id="e-text"' in empty.text
        appealed = await browser.post(f"/decisions/{decision_id}", data={"csrf_token": CSRF, "text": "Not news."})
        assert appealed.status_code == 303
        shown = (await browser.get(f"/decisions/{decision_id}")).text
        assert "Open: waiting for a moderator" in shown and "Send appeal" not in shown
        again = await browser.post(f"/decisions/{decision_id}", data={"csrf_token": CSRF, "text": "Again."})
        assert again.status_code == 422 and "already been appealed" in again.text
    public = await api.client.get(f"/decisions/{decision_id}")
    assert public.status_code == 404


async def test_the_composers_dry_run_names_the_post_a_draft_copies(api: Api) -> None:
    owner = await api.sign_up("copy_source")
    await api.channel(owner, "copy_source_desk")
    original = await api.publish(owner, "copy_source_desk", *RECIPE)
    await api.run_pipeline()
    copier = await api.sign_up("copy_maker")
    await api.channel(copier, "copy_maker_desk")
    async with signed_in(api, copier) as browser:
        page = await browser.post("/c/copy_maker_desk/write", data={
            "csrf_token": CSRF, "action": "dry_run", "title": "My stir fry", "body": RECIPE[1]})
    assert page.status_code == 200
    assert "This reads as a copy of another post:" in page.text and f'href="/p/{original}"' in page.text
