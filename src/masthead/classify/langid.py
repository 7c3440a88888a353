"""Language identification by script, counted for a whole batch with numpy; function words tell common
Latin-script languages apart."""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

# Only the start of a text is read: detect_languages(texts) equals detect_languages([t[:SAMPLE_CHARS] ...]).
SAMPLE_CHARS = 500
_LATIN_SAMPLE_CHARS = 400
_BMP = 0x10000
# Script name (an ISO 639-1 code, or "latin") and its code point ranges, end exclusive.
_SCRIPTS: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = (
    ("latin", ((0x41, 0x5B), (0x61, 0x7B), (0xC0, 0x250))),
    ("zh", ((0x4E00, 0xA000), (0x3400, 0x4DC0), (0xF900, 0xFB00))),
    ("ja", ((0x3040, 0x3100),)),
    ("ko", ((0xAC00, 0xD7B0), (0x1100, 0x1200))),
    ("ru", ((0x0400, 0x0500),)),
    ("ar", ((0x0600, 0x0700),)),
    ("he", ((0x0590, 0x0600),)),
    ("el", ((0x0370, 0x0400),)),
    ("th", ((0x0E00, 0x0E80),)),
    ("hi", ((0x0900, 0x0980),)),
)
_NAMES = ("other",) + tuple(name for name, _ in _SCRIPTS)
_LATIN, _ZH, _JA = _NAMES.index("latin"), _NAMES.index("zh"), _NAMES.index("ja")
_FIRST_NON_LATIN = 2  # columns: other, latin, then the non-Latin scripts
assert _NAMES[:_FIRST_NON_LATIN] == ("other", "latin")
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

# For ASCII samples (most English text): lower-case letters and the apostrophe kept, everything else a space,
# which splits exactly where _WORD would; a byte table does it about twice as fast as the regular expression.
_ASCII_WORDS = bytes(
    code + 32 if 0x41 <= code <= 0x5A else code if 0x61 <= code <= 0x7A or code == 0x27 else 0x20
    for code in range(256))

_LANGUAGES_OF_WORD: dict[str, tuple[str, ...]] = {
    word: tuple(lang for lang, vocabulary in _FUNCTION_WORDS.items() if word in vocabulary)
    for word in set().union(*_FUNCTION_WORDS.values())
}


@lru_cache(maxsize=1)
def _script_of_codepoint() -> npt.NDArray[np.uint8]:
    table = np.zeros(_BMP, dtype=np.uint8)
    for index, (_, ranges) in enumerate(_SCRIPTS, start=1):
        for start, end in ranges:
            table[start:end] = index
    return table


def script_counts(texts: Sequence[str]) -> npt.NDArray[np.int64]:
    """(len(texts), len(_NAMES)) letters of each script in the first SAMPLE_CHARS of each text."""
    samples = [text[:SAMPLE_CHARS] for text in texts]
    codes = np.frombuffer("".join(samples).encode("utf-32-le"), dtype=np.uint32)
    lengths = np.fromiter((len(sample) for sample in samples), dtype=np.int64, count=len(samples))
    # Code points beyond the BMP land on U+FFFF, a non-character that belongs to no script.
    scripts = _script_of_codepoint().take(np.minimum(codes, _BMP - 1))
    slots = np.repeat(np.arange(0, len(samples) * len(_NAMES), len(_NAMES), dtype=np.int64), lengths)
    slots += scripts
    flat = np.bincount(slots, minlength=len(samples) * len(_NAMES))
    return flat.reshape(len(samples), len(_NAMES))


def _latin_language(sample: str) -> str:
    """The language whose function words occur most often (the first listed on a tie; English with none)."""
    words = (sample.encode().translate(_ASCII_WORDS).decode().split() if sample.isascii()
             else _WORD.findall(sample.lower()))
    hits = dict.fromkeys(_FUNCTION_WORDS, 0)
    for word in filter(_LANGUAGES_OF_WORD.__contains__, words):
        for lang in _LANGUAGES_OF_WORD[word]:
            hits[lang] += 1
    return max(hits, key=hits.__getitem__)


def detect_languages(texts: Sequence[str]) -> list[str]:
    """ISO 639-1 code of each text's dominant script's language; `zh` for simplified and traditional alike,
    `und` when a text has no letters. Kana make a text Japanese even beside more kanji; a non-Latin script
    wins when it has at least half as many letters as the Latin one; ties go to the script listed first."""
    counts = script_counts(texts)
    kana_led = (counts[:, _JA] > 0) & (counts[:, _JA] * 5 >= counts[:, _ZH])
    counts[kana_led, _JA] += counts[kana_led, _ZH]
    non_latin = counts[:, _FIRST_NON_LATIN:]
    best = non_latin.argmax(axis=1)
    best_letters = non_latin[np.arange(len(texts)), best]
    languages = []
    for text, script, letters, latin in zip(texts, (best + _FIRST_NON_LATIN).tolist(), best_letters.tolist(),
                                            counts[:, _LATIN].tolist()):
        if letters and letters * 2 >= latin:
            languages.append(_NAMES[script])
        else:
            languages.append(_latin_language(text[:_LATIN_SAMPLE_CHARS]) if latin else "und")
    return languages


def detect_language(text: str) -> str:
    return detect_languages([text])[0]
