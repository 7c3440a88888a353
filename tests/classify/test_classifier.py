"""The shipped model on hand-written texts: interface, batching, chunking, and orderings a reader would expect."""
from __future__ import annotations

import re

import pytest

from masthead.classify import CATEGORIES, Classification, Classifier, load_classifier

POLITICAL_EN = "Parliament passes the election reform bill after the prime minister wins a confidence vote."
POLITICAL_ZH = "国务院总理主持召开国务院常务会议，部署深化行政体制改革"
SPORT_EN = "Manchester United beat Chelsea 2-1 with a late goal in the Premier League."
SPORT_ZH = "湖人队主场大胜勇士队，詹姆斯砍下三十分"
NEUTRAL = "I baked a lemon cake this afternoon and the kitchen smells wonderful."


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return load_classifier()


def score(classifier: Classifier, text: str, category: str) -> float:
    return classifier.classify([text])[0].scores[category]


def test_interface(classifier: Classifier) -> None:
    assert re.fullmatch(r"clf-\d{4}\.\d{2}\.\d{2}-[0-9a-f]{10}", classifier.version)
    results = classifier.classify([POLITICAL_EN, POLITICAL_ZH, "", "   "])
    assert len(results) == 4
    for result in results:
        assert isinstance(result, Classification)
        assert tuple(result.scores) == CATEGORIES
        assert all(0.0 <= value <= 1.0 and isinstance(value, float) for value in result.scores.values())
    assert [result.lang for result in results[:2]] == ["en", "zh"]
    assert classifier.classify([]) == []


def test_loading_is_cached() -> None:
    assert load_classifier() is load_classifier()


def test_a_batch_scores_each_text_as_if_alone(classifier: Classifier) -> None:
    texts = [POLITICAL_EN, SPORT_ZH, NEUTRAL]
    together = classifier.classify(texts)
    for text, result in zip(texts, together):
        alone = classifier.classify([text])[0]
        assert alone.scores == pytest.approx(result.scores, abs=1e-5)


@pytest.mark.parametrize(("political", "sport"), [(POLITICAL_EN, SPORT_EN), (POLITICAL_ZH, SPORT_ZH)])
def test_political_news_ranks_politics_above_sport(classifier: Classifier, political: str, sport: str) -> None:
    assert score(classifier, political, "political_news") > 0.5
    assert score(classifier, sport, "political_news") < 0.2


def test_traditional_chinese_scores_like_simplified(classifier: Classifier) -> None:
    traditional = "國務院總理主持召開國務院常務會議，部署深化行政體制改革"
    assert score(classifier, traditional, "political_news") == pytest.approx(
        score(classifier, POLITICAL_ZH, "political_news"), abs=1e-6)


@pytest.mark.parametrize(
    ("category", "harmful"),
    [
        ("hate", "你们这些地域黑真恶心，滚回你们老家去吧，都是垃圾"),
        ("hate", "those dumb bitches are trash, go back where you came from"),
        ("sexual", "同城约炮，寂寞少妇免费看裸照，成人视频在线观看"),
        ("sexual", "Watch free hardcore porn videos with naked girls, XXX sex cams"),
        ("terrorism", "Join the mujahideen and strike the infidels, the caliphate calls every brother to jihad"),
        ("violence", "The video shows his head crushed under the wheels, blood and brains all over the road"),
    ],
)
def test_harmful_text_outscores_neutral_text(classifier: Classifier, category: str, harmful: str) -> None:
    assert score(classifier, harmful, category) > max(0.5, 3 * score(classifier, NEUTRAL, category))


def test_a_harmful_paragraph_at_the_end_of_a_long_post_is_not_diluted(classifier: Classifier) -> None:
    harmful = "同城约炮，寂寞少妇免费看裸照，成人视频在线观看"
    long_post = "周末去公园散步，天气很好，湖边有很多人在钓鱼和放风筝。" * 100 + "\n\n" + harmful
    assert len(long_post) > 5 * classifier.chunk_chars
    assert score(classifier, long_post, "sexual") >= 0.8 * score(classifier, harmful, "sexual")


def test_padding_a_post_beyond_the_calibrated_length_does_not_lower_a_harmful_line_further(
        classifier: Classifier) -> None:
    harmful = "同城约炮，寂寞少妇免费看裸照，成人视频在线观看"
    padded = {lines: "\n".join(["今天天气不错，我们去公园散步。"] * lines + [harmful]) for lines in (10, 30, 300)}
    scores = {lines: score(classifier, post, "sexual") for lines, post in padded.items()}
    assert scores[10] > scores[30]
    assert scores[30] == pytest.approx(scores[300], abs=1e-6)


def test_a_short_title_on_its_own_line_does_not_outweigh_the_article_for_the_topic_heads(
        classifier: Classifier) -> None:
    title = "President vetoes budget as Senate deadlock deepens"
    body = ("The president vetoed the spending bill on Friday, sending it back to the Senate, where the ruling "
            "coalition lacks the votes to override. The opposition leader accused the government of holding the "
            "budget hostage ahead of next month's elections.")
    assert score(classifier, f"{title}\n\n{body}", "political_news") >= 0.8
