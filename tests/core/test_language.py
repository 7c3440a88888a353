from __future__ import annotations

import pytest

from masthead.domain.language import detect_language


@pytest.mark.parametrize(("text", "lang"), [
    ("The harbour ferry will run every twenty minutes from Monday.", "en"),
    ("港口渡轮自周一起在高峰时段每二十分钟一班。", "zh"),
    ("港口渡輪自週一起在高峰時段每二十分鐘一班。", "zh"),
    ("今日はとても良い天気ですね。", "ja"),
    ("오늘은 날씨가 좋습니다.", "ko"),
    ("Сегодня хорошая погода.", "ru"),
    ("Le bateau part tous les jours pour la ville et les îles.", "fr"),
    ("Der Hafen ist nicht weit von der Stadt und dem Markt.", "de"),
    ("El barco sale todos los días para la ciudad y las islas.", "es"),
    ("12345 !!! ...", "und"),
    ("", "und"),
    ("华为 Mate 60 发布会今天举行，多款新品亮相。", "zh"),
])
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang
