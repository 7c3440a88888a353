"""Template filters for the reader's pages: labels, states and dates in the reader's language."""
from __future__ import annotations

from datetime import UTC, datetime

from babel import Locale
from babel.dates import format_date
from jinja2 import pass_context
from jinja2.runtime import Context as TemplateContext

from masthead.web.reader.words import BADGE_STATES, POST_STATES, say
from masthead.web.render import gettext, language_of, templates

_LOCALES = {"en": "en", "zh": "zh_Hans_CN"}


@pass_context
def label_name(context: TemplateContext, label: str) -> str:
    return gettext(context["request"], label)


@pass_context
def badge_state(context: TemplateContext, status: str) -> str:
    return say(context["request"], BADGE_STATES, status)


@pass_context
def post_state(context: TemplateContext, state: str) -> str:
    return say(context["request"], POST_STATES, state)


@pass_context
def day(context: TemplateContext, moment: datetime | str | None) -> str:
    """The date alone (UTC), as the reader's language writes it: for badges, whose time of day does not matter."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    moment = moment.astimezone(UTC) if moment.tzinfo else moment
    return format_date(moment.date(), "long", locale=Locale.parse(_LOCALES[language_of(context["request"])]))


def install_filters() -> None:
    templates.env.filters.update(label_name=label_name, badge_state=badge_state, post_state=post_state, day=day)
