"""Language identification by script, with function words to tell common Latin-script languages apart."""
from __future__ import annotations

import re
from collections.abc import Sequence

_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
)
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]")
_WORD = re.compile(r"[a-z\u00e0-\u024f']+")
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to is in that it for was with on are this be have you not".split()),
    "fr": frozenset("le la les et des est une du que dans pour pas qui sur au avec".split()),
    "de": frozenset("der die das und ist nicht ein eine zu den mit sich auf dem des von".split()),
    "es": frozenset("el la los las y es una del que en por con para se su al".split()),
    "pt": frozenset("o a os as e é um uma do da que em para com não se ao".split()),
    "it": frozenset("il la di che e è un una per non del con sono gli le".split()),
    "nl": frozenset("de het een en van is dat niet op te zijn met voor".split()),
}
_SAMPLE_CHARS = 2000


def _latin_language(sample: str) -> str:
    words = _WORD.findall(sample.lower())
    best, best_hits = "en", 0
    for lang, vocabulary in _FUNCTION_WORDS.items():
        hits = sum(1 for word in words if word in vocabulary)
        if hits > best_hits:
            best, best_hits = lang, hits
    return best


def detect_language(text: str) -> str:
    """ISO 639-1 code of the dominant script's language; `zh` for simplified and traditional Chinese alike."""
    sample = text[:_SAMPLE_CHARS]
    counts = {lang: len(pattern.findall(sample)) for lang, pattern in _SCRIPTS}
    if counts["ja"] and counts["ja"] * 5 >= counts["zh"]:
        counts["ja"] += counts["zh"]
    latin = len(_LATIN.findall(sample))
    lang, hits = max(counts.items(), key=lambda item: item[1])
    if hits * 2 >= latin and hits > 0:
        return lang
    return _latin_language(sample) if latin else "und"


def detect_languages(texts: Sequence[str]) -> list[str]:
    return [detect_language(text) for text in texts]
