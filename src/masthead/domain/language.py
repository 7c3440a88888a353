"""A cheap script-and-stopword language guess, used until the classifiers give a better one.
It runs on every post in the pipeline's hot path, so it counts the scripts of a short sample of each post of a
batch in one vectorised pass (a code point to script table) and only looks at words for Latin-script text."""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_SAMPLE_CHARS = 200
_WORD_SAMPLE_CHARS = 200

# Half-open code point ranges [start, end) and the script each one counts toward ("" = not a letter).
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x41, 0x5B, "latin"), (0x61, 0x7B, "latin"), (0xC0, 0x250, "latin"),
    (0x370, 0x400, "el"), (0x400, 0x500, "ru"), (0x590, 0x600, "he"), (0x600, 0x700, "ar"),
    (0x900, 0x980, "hi"), (0xE00, 0xE80, "th"), (0x1100, 0x1200, "ko"), (0x3040, 0x3100, "kana"),
    (0x3400, 0x4DC0, "zh"), (0x4E00, 0xA000, "zh"), (0xAC00, 0xD7B0, "ko"), (0xF900, 0xFB00, "zh"),
)
_SCRIPTS = ("latin", "kana", "ko", "zh", "ru", "ar", "el", "he", "th", "hi")
# Script of every code point in the Basic Multilingual Plane (0 = not a letter we count; n = _SCRIPTS[n - 1]).
_LAST_CODEPOINT = 0xFFFF
_SCRIPT_OF_CODEPOINT = np.zeros(_LAST_CODEPOINT + 1, dtype=np.uint8)
for _start, _end, _script in _RANGES:
    _SCRIPT_OF_CODEPOINT[_start:_end] = _SCRIPTS.index(_script) + 1
_KANA = _SCRIPTS.index("kana")
_SCRIPT_CODES = ("ko", "zh", "ru", "ar", "el", "he", "th", "hi")
_NON_LATIN_ORDER = [_SCRIPTS.index(code) for code in _SCRIPT_CODES]
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to in is that for it with as was on are be by this have from".split()),
    "fr": frozenset("le la les et des est une que dans pour pas sur qui par avec du au".split()),
    "de": frozenset("der die und das ist nicht mit den ein eine zu auf für von sich dem".split()),
    "es": frozenset("el la los las y que en es una por con para del se no como".split()),
}
_LANGUAGES_OF_STOPWORD: dict[str, tuple[str, ...]] = {
    word: tuple(code for code, stops in _STOPWORDS.items() if word in stops)
    for word in set().union(*_STOPWORDS.values())
}
# One regex pass finds just the stopwords (whole words), instead of splitting the text into every word.
_STOPWORD = re.compile(r"(?<![a-zà-ÿ])(?:" + "|".join(sorted(_LANGUAGES_OF_STOPWORD, key=len, reverse=True))
                       + r")(?![a-zà-ÿ])")


def _script_table(samples: Sequence[str]) -> np.ndarray:
    """Rows: samples; columns: _SCRIPTS; values: letters of that script. One numpy pass for the whole batch."""
    codepoints = np.frombuffer("".join(samples).encode("utf-32-le"), dtype=np.uint32)
    scripts = _SCRIPT_OF_CODEPOINT[np.minimum(codepoints, _LAST_CODEPOINT)]
    width = len(_SCRIPTS) + 1
    owners = np.repeat(np.arange(0, len(samples) * width, width), [len(sample) for sample in samples])
    table: np.ndarray = np.bincount(owners + scripts, minlength=len(samples) * width)
    return table.reshape(len(samples), width)[:, 1:]


def _latin_language(text: str) -> str:
    votes: dict[str, int] = {}
    for word in _STOPWORD.findall(text[:_WORD_SAMPLE_CHARS].lower()):
        for code in _LANGUAGES_OF_STOPWORD[word]:
            votes[code] = votes.get(code, 0) + 1
    return max(votes, key=lambda code: (votes[code], code == "en")) if votes else "en"


def detect_languages(texts: Sequence[str]) -> list[str]:
    """ISO 639-1 code of the dominant language of each text; "und" when there is nothing to go on."""
    if not texts:
        return []
    table = _script_table([text[:_SAMPLE_CHARS] for text in texts])
    letters = table.sum(axis=1)
    # Japanese is recognised by kana even among many kanji; the other scripts need 30% of the letters.
    japanese = table[:, _KANA] >= 0.05 * letters
    strong = table[:, _NON_LATIN_ORDER] >= 0.3 * letters[:, None]
    first_strong = np.where(strong.any(axis=1), strong.argmax(axis=1), -1)
    languages = []
    for text, total, kana, strongest in zip(texts, letters.tolist(), japanese.tolist(), first_strong.tolist(),
                                            strict=True):
        if total == 0:
            languages.append("und")
        elif kana:
            languages.append("ja")
        elif strongest >= 0:
            languages.append(_SCRIPT_CODES[strongest])
        else:
            languages.append(_latin_language(text))
    return languages


def detect_language(text: str) -> str:
    return detect_languages([text])[0]
