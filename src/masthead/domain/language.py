"""A cheap script-and-stopword language guess, used until the classifiers give a better one."""
from __future__ import annotations

import re

_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("zh", re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
)
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_WORD = re.compile(r"[a-zà-ÿ]+")
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to in is that for it with as was on are be by this have from".split()),
    "fr": frozenset("le la les et des est une que dans pour pas sur qui par avec du au".split()),
    "de": frozenset("der die und das ist nicht mit den ein eine zu auf für von sich dem".split()),
    "es": frozenset("el la los las y que en es una por con para del se no como".split()),
}
_SAMPLE_CHARS = 4000


def detect_language(text: str) -> str:
    """ISO 639-1 code of the dominant language of `text`; "und" when there is nothing to go on."""
    sample = text[:_SAMPLE_CHARS]
    letters = len(_LETTER.findall(sample))
    if letters == 0:
        return "und"
    for code, pattern in _SCRIPTS:
        # Japanese is recognised by kana even among many kanji; the rest need a real share of the letters.
        share = len(pattern.findall(sample)) / letters
        if share >= (0.05 if code == "ja" else 0.3):
            return code
    words = _WORD.findall(sample.lower())
    if not words:
        return "und"
    counts = {code: sum(1 for word in words if word in stops) for code, stops in _STOPWORDS.items()}
    best = max(counts, key=lambda code: counts[code])
    return best if counts[best] > 0 else "en"
