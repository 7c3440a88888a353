"""The interface's language: chosen from a cookie or Accept-Language, with gettext catalogs and localised dates."""
from __future__ import annotations

import io
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGE_COOKIE = "masthead_lang"
DEFAULT_LANGUAGE = "en"
# Code -> the language's own name, as the switch shows it.
LANGUAGES = {"en": "English", "zh": "简体中文"}
_BABEL_LOCALES = {"en": "en", "zh": "zh_Hans_CN"}


def N_(message: str) -> str:
    """Marks a message for translation where it is defined; it is translated where it is shown."""
    return message


def _quality(part: str) -> float:
    for parameter in part.split(";")[1:]:
        name, _, value = parameter.strip().partition("=")
        if name == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def language_from_header(accept_language: str) -> str | None:
    """The best supported language in an Accept-Language header, or None."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag = part.split(";")[0].strip().lower()
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            ranked.append((-_quality(part), position, primary))
    ranked.sort()
    return ranked[0][2] if ranked and ranked[0][0] < 0 else None


def choose_language(cookie: str | None, accept_language: str) -> str:
    if cookie in LANGUAGES:
        return cookie
    return language_from_header(accept_language) or DEFAULT_LANGUAGE


def merged_catalog(language: str) -> Catalog:
    """Every .po file of a language, read as one catalog: each part of the site keeps its own file."""
    merged = Catalog(locale=_BABEL_LOCALES[language])
    for path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as source:
            for message in read_po(source, locale=_BABEL_LOCALES[language]):
                if message.id and message.string:
                    merged[message.id] = message
    return merged


@cache
def translations(language: str) -> NullTranslations:
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
        return NullTranslations()
    compiled = io.BytesIO()
    write_mo(compiled, merged_catalog(language))
    compiled.seek(0)
    return Translations(compiled)


def localised_datetime(moment: datetime | str | None, language: str, *, form: str = "medium") -> str:
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment, form, tzinfo=UTC, locale=Locale.parse(_BABEL_LOCALES[language]))
