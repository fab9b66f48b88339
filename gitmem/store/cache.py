"""A per-task index (plan_key, tombstone) cached under ``.git/codex/cache``, keyed by blob id.

The cache is a hint, never trusted: an unreadable or ill-shaped file is ignored and
rebuilt, and an entry is used only when its blob id matches the tree being read, so a
stale cache cannot change what a command sees. ``marshal`` holds plain data only.
"""

from __future__ import annotations

import contextlib
import marshal
import os

from gitmem.git.repo import Repo
from gitmem.store.local import clone_dir, write_atomic

CACHE_FILE = "index-v1.marshal"
Summary = tuple[str, bool]
"""(plan_key or "", has a tombstone)."""
Entries = dict[str, tuple[str, Summary]]
"""task id -> (blob id, summary)."""


def _path(repo: Repo) -> str:
    return os.path.join(clone_dir(repo), "cache", CACHE_FILE)


def load(repo: Repo) -> Entries:
    try:
        with open(_path(repo), "rb") as fh:
            value = marshal.load(fh)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(value, dict):
        return {}
    good: Entries = {}
    for key, entry in value.items():
        if (isinstance(key, str) and isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str)
                and isinstance(entry[1], tuple) and len(entry[1]) == 2
                and isinstance(entry[1][0], str) and isinstance(entry[1][1], bool)):
            good[key] = entry
    return good


def save(repo: Repo, entries: Entries) -> None:
    with contextlib.suppress(OSError, ValueError):  # a cache that cannot be written only costs speed
        write_atomic(_path(repo), marshal.dumps(entries))
