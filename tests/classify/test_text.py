from __future__ import annotations

import numpy as np
import pytest

from masthead.classify.langid import detect_language
from masthead.classify.normalize import build_script_map, normalize, normalized_codes


def test_normalize_folds_case_width_digits_space_and_traditional_chinese() -> None:
    assert normalize("國家　ＡＢＣ１２３  Hello\n\nWorld 2024") == "国家 abc000 hello world 0000"


def test_normalize_removes_nul_so_it_cannot_join_texts() -> None:
    assert "\x00" not in normalize("a\x00b")


def test_script_map_keeps_single_character_first_readings() -> None:
    table = "國\t国\n乾\t干 乾\n著名\t着名\n"
    assert build_script_map(table) == {"國": "国", "乾": "干"}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("国务院召开常务会议，部署经济工作", "zh"),
        ("國務院召開常務會議，部署經濟工作", "zh"),
        ("The prime minister announced a new budget for the health service.", "en"),
        ("Le gouvernement a présenté le budget pour les écoles et les hôpitaux.", "fr"),
        ("Die Regierung hat den Haushalt für die Schulen und das Gesundheitswesen vorgestellt.", "de"),
        ("政府は新しい予算を発表しました", "ja"),
        ("정부는 새로운 예산을 발표했습니다", "ko"),
        ("Правительство представило новый бюджет", "ru"),
        ("北京 Beijing 新闻发布会今天举行，外交部发言人回答记者提问", "zh"),
        ("12345 !!!", "und"),
        ("\U0001f600\U0001f600\U0001f600 \U00020000\U00020001 ok", "en"),  # beyond the BMP: no script
        ("de la", "fr"),  # a tie goes to the language listed first among those with hits
        ("", "und"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_batch_normalisation_matches_the_per_text_definition() -> None:
    texts = ["", "  ", " a \t b ", "x\x00y", "İstanbul ＡＢＣ１２３\u3000國", "\n\n tail \n", "\U0001f600 emoji  \u3000 "]
    codes, lengths = normalized_codes(texts)
    starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
    decoded = [codes[start : start + length].tobytes().decode("utf-32-le") for start, length in zip(starts, lengths)]
    assert decoded == [normalize(text) for text in texts]
