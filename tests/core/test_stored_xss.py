"""Stored XSS: filter-evasion vectors (after OWASP's cheat sheet) and Markdown-specific ones, written into every
text field a person can fill, must come out of every page and API view that shows them as inert text: no script
that is not ours, no event-handler attribute, no javascript:/vbscript:/data: address, no frame or object."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from masthead.context import Context
from masthead.domain.accounts import Role
from tests.conftest import Api
from tests.moderation.test_workflow import queue, resolve, staff

VECTORS = [
    "<script>alert(1)</script>",
    "\"><script>alert(2)</script>",
    "<<SCRIPT>alert(3);//<</SCRIPT>",
    "<IMG SRC=\"javascript:alert(4);\">",
    "<IMG SRC=jav&#x09;ascript:alert(5)>",
    "<IMG SRC=\"jav&#x0A;ascript:alert(6);\">",
    "<img src=x onerror=alert(7)>",
    "<svg/onload=alert(8)>",
    "<body onload=alert(9)>",
    "<iframe src=\"javascript:alert(10)\"></iframe>",
    "<object data=\"javascript:alert(11)\"></object>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(12)\">x</a>",
    "<details open ontoggle=alert(13)>",
    "<math><mi xlink:href=\"javascript:alert(14)\">x</mi></math>",
    "<style>@import 'javascript:alert(15)';</style>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(16)\">",
    "[click](javascript:alert(17))",
    "[click](JaVaScRiPt:alert(18))",
    "![pic](javascript:alert(19))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgyMCk8L3NjcmlwdD4=)",
    "[ref][r]\n\n[r]: javascript:alert(21)",
    "<a href=\"vbscript:msgbox(22)\">x</a>",
    "`<script>alert(23)</script>`",
    "{{ 7*7 }}<div onmouseover=\"alert(24)\">x</div>",
]
DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "frame", "frameset", "base", "applet", "meta", "link",
                  "style"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}
# Control characters and white space that browsers drop from a URL's scheme before reading it.
_SCHEME_NOISE = re.compile(r"[\x00-\x20]+")


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "head":
            self.in_head = True
        ours = (tag == "script" and (values.get("src") or "").startswith("/static/")) or (
            self.in_head and tag in ("meta", "link", "style"))
        if tag in DANGEROUS_TAGS and not ours:
            self.problems.append(f"<{tag} {attrs}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and value:
                scheme = _SCHEME_NOISE.sub("", value).lower()
                if scheme.startswith(("javascript:", "vbscript:", "data:")):
                    self.problems.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False


def assert_inert(html: str, where: str) -> None:
    inspector = _Inspector()
    inspector.feed(html)
    assert not inspector.problems, f"{where}: {inspector.problems}"


async def test_every_vector_in_every_field_comes_out_inert(api: Api, ctx: Context) -> None:
    body = "\n\n".join(VECTORS)
    owner = (await api.client.post("/api/v1/accounts", json={
        "handle": "xss_owner", "password": "long enough pw", "display_name": VECTORS[6]})).json()["token"]
    for number, vector in enumerate(VECTORS):
        created = await api.client.post("/api/v1/channels", headers=api.auth(owner), json={
            "handle": f"xss_{number}", "name": vector[:100], "description": vector})
        assert created.status_code == 201, created.text
    posts = [await api.publish(owner, f"xss_{number}", title=vector[:200], body=body)
             for number, vector in enumerate(VECTORS)]
    await api.run_pipeline()
    reader = await api.sign_up("xss_reader")
    await api.client.post("/api/v1/channels/xss_0/subscription", headers=api.auth(reader))
    for post_id, vector in list(zip(posts, VECTORS))[:5]:  # within the hourly report limit
        reported = await api.client.post(f"/api/v1/posts/{post_id}/reports", headers=api.auth(reader),
                                         json={"reason": "rumour", "comment": vector})
        assert reported.status_code == 201, reported.text
    moderator = await staff(ctx, "xss_mod", Role.MODERATOR)
    [item] = [i for i in await queue(api, moderator, "report") if i["post_id"] == posts[0]]
    refuted = await resolve(api, moderator, item["id"], "refute", VECTORS[0] + " " + VECTORS[16])
    assert refuted.status_code == 200, refuted.text

    decisions = []
    for post_id in posts[:3]:
        view = (await api.client.get(f"/api/v1/posts/{post_id}")).json()
        assert_inert(view["body_html"], f"API post {post_id}")
        decisions.append(view["decision"]["id"])

    pages = {owner: ["/", "/channels", "/me/posts", "/notifications", *[f"/c/xss_{n}" for n in range(len(VECTORS))],
                     *[f"/p/{post_id}" for post_id in posts], *[f"/p/{post_id}/card" for post_id in posts[:3]],
                     "/c/xss_0/ledger", "/transparency",
                     *[f"/decisions/{decision}" for decision in decisions]],
             reader: ["/feed", f"/p/{posts[0]}", "/notifications"],
             moderator: ["/moderation", "/moderation?kind=report", f"/moderation/items/{item['id']}"]}
    for token, paths in pages.items():
        api.client.cookies.set("masthead_session", token)
        try:
            for path in paths:
                response = await api.client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                assert_inert(response.text, path)
                if path.startswith(("/p/", "/moderation/items/")) or path in ("/c/xss_0", "/feed"):
                    assert "&lt;script&gt;alert(" in response.text.lower(), f"{path} does not show the vector as text"
        finally:
            api.client.cookies.clear()


def test_the_inspector_catches_what_it_looks_for() -> None:
    for raw in ("<script>x</script>", "<img src=x onerror=y>", "<a href=' java\tscript:x'>", "<iframe></iframe>",
                "<a href='DATA:text/html,x'>"):
        inspector = _Inspector()
        inspector.feed(raw)
        assert inspector.problems, raw
