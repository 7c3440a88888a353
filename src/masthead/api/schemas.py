"""Request bodies: strict types and no unknown fields, so mistakes are named rather than guessed around.

The limits the domain's own checks enforce (check_handle, check_title, ...) are stated here in JSON Schema from
the same constants, so the OpenAPI document says what a request must be; the checks still run and keep their
error codes."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StrictBool,
    StrictInt,
    StrictStr,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from masthead.domain.accounts import (
    HANDLE_PATTERN,
    MAX_DISPLAY_NAME_LENGTH,
    MIN_PASSWORD_LENGTH,
    RESERVED_HANDLES,
)
from masthead.domain.moderation import Action, ReportReason
from masthead.domain.paging import ID_PATTERN
from masthead.domain.posts import (
    MAX_SOURCE_URL_LENGTH,
    MAX_TITLE_LENGTH,
    REPRINT_RIGHTS,
    SOURCE_URL_PATTERN,
)
from masthead.services.channels import MAX_DESCRIPTION_LENGTH

# Strings in request bodies never hold NUL (Strict refuses it); text with at least one character that is not
# white space (the checks strip, then refuse empty text).
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = r"^[^\x00]*[^\s\x00][^\x00]*$"
HANDLE_SCHEMA: dict[str, Any] = {"type": "string", "pattern": f"^{HANDLE_PATTERN.pattern}$"}
# Marks a string whose allowed values are known only when the app starts (openapi.install_openapi fills them).
RUNTIME_ENUM = "x-masthead-enum"


def _text(**limits: Any) -> Any:
    return WithJsonSchema({"type": "string", **limits})


Handle = Annotated[StrictStr, WithJsonSchema(HANDLE_SCHEMA)]
NewHandle = Annotated[StrictStr, WithJsonSchema({**HANDLE_SCHEMA, "not": {"enum": sorted(RESERVED_HANDLES)}})]
Password = Annotated[StrictStr, _text(minLength=MIN_PASSWORD_LENGTH)]
Name = Annotated[StrictStr, _text(pattern=NOT_BLANK, maxLength=MAX_DISPLAY_NAME_LENGTH)]
NonBlank = Annotated[StrictStr, _text(pattern=NOT_BLANK)]
Title = Annotated[StrictStr, _text(pattern=NOT_BLANK, maxLength=MAX_TITLE_LENGTH)]
SourceUrl = Annotated[StrictStr, _text(pattern=f"^{SOURCE_URL_PATTERN.pattern}$", maxLength=MAX_SOURCE_URL_LENGTH)]
def _integral(value: Any) -> Any:
    """JSON Schema counts 160504.0 as an integer, so an id may arrive as a float with nothing after the point."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


PostId = Annotated[StrictStr | StrictInt, BeforeValidator(_integral), WithJsonSchema({"anyOf": [
    {"type": "string", "pattern": f"^{ID_PATTERN}$"}, {"type": "integer", "minimum": 0}]})]
IdText = Annotated[StrictStr, _text(pattern=f"^{ID_PATTERN}$")]
ReportReasonName = Annotated[StrictStr, _text(enum=[reason.value for reason in ReportReason])]
ActionName = Annotated[StrictStr, _text(enum=[action.value for action in Action])]
RightsName = Annotated[StrictStr, _text(enum=list(REPRINT_RIGHTS))]


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
    handle: NewHandle
    password: Password
    display_name: Name


class SignInIn(Strict):
    handle: StrictStr
    password: StrictStr


Description = Annotated[StrictStr, _text(maxLength=MAX_DESCRIPTION_LENGTH)]


class ChannelIn(Strict):
    handle: NewHandle
    name: Name
    description: Description = ""


class ChannelUpdateIn(Strict):
    name: Name | None = None
    description: Description | None = None
    handle: NewHandle | None = None


class AuthorIn(Strict):
    handle: Handle


class RightsIn(Strict):
    policy: RightsName = "attribute"
    whitelist: list[StrictStr] = []


# Cross-field rules of check_rights and do_publish: a post is not both original and a reprint, and only an
# original sets reprint rights other than the default (attribute, no whitelist).
_REPRINT: dict[str, Any] = {"required": ["reprint_of"], "properties": {"reprint_of": {"not": {"type": "null"}}}}
_ORIGINAL: dict[str, Any] = {"required": ["original"], "properties": {"original": {"const": True}}}
_OWN_RIGHTS: dict[str, Any] = {"required": ["rights"], "properties": {"rights": {"anyOf": [
    {"type": "object", "required": ["policy"], "properties": {"policy": {"not": {"const": "attribute"}}}},
    {"type": "object", "required": ["whitelist"], "properties": {"whitelist": {"minItems": 1}}}]}}}


class PostIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"allOf": [
        {"not": {"allOf": [_ORIGINAL, _REPRINT]}}, {"anyOf": [_ORIGINAL, {"not": _OWN_RIGHTS}]}]})

    title: Title
    body: NonBlank
    reprint_of: PostId | None = None
    source_url: SourceUrl | None = None
    original: StrictBool = False
    rights: RightsIn | None = None
