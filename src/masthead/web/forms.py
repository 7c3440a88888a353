"""What a submitted form holds, and the words to show beside each field that was wrong."""
from __future__ import annotations

from dataclasses import dataclass, field

from starlette.datastructures import UploadFile
from starlette.requests import Request

from masthead.domain.errors import MastheadError
from masthead.web.errors import error_message
from masthead.web.render import gettext


@dataclass
class Form:
    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, UploadFile] = field(default_factory=dict)
    # Field name -> message; "" is the form as a whole.
    errors: dict[str, str] = field(default_factory=dict)

    def text(self, name: str) -> str:
        return self.values.get(name, "")

    def checked(self, name: str) -> list[str]:
        return self.lists.get(name, [])

    def fail(self, request: Request, name: str, exc: MastheadError) -> None:
        self.errors[name] = error_message(request, exc)

    def require(self, request: Request, *names: str) -> None:
        for name in names:
            if not self.text(name).strip():
                self.errors[name] = gettext(request, "Fill in this field.")

    @property
    def ok(self) -> bool:
        return not self.errors


async def read_form(request: Request) -> Form:
    submitted = await request.form()
    form = Form()
    for name, value in submitted.multi_items():
        if isinstance(value, UploadFile):
            form.files[name] = value
            continue
        form.lists.setdefault(name, []).append(value)
        form.values.setdefault(name, value)
    return form
