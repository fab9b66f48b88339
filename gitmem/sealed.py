"""Files sealed by their own SHA-1: ``sha1(body) + body``, ``body`` a marshal dump.

Caches and kept answers are hints, never trusted: a file that is not byte for byte what
gitmem wrote (truncated, damaged, another version's) reads as absent, so its contents need
no per-field checks. Standard library only: the fast path reads these before pygit2 loads.
"""

from __future__ import annotations

import contextlib
import marshal
import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs ~2 ms to import, and the fast path has no time for it
    from typing import Any


def encode(value: Any) -> bytes:
    """The sealed bytes of ``value`` (plain data only: ValueError otherwise)."""
    import hashlib  # not at the top: writes that touch no sealed file do not pay for it

    body = marshal.dumps(value)
    return hashlib.sha1(body).digest() + body


def read(path: str) -> Any:
    """What ``encode`` sealed at ``path``; None if unreadable or not exactly as written."""
    import hashlib

    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    digest, body = data[:20], data[20:]
    if len(digest) < 20 or hashlib.sha1(body).digest() != digest:
        return None
    try:
        return marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return None


def keep_newest(folder: str, prefix: str, count: int) -> None:
    """Remove all but the ``count`` newest files of ``folder`` whose names start with ``prefix``."""
    with contextlib.suppress(OSError):
        kept = sorted((e for e in os.scandir(folder) if e.name.startswith(prefix)),
                      key=lambda e: e.stat().st_mtime_ns, reverse=True)
        for stale in kept[count:]:
            os.remove(stale.path)
