"""Errors in the reader's language: known error codes have translated messages; others keep the service's words."""
from __future__ import annotations

from starlette.requests import Request

from masthead.domain.errors import MastheadError
from masthead.web.i18n import N_, translations

# Each part of the site adds the codes its forms can meet. The English text here is what the pages show, so it
# may be friendlier than the API's message.
MESSAGES: dict[str, str] = {
    "csrf_failed": N_("This form has expired or came from another site. Reload the page and try again."),
    "invalid_credentials": N_("The handle or password is wrong."),
    "invalid_handle": N_("A handle is 3 to 30 characters: lowercase letters, digits or underscore."),
    "reserved_handle": N_("This handle is reserved. Choose another."),
    "handle_taken": N_("This handle is taken. Choose another."),
    "weak_password": N_("The password must be at least 8 characters."),
    "invalid_name": N_("Enter a name of at most 100 characters."),
    "forbidden": N_("Your account may not do this."),
    "page_not_found": N_("There is nothing at this address. Check it, or start again from the front page."),
    "internal_error": N_("Something went wrong on our side. Try again in a moment."),
}


def error_message(request: Request, exc: MastheadError) -> str:
    language: str = getattr(request.state, "lang", "en")
    template = MESSAGES.get(exc.code)
    if template is None:
        return exc.message
    return translations(language).gettext(template)
