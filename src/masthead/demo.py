"""Demo channels, people and posts in Chinese and English, loaded once by `masthead serve --demo`."""
from __future__ import annotations

import sqlalchemy as sa

from masthead.context import Context
from masthead.domain.accounts import Role
from masthead.services.accounts import do_sign_up
from masthead.services.channels import do_add_author, do_create_channel, do_subscribe
from masthead.services.posts import do_publish
from masthead.store.tables import meta
from masthead.verification.service import Evidence, do_apply, do_grant

DEMO_PASSWORD = "masthead-demo"
DEMO_MARKER = "demo_loaded"

PEOPLE = (
    ("site_admin", "Site Admin", Role.ADMIN),
    ("mod_lin", "林 Moderator", Role.MODERATOR),
    ("vera", "Vera the Verifier", Role.VERIFIER),
    ("harbour_ed", "Harbour Times Editor", Role.MEMBER),
    ("jiangnan_ed", "江南日报编辑", Role.MEMBER),
    ("reader", "A Reader", Role.MEMBER),
)

CHANNELS = (
    ("harbour_ed", "harbour_times", "The Harbour Times", "Local news and features from the harbour district."),
    ("jiangnan_ed", "jiangnan_daily", "江南日报", "江南地区新闻、民生与文化。"),
    ("reader", "garden_notes", "Garden Notes", "A small channel about balcony gardening."),
    ("jiangnan_ed", "jiachang_cai", "家常菜谱", "每周一道家常菜。"),
)

# The two newsrooms hold news.publish, granted by the demo verifier, so their badges show from the start.
CREDENTIALED = (
    ("harbour_ed", "harbour_times", Evidence("Harbour Times Ltd", "HT-2019-0042", "desk@harbour.example",
                                             "Local newspaper since 1921.")),
    ("jiangnan_ed", "jiangnan_daily", Evidence("江南日报社", "JN-1949-0001", "news@jiangnan.example",
                                               "地方综合性日报。")),
)

POSTS = (
    ("harbour_ed", "harbour_times", "Ferry timetable changes from Monday",
     "The harbour ferry will run **every 20 minutes** at peak times from Monday.\n\n"
     "- First boat: 06:10\n- Last boat: 23:40\n\nThe operator says the change follows a year of rising demand."),
    ("harbour_ed", "harbour_times", "Night market returns to the old quay",
     "After two years away, the night market is back on the old quay every Friday and Saturday.\n\n"
     "> \"We missed the noise and the food,\" said one stallholder.\n\nStalls open at 18:00."),
    ("jiangnan_ed", "jiangnan_daily", "古镇石桥修缮完工",
     "历时八个月的古镇石桥修缮工程日前完工，桥面恢复通行。\n\n"
     "修缮中尽量保留了原有的石材和**明代**的栏板，施工方表示，新换的构件都做了标记，便于日后辨认。"),
    ("jiangnan_ed", "jiangnan_daily", "梅雨季来临 市民出行请注意",
     "气象部门预计本周末进入梅雨季，降雨将持续三到四周。\n\n1. 出门携带雨具\n2. 注意路面湿滑\n3. 关注天气预报"),
    ("jiangnan_ed", "jiachang_cai", "番茄炒蛋",
     "## 材料\n\n- 番茄 两个\n- 鸡蛋 三个\n- 盐、糖 少许\n\n## 做法\n\n先炒蛋盛出，再炒番茄出汁，最后合炒，加少许糖提鲜。"),
    ("reader", "garden_notes", "Basil on a north-facing balcony",
     "Basil wants sun, but a north-facing balcony can still work: pick *Greek* basil, water in the morning, "
     "and pinch the flowers off as soon as they appear."),
)


async def demo_loaded(ctx: Context) -> bool:
    async with ctx.db.read() as connection:
        return (await connection.execute(sa.select(meta.c.value).where(meta.c.key == DEMO_MARKER))).first() is not None


async def load_demo(ctx: Context) -> bool:
    """Load the demo once; False when it was already there."""
    if await demo_loaded(ctx):
        return False
    accounts = {}
    for handle, name, role in PEOPLE:
        accounts[handle], _ = await do_sign_up(ctx, handle=handle, password=DEMO_PASSWORD, display_name=name,
                                               roles={role})
    for owner, handle, name, description in CHANNELS:
        await do_create_channel(ctx, accounts[owner], handle=handle, name=name, description=description)
    for owner, channel, evidence in CREDENTIALED:
        application_id = await do_apply(ctx, accounts[owner], channel, ["news.publish"], evidence)
        await do_grant(ctx, accounts["vera"], application_id)
    await do_add_author(ctx, accounts["harbour_ed"], "harbour_times", "reader")
    for channel in ("harbour_times", "jiangnan_daily", "jiachang_cai"):
        await do_subscribe(ctx, accounts["reader"], channel)
    for author, channel, title, body in POSTS:
        await do_publish(ctx, accounts[author], channel, title=title, body=body)
    async with ctx.db.write() as connection:
        await connection.execute(meta.insert().values(key=DEMO_MARKER, value=ctx.clock.now().isoformat()))
    return True
