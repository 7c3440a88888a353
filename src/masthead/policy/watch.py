"""The policy named by configuration (MASTHEAD_POLICY), reloaded when its file changes on disk.

The worker decides posts with it and moderation applies its strike rules, so both read it through here. A
changed file is compiled and its test cases run before it replaces the policy in force; a broken one never does.
"""
from __future__ import annotations

import logging
import threading
from functools import cache
from pathlib import Path

from masthead.policy.evaluate import Policy
from masthead.policy.holder import PolicyHolder
from masthead.policy.packs import PACK_NAMES, resolve_policy

log = logging.getLogger(__name__)


class WatchedPolicy:
    def __init__(self, spec: str, holder: PolicyHolder | None = None) -> None:
        self.holder = holder or PolicyHolder(resolve_policy(spec))
        self._file = None if spec in PACK_NAMES else Path(spec)
        self._mtime = self._file.stat().st_mtime if self._file else 0.0
        self._lock = threading.Lock()

    def current(self) -> Policy:
        self._reload_if_changed()
        return self.holder.current

    def _reload_if_changed(self) -> None:
        if self._file is None:
            return
        with self._lock:
            try:
                mtime = self._file.stat().st_mtime
            except OSError as exc:
                log.error("policy file %s unreadable (%s); keeping the policy in force", self._file, exc)
                return
            if mtime == self._mtime:
                return
            self._mtime = mtime
            result = self.holder.reload(self._file)
        (log.info if result.ok else log.error)("policy reload from %s: %s", self._file, result)


@cache
def configured_policy(spec: str) -> WatchedPolicy:
    """One watcher per process for each configured policy."""
    return WatchedPolicy(spec)
