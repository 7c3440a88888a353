"""Request bodies: strict types and no unknown fields, so mistakes are named rather than guessed around."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, StrictStr, field_validator
from pydantic_core import PydanticCustomError


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _valid_unicode(cls, value: Any) -> Any:
        """JSON may escape half of a surrogate pair (\\ud800) on its own, or a NUL character (\\u0000): neither
        can be stored (PostgreSQL refuses NUL in text) or sent on, so they are refused here rather than failing
        later."""
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str):
                if "\x00" in text:
                    raise PydanticCustomError(
                        "nul_character", "must be text without NUL characters (U+0000): one is at character "
                        "{position}", {"position": text.index("\x00")})
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError as exc:
                    raise PydanticCustomError(
                        "unpaired_surrogate",
                        "must be valid Unicode text: it contains an unpaired surrogate (U+{code}) at character "
                        "{position}", {"code": f"{ord(text[exc.start]):04X}", "position": exc.start},
                    ) from None
        return value


class SignUpIn(Strict):
    handle: StrictStr
    password: StrictStr
    display_name: StrictStr


class SignInIn(Strict):
    handle: StrictStr
    password: StrictStr


class ChannelIn(Strict):
    handle: StrictStr
    name: StrictStr
    description: StrictStr = ""


class AuthorIn(Strict):
    handle: StrictStr


class RightsIn(Strict):
    policy: StrictStr = "attribute"
    whitelist: list[StrictStr] = []


class PostIn(Strict):
    title: StrictStr
    body: StrictStr
    reprint_of: StrictStr | StrictInt | None = None
    source_url: StrictStr | None = None
    original: StrictBool = False
    rights: RightsIn | None = None
