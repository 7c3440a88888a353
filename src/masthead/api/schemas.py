"""Request bodies: strict types and no unknown fields, so mistakes are named rather than guessed around."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, StrictStr


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
