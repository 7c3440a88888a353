"""Every message the pages show has a Simplified Chinese translation, and the language is chosen as promised."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from masthead.web.i18n import choose_language, language_from_header, merged_catalog

WEB = Path(__file__).parents[2] / "src" / "masthead" / "web"
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")]
KEYWORDS = {"_": None, "gettext": (2,), "ngettext": (1, 2), "N_": None}


def marked_messages() -> set[str]:
    found: set[str] = set()
    for _, _, message, _, _ in extract_from_dir(str(WEB), METHODS, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_marked_message_has_a_chinese_translation() -> None:
    messages = marked_messages()
    assert len(messages) > 20
    catalog = merged_catalog("zh")
    missing = sorted(m for m in messages if not catalog.get(m) or not catalog.get(m).string)
    assert not missing, "no zh translation for:\n" + "\n".join(missing)


def test_language_comes_from_the_cookie_then_accept_language() -> None:
    assert language_from_header("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert language_from_header("en-GB,en;q=0.9,zh;q=0.5") == "en"
    assert language_from_header("fr-FR,zh-TW;q=0.4") == "zh"
    assert language_from_header("fr-FR") is None
    assert language_from_header("zh;q=0") is None
    assert choose_language("en", "zh-CN") == "en"
    assert choose_language(None, "zh-CN") == "zh"
    assert choose_language("xx", "") == "en"


def test_a_message_has_one_translation_across_the_parts_of_the_site() -> None:
    """Each part keeps its own .po file; the same English must not read two ways in Chinese (the merged catalog
    would pick one of them silently)."""
    from babel.messages.pofile import read_po

    seen: dict[str, tuple[str, object]] = {}
    clashes = []
    for path in sorted((WEB / "locale" / "zh" / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as source:
            for message in read_po(source):
                key = message.id if isinstance(message.id, str) else message.id[0]
                if not key:
                    continue
                if key in seen and seen[key][1] != message.string:
                    clashes.append(f"{key!r}: {seen[key][0]} and {path.name}")
                seen.setdefault(key, (path.name, message.string))
    assert not clashes, "\n".join(clashes)
