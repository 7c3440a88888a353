"""A little public history on a running Masthead with demo data, through its HTTP API: a channel whose badge is
granted and then revoked, a post the policy holds and a moderator rejects, an appeal that reverses it, and one
that is upheld. The screenshots use it so that the transparency report and a ledger have something to show."""
from __future__ import annotations

import time

import httpx

DEMO_PASSWORD = "masthead-demo"
CHANNEL = "city_wire"
POLITICAL = [
    ("President vetoes budget as Senate deadlock deepens",
     "The president vetoed the spending bill on Friday, sending it back to the Senate, where the ruling "
     "coalition lacks the votes to override. The opposition leader accused the government of holding the "
     "budget hostage ahead of next month's elections."),
    ("国务院召开常务会议 部署深化改革",
     "国务院总理主持召开国务院常务会议，部署深化行政体制改革，审议通过有关法律草案。会议指出，要坚持党的领导，"
     "推进政府职能转变，全国人大常委会将审议相关法律修正案。外交部发言人表示，中方愿同各方加强政治对话。"),
    ("Ministers resign as coalition talks collapse",
     "Three cabinet ministers resigned on Friday after coalition talks between the ruling party and its partners "
     "collapsed. The president will meet party leaders on Monday; analysts expect a snap election and a new "
     "government before the budget vote in parliament."),
]


def _token(client: httpx.Client, handle: str) -> dict[str, str]:
    response = client.post("/api/v1/sessions", json={"handle": handle, "password": DEMO_PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise RuntimeError(f"{response.request.method} {response.request.url}: {response.status_code} {response.text}")
    return response


def _wait_for_pipeline(client: httpx.Client, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while client.get("/healthz").json()["pipeline_backlog"] and time.monotonic() < deadline:
        time.sleep(0.1)


def _held_items(client: httpx.Client, moderator: dict[str, str]) -> list[dict[str, str]]:
    items: list[dict[str, str]] = _ok(client.get("/api/v1/moderation/queue", params={"kind": "held"},
                                                    headers=moderator)).json()["items"]
    return items


def add_history(base: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        owner, verifier = _token(client, "reader"), _token(client, "vera")
        moderator, admin = _token(client, "mod_lin"), _token(client, "site_admin")
        _ok(client.post("/api/v1/channels", headers=owner, json={
            "handle": CHANNEL, "name": "City Wire", "description": "Local news from the city desk."}))
        application = _ok(client.post(f"/api/v1/channels/{CHANNEL}/credential-applications", headers=owner, json={
            "scopes": ["news.publish"], "evidence": {
                "organisation": "City Wire Media", "registration_number": "CW-2026-0042",
                "contact": "desk@city-wire.example", "statement": "A licensed local news service."}})).json()
        _ok(client.post(f"/api/v1/credential-applications/{application['id']}/review", headers=verifier))
        _ok(client.post(f"/api/v1/credential-applications/{application['id']}/grant", headers=verifier))
        _ok(client.post(f"/api/v1/channels/{CHANNEL}/credentials/news.publish/revoke", headers=verifier, json={
            "reason": "The news licence named in the application was withdrawn by the regulator."}))
        for title, body in POLITICAL:
            _ok(client.post(f"/api/v1/channels/{CHANNEL}/posts", headers=owner, json={"title": title, "body": body}))
        _wait_for_pipeline(client)
        held = _held_items(client, moderator)
        reason = "Political news needs the news.publish credential, which this channel no longer holds."
        for item in held:
            _ok(client.post(f"/api/v1/moderation/items/{item['id']}/resolve", headers=moderator,
                            json={"action": "reject", "reason": reason}))
        for item, outcome in zip(held, ("overturn", "uphold")):
            _ok(client.post(f"/api/v1/decisions/{item['decision_id']}/appeals", headers=owner, json={
                "text": "Our licence was reinstated on appeal the same day; the article is accurate."}))
            [appeal] = _ok(client.get("/api/v1/moderation/queue", params={"kind": "appeal"},
                                      headers=admin)).json()["items"]
            because = ("The licence was valid when the post was published." if outcome == "overturn"
                       else "The licence was withdrawn before the post was published.")
            _ok(client.post(f"/api/v1/moderation/items/{appeal['id']}/resolve", headers=admin,
                            json={"action": outcome, "reason": because}))
        published = _ok(client.get(f"/api/v1/channels/{CHANNEL}/posts")).json()["items"]
        reporter = _token(client, "jiangnan_ed")
        for post in published[:1]:
            _ok(client.post(f"/api/v1/posts/{post['id']}/reports", headers=reporter, json={
                "reason": "rumour", "comment": "No coalition talks were held this week."}))
            [report] = _ok(client.get("/api/v1/moderation/queue", params={"kind": "report"},
                                      headers=moderator)).json()["items"]
            _ok(client.post(f"/api/v1/moderation/items/{report['id']}/resolve", headers=moderator, json={
                "action": "label", "labels": ["disputed"],
                "reason": "The ministers named did not resign; the claim is disputed by the government's record."}))

if __name__ == "__main__":
    import sys
    add_history(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
