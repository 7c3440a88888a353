"""Secrets in query strings (the live stream's ?access_token= for EventSource) never reach the access log."""
from __future__ import annotations

import logging
import re

_SECRET_QUERY_VALUE = re.compile(r"(?<=[?&])(access_token|token|password)=[^&#]*", re.IGNORECASE)
ACCESS_LOGGER = "uvicorn.access"


def redact_query(path: str) -> str:
    return _SECRET_QUERY_VALUE.sub(lambda match: f"{match.group(1)}=[redacted]", path)


class RedactSecrets(logging.Filter):
    """uvicorn logs (client, method, path with query, HTTP version, status): the path is rewritten."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            path = record.args[2]
            if isinstance(path, str):
                record.args = (*record.args[:2], redact_query(path), *record.args[3:])
        return True


def install_log_redaction() -> None:
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(existing, RedactSecrets) for existing in logger.filters):
        logger.addFilter(RedactSecrets())
