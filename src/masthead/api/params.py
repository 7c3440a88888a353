"""Path and query parameters with the formats and limits the code checks, stated for the OpenAPI document.
The checks themselves (parse_id, check_page_size, Cursor.decode, ...) still run and keep their statuses:
an id that cannot exist is 404, an unreadable cursor or an out-of-range limit 400."""
from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from masthead.api.schemas import HANDLE_SCHEMA, RUNTIME_ENUM
from masthead.domain.paging import ID_PATTERN, MAX_PAGE_SIZE, Cursor

HandlePath = Annotated[str, Path(json_schema_extra={"pattern": HANDLE_SCHEMA["pattern"]},
                                 description="a handle: 3 to 30 lowercase letters, digits or underscores")]
IdPath = Annotated[str, Path(json_schema_extra={"pattern": f"^{ID_PATTERN}$"}, description="an id (digits)")]
ScopePath = Annotated[str, Path(json_schema_extra={RUNTIME_ENUM: "scopes"}, description="a credential scope")]
Limit = Annotated[int, Query(json_schema_extra={"minimum": 1, "maximum": MAX_PAGE_SIZE},
                             description=f"items per page, 1 to {MAX_PAGE_SIZE}")]
FeedCursor = Annotated[str | None, Query(json_schema_extra={"pattern": Cursor.PATTERN},
                                         description="next_cursor from the previous page")]
