"""Ordinary news is published under the default policy, whatever its topic and length, and one violent threat
at the end of such a post still has it held: the shipped classifiers and the default pack, nothing by hand.

The headlines are written for this test (none comes from a training set). The channel holds news.publish, so the
credential rules stay out of the way and only the harm rules decide."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from masthead.classify import CATEGORIES, Classifier, load_classifier
from masthead.classify.handwritten import EVERYDAY, HARD_NEGATIVES, POSITIVES
from masthead.policy.evaluate import Policy
from masthead.policy.packs import load_pack
from tests.core import independent_texts

HEADLINES: dict[str, tuple[str, ...]] = {
    "zh-finance": (
        "央行下调存款准备金率0.25个百分点", "一季度社会融资规模增量超预期", "多家银行调整大额存单利率",
        "人民币对美元汇率中间价小幅上调", "保险业前三季度保费收入同比增长8%", "理财产品收益率连续三个月下行",
        "外汇储备规模连续五个月回升", "地方政府专项债发行提速", "信用卡分期手续费迎来新规",
        "基金公司扎堆发行债券型产品", "消费金融公司不良率有所下降", "上半年居民存款增加九万亿元",
    ),
    "zh-realty": (
        "一线城市二手房成交量环比回升", "多地出台公积金贷款新政", "房企前十月销售额同比下降",
        "保障性租赁住房建设加快推进", "楼市调控放松 首付比例下调", "新房价格指数连续三个月持平",
        "开发商推出特价房吸引购房者", "旧城改造项目本月开工", "商业地产空置率有所上升",
        "学区房价格出现松动", "房贷利率降至历史低位", "郊区新盘开盘当天去化七成",
    ),
    "zh-stocks": (
        "沪指震荡收涨 两市成交额破万亿", "创业板指数午后拉升", "北向资金全天净买入超50亿元",
        "券商板块集体走强", "新能源汽车概念股午后异动", "两市融资余额小幅回落",
        "半导体板块领涨 多股涨停", "港股恒生指数收跌1.2%", "医药股连续三日调整",
        "本周四只新股申购", "银行股估值修复行情延续", "深成指收复万点关口",
    ),
    "zh-education": (
        "今年高考报名人数再创新高", "教育部发布中小学课后服务指导意见", "多所高校公布研究生复试分数线",
        "新学期中小学开学第一课聚焦科学", "职业教育专业目录调整", "四六级考试成绩今日公布",
        "留学生回国就业人数增加", "高校毕业生就业率保持稳定", "幼儿园收费标准将调整",
        "中考体育测试项目迎来改革", "大学新生报到 宿舍配空调", "教师资格考试报名人数下降",
    ),
    "zh-science": (
        "我国成功发射一颗遥感卫星", "科学家发现新的系外行星", "研究人员培育出耐盐碱水稻新品种",
        "国产大飞机完成首次商业飞行", "新型电池能量密度提高三成", "天文台观测到罕见双星系统",
        "深海探测器下潜突破万米", "量子通信实验取得新进展", "研究称适量运动有助于睡眠",
        "月球样品研究发现新矿物", "人工智能辅助诊断系统通过评审", "北极科考队顺利返航",
    ),
    "zh-society": (
        "地铁站内老人突发疾病 乘客接力施救", "小区居民自发清理积雪", "外卖小哥拾金不昧获表彰",
        "暴雨导致部分路段积水 交警疏导交通", "社区食堂开业 老人吃饭更方便", "市民热线一季度受理诉求十万件",
        "公交线路优化调整 新增三条夜班车", "走失老人在民警帮助下回家", "志愿者走进养老院陪老人过节",
        "城市公园免费开放 游客络绎不绝", "快递网点春节期间照常营业", "男子高速上突发疾病 交警开道送医",
    ),
    "zh-politics": (
        "国务院常务会议部署稳就业工作", "全国人大常委会审议多部法律草案", "外交部发言人就近期国际形势答记者问",
        "国家主席会见来访的外国元首", "两国签署经贸合作协议", "政协会议闭幕 通过政治决议",
        "中央经济工作会议在京举行", "省委书记调研乡村振兴工作", "总理出席国际峰会并发表讲话",
        "国务院新闻办举行发布会介绍经济数据", "多国领导人就气候变化发表联合声明", "地方人大选举新一届政府领导",
    ),
    "zh-sports": (
        "国足主场两球战胜对手", "湖人队加时险胜凯尔特人", "中国女排三比零横扫对手晋级四强",
        "马拉松赛道两万名选手参赛", "乒乓球世锦赛混双夺冠", "中超联赛第二十轮战罢",
        "网球公开赛首轮 中国选手晋级", "游泳名将打破全国纪录", "羽毛球公开赛国羽包揽三金",
        "冬奥会雪上项目训练基地启用", "英超曼城主场大胜", "田径钻石联赛男子百米决赛开跑",
    ),
    "zh-game": (
        "新版本今日上线 新增三位英雄", "电竞联赛春季赛总决赛门票开售", "国产单机游戏销量突破百万",
        "掌机新品发布 售价公布", "热门手游周年庆活动开启", "游戏展开幕 多款新作亮相",
        "网游公测首日玩家排队进入服务器", "电竞战队官宣新赛季阵容", "经典角色扮演游戏推出重制版",
        "游戏主机年末促销降价", "独立游戏获得年度最佳设计奖", "赛车游戏新增中国赛道",
    ),
    "zh-entertainment": (
        "电影暑期档票房突破五十亿", "歌手新专辑首周销量登顶", "热播剧收视率创年度新高",
        "导演新片定档国庆", "电影节红毯明星云集", "综艺节目第二季开播",
        "演唱会门票开售即售罄", "老牌乐队宣布巡演计划", "动画电影获最佳影片提名",
        "话剧演出季在京开幕", "男演员凭借新作获得影帝", "经典电视剧重播受热捧",
    ),
    "en-world": (
        "Leaders meet in Geneva for climate talks", "Flooding displaces thousands in northern province",
        "Election turnout reaches record high in coastal nation", "Foreign ministers agree on new trade framework",
        "Earthquake of magnitude 5.8 shakes mountain region", "Parliament approves new coalition government",
        "Aid convoy reaches remote villages after storm", "Prime minister visits neighbouring capital",
        "Central bank governor warns of slowing growth", "Peace talks resume after weeks of delay",
        "Border crossing reopens to commercial traffic", "United Nations marks anniversary with summit",
    ),
    "en-sports": (
        "United beat Rovers 2-1 with late header", "Champion sprinter wins 100m final in 9.86 seconds",
        "Rookie quarterback leads comeback victory", "Tennis star reaches semi-finals in straight sets",
        "Cricket side declares on 450 for six", "Cyclist takes yellow jersey after mountain stage",
        "Swimmer breaks national record in 200m freestyle", "Golf leader holds two-shot lead into final round",
        "Basketball team clinches top seed for playoffs", "Marathon winner sets course record in Berlin",
        "Rugby coach names squad for autumn internationals", "Goalkeeper saves penalty to send club through",
    ),
    "en-business": (
        "Oil prices rise as supply concerns grow", "Retailer reports record holiday sales",
        "Carmaker to open new plant in the south", "Shares climb after strong earnings season",
        "Airline orders fifty new jets", "Bank raises interest rates by a quarter point",
        "Tech giant announces share buyback", "Unemployment falls to lowest level in a decade",
        "Supermarket chain agrees to buy rival", "Inflation eases for third straight month",
        "Shipping firm reports higher quarterly profit", "Coffee chain plans two hundred new stores",
    ),
    "en-scitech": (
        "Space agency launches new weather satellite", "Researchers unveil faster battery chemistry",
        "Software update brings new features to phones", "Astronomers spot distant galaxy cluster",
        "Chipmaker shows off smaller transistor design", "Study finds coffee drinkers sleep slightly less",
        "New telescope captures images of young stars", "Startup releases open-source database engine",
        "Scientists map genome of ancient wheat", "Browser maker adds privacy protections",
        "Robot vacuum learns to map rooms faster", "Mars rover finds traces of ancient lake bed",
    ),
}
THREATS = {
    "zh": "我知道你住在哪里。明天晚上我就带刀去你家，把你和你全家都杀了，谁也别想活。",
    "en": "I know where you live. Tomorrow night I am coming to your house with a knife and I will kill you and "
          "your whole family.",
}
# Sexual content written for this test (none is in a training set or in the hand-written examples).
WRITTEN_SEXUAL_POSTS: dict[str, tuple[str, ...]] = {
    "en": (
        "Hot milf wants to fuck you tonight, no strings, message me for nude selfies.",
        "Full length XXX movie: two girls and a guy, hardcore sex, cum shots, watch without signup.",
        "He licked her nipples and slid his hand between her thighs until she moaned his name.",
        "Looking for a sugar daddy, I do sexting, nude video calls and more for the right price.",
        "Uncensored leaked nudes of the pop star, see her naked in the shower.",
        "Our massage parlour offers happy endings and full service with beautiful young girls.",
        "She got on her knees, unbuckled his belt and took him in her mouth.",
        "Live sex shows 24/7, tip the models to make them strip and masturbate on cam.",
        "Tell me what you would do to my naked body if you were in my bed right now.",
        "Amateur couple homemade porn, wife fucked hard doggy style, free download.",
    ),
    "zh": (
        "寂寞人妻找单男约炮，酒店开房，可以先看裸照。",
        "高清无码av在线观看，日韩欧美成人片全集免费。",
        "他把她压在床上，一件件扒光她的衣服，狠狠地干她。",
        "裸贷照片流出，学生妹全裸自拍视频打包下载。",
        "足浴店提供特殊服务，小妹漂亮，全套价格优惠。",
        "主播深夜直播脱衣跳舞，露三点，刷礼物看更多。",
        "她舔着他的身体，一路往下，含住了他的下体。",
        "一夜情交友平台，附近美女约你上床，保证真实。",
        "成人视频网站推荐，国产自拍偷拍，每日更新。",
        "小说片段：两人在车里激情缠绵，她的呻吟声越来越大。",
    ),
}
# A head learned from a term list and a few dozen written texts: most, not all, of these must be held.
SEXUAL_HELD_AT_LEAST = 6
# After a dozen ordinary headlines the post is longer, so its score is lower (the document calibration), but at
# least half of these (topic, written post) pairs must still be held per language. Before every line became a
# chunk of its own, 9 of 100 Chinese pairs were held.
SEXUAL_AFTER_HEADLINES_HELD_AT_LEAST = 0.5
# Written for this test, unlike any hand-written training text. Before the violence and sexual heads took tweets,
# forum posts and Weibo comments as negatives, "You and me" scored violence 0.82 and the Christmas line 0.95, and
# the THUCNews game headline (a measurement row, never trained on) 0.97: each was held.
EVERYDAY_MESSAGES = (
    "You and me", "Thank you so much for coming!", "See you tomorrow at the office",
    "Can you send me the report by Friday?", "I miss you, call me when you land", "Will you marry me?",
    "You and me against the world, best friends forever", "Are you coming to my birthday party on Saturday?",
    "I can't wait to see you and your family at Christmas", "Let me know if you need anything",
    "You are the best teacher I have ever had", "明天见", "谢谢你来看我", "你和我一起去吃饭吧",
    "你什么时候回家？我等你", "生日快乐，祝你天天开心", "蜜友社区：Me And You 一起在蜜里",
)
# Threats in shapes the hand-written training threats do not have (no knife at the door, no family named).
UNSEEN_THREATS = (
    "If you show up at the office again I will break both your legs.",
    "I'm going to find you and put a bullet in your head.",
    "You'd better watch your back, I'm going to stab you when you leave work.",
    "Keep talking and I'll slit your throat, you piece of trash.",
    "We know your address. Tonight we come for you with guns.",
    "I'll beat you to death next time I see you.",
    "你再敢来我就打断你的腿。", "我要杀了你，等着吧。", "小心点，今晚我就拿刀捅死你。",
    "再发一条我就把你家烧了。", "我会找到你，一枪打爆你的头。",
)
# Affection and love written for the check of the fifth round of issue 14 (three more that turned out to stand in the
# training texts are left out): 我爱你 (sexual 0.86), 老婆我爱你 and "My husband surprised me with roses today" were held
# before it.
AFFECTIONATE_MESSAGES = (
    "我爱你", "我爱你，中国", "老婆我爱你", "宝贝，我好想你", "亲爱的，晚安，做个好梦", "我爱我的祖国", "我爱北京天安门", "今天是我们在一起的第一百天，爱你", "爱你一万年",
    "我喜欢你很久了，可以做我女朋友吗？", "谢谢你一直爱着我", "我们结婚吧", "抱抱你，别难过了", "亲一个，么么哒", "晚安，我的爱人", "你是我的小宝贝", "爱情就是两个人一起吃很多顿饭", "我爱吃火锅",
    "热爱生活，热爱工作", "孩子们都很爱这位老师", "他俩是大学同学，毕业后结婚了", "老公，今天早点回家吃饭", "周末和男朋友去看电影了", "闺蜜结婚了，祝福她", "宝宝今天第一次叫妈妈了",
    "这只狗太可爱了，好想摸摸它", "I love you", "Love you, babe, goodnight", "I love you more than anything",
    "Kiss kiss, see you soon", "My husband surprised me with roses today",
    "Happy anniversary to the love of my life", "I love my country", "Cuddles on the sofa with my girlfriend",
    "You look gorgeous in that dress",
)
UNSEEN_THREATS_HELD_AT_LEAST = 0.8
VIOLENCE_HOLD = 0.8  # the default policy's violence-hold threshold: the statement of reasons must name violence
# Shares of the independent texts (tests/core/independent_texts.py) that must be held, per language: before the
# fifth round of issue 14 the shipped model held 16 and 17 of 25 sexual posts (en, zh) and gave 8 of 25 Chinese
# threats a violence score at the policy's 0.8 (我要杀了你 scored 0.09 without a full stop, 1.00 with one).
INDEPENDENT_SEXUAL_HELD_AT_LEAST = 0.75
INDEPENDENT_THREATS_HELD_AT_LEAST = 0.6
INDEPENDENT_HARMLESS_HELD_AT_MOST = 1  # of 40 per language, by a harm rule
CREDENTIALED = {"credentials": ["news.publish"], "account_age_days": 400}
EVERYONE = {"credentials": [], "account_age_days": 30}  # no credential: the rumour rule applies too
AT = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return load_classifier()


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_pack("news-credential")


def decide(classifier: Classifier, policy: Policy, text: str,
           author: dict[str, object] = CREDENTIALED) -> tuple[str, dict[str, float]]:
    result = classifier.classify([text])[0]
    facts = {"scores": result.scores, "author": author,
             "post": {"lang": result.lang, "length": len(text), "is_reprint": False}}
    return policy.decide(facts, AT).outcome.value, result.scores


@pytest.mark.parametrize("topic", sorted(HEADLINES))
def test_a_dozen_ordinary_headlines_are_published_and_a_threat_after_them_is_held(
        classifier: Classifier, policy: Policy, topic: str) -> None:
    headlines = HEADLINES[topic]
    assert len(headlines) == 12
    post = "\n\n".join(headlines)
    outcome, scores = decide(classifier, policy, post)
    assert outcome == "publish", {name: round(scores[name], 3) for name in CATEGORIES}
    threatened = post + "\n\n" + THREATS[topic[:2]]
    outcome, scores = decide(classifier, policy, threatened)
    assert outcome == "hold", {name: round(scores[name], 3) for name in CATEGORIES}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_most_written_sexual_posts_are_held(classifier: Classifier, policy: Policy, lang: str) -> None:
    outcomes = {text: decide(classifier, policy, text)[0] for text in WRITTEN_SEXUAL_POSTS[lang]}
    held = [text for text, outcome in outcomes.items() if outcome in ("hold", "reject")]
    assert len(held) >= SEXUAL_HELD_AT_LEAST, {text: outcome for text, outcome in outcomes.items() if text not in held}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_most_written_sexual_posts_after_a_dozen_headlines_are_held(classifier: Classifier, policy: Policy,
                                                                    lang: str) -> None:
    posts = ["\n\n".join(HEADLINES[topic]) + "\n\n" + text
             for topic in sorted(HEADLINES) if topic.startswith(lang) for text in WRITTEN_SEXUAL_POSTS[lang]]
    held = sum(decide(classifier, policy, post)[0] in ("hold", "reject") for post in posts)
    assert held >= SEXUAL_AFTER_HEADLINES_HELD_AT_LEAST * len(posts), f"{held} of {len(posts)} held"


def not_published(classifier: Classifier, policy: Policy, texts: tuple[str, ...],
                  author: dict[str, object]) -> dict[str, dict[str, float]]:
    """The texts that were not published, each with its scores of 0.5 or more."""
    outcomes = {text: decide(classifier, policy, text, author) for text in texts}
    return {text: {name: round(score, 3) for name, score in scores.items() if score >= 0.5}
            for text, (outcome, scores) in outcomes.items() if outcome != "publish"}


def not_held_for_violence(classifier: Classifier, policy: Policy, threats: tuple[str, ...]) -> list[str]:
    """The threats that were published, or held with a violence score under the policy's, so that the statement of
    reasons would not name violence."""
    outcomes = {text: decide(classifier, policy, text) for text in threats}
    return [text for text, (outcome, scores) in outcomes.items()
            if outcome not in ("hold", "reject") or scores["violence"] < VIOLENCE_HOLD]


def test_everyday_messages_to_a_person_are_published(classifier: Classifier, policy: Policy) -> None:
    held = not_published(classifier, policy, EVERYDAY_MESSAGES, EVERYONE)
    assert not held, held


def test_affectionate_messages_are_published(classifier: Classifier, policy: Policy) -> None:
    held = not_published(classifier, policy, AFFECTIONATE_MESSAGES, EVERYONE)
    assert not held, held


def test_threats_unlike_the_training_threats_are_held(classifier: Classifier, policy: Policy) -> None:
    missed = not_held_for_violence(classifier, policy, UNSEEN_THREATS)
    assert len(missed) <= (1 - UNSEEN_THREATS_HELD_AT_LEAST) * len(UNSEEN_THREATS), missed


def _stripped(text: str) -> str:
    return "".join(character for character in text.lower() if character.isalnum())


def test_the_measuring_texts_are_not_training_texts() -> None:
    by_lang_sets = [*POSITIVES.values(), HARD_NEGATIVES, EVERYDAY]
    training = {_stripped(text) for by_lang in by_lang_sets for group in by_lang.values() for text in group}
    independent = [text for name in ("SEXUAL_EN", "SEXUAL_ZH", "THREATS_EN", "THREATS_ZH", "HARMLESS_EN", "HARMLESS_ZH")
                   for text in getattr(independent_texts, name)]
    measuring = [*independent, *AFFECTIONATE_MESSAGES, *EVERYDAY_MESSAGES, *UNSEEN_THREATS]
    assert not [text for text in measuring if _stripped(text) in training]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_independent_sexual_posts_are_held(classifier: Classifier, policy: Policy, lang: str) -> None:
    posts = getattr(independent_texts, f"SEXUAL_{lang.upper()}")
    missed = [text for text in posts if decide(classifier, policy, text)[0] not in ("hold", "reject")]
    assert len(missed) <= (1 - INDEPENDENT_SEXUAL_HELD_AT_LEAST) * len(posts), missed


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_independent_threats_are_held_for_violence(classifier: Classifier, policy: Policy, lang: str) -> None:
    threats = getattr(independent_texts, f"THREATS_{lang.upper()}")
    missed = not_held_for_violence(classifier, policy, threats)
    assert len(missed) <= (1 - INDEPENDENT_THREATS_HELD_AT_LEAST) * len(threats), missed


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_independent_harmless_texts_are_published(classifier: Classifier, policy: Policy, lang: str) -> None:
    """Affection (我爱你, pet names), idioms with violent words, cooking, fitness, neutral crime news: the
    channel holds news.publish, so only a harm rule can hold them."""
    held = not_published(classifier, policy, getattr(independent_texts, f"HARMLESS_{lang.upper()}"), CREDENTIALED)
    assert len(held) <= INDEPENDENT_HARMLESS_HELD_AT_MOST, held
