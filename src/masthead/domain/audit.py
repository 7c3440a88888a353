"""The audit log's hash chain: each entry's hash covers its content and the previous entry's hash."""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import orjson

GENESIS_HASH = "0" * 64


def entry_hash(seq: int, at: datetime, actor: str, action: str, subject: str, payload: Any, prev_hash: str) -> str:
    canonical = orjson.dumps(
        {"seq": seq, "at": at.isoformat(), "actor": actor, "action": action, "subject": subject, "payload": payload,
         "prev_hash": prev_hash},
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(canonical).hexdigest()
