"""Files sealed by their own CRC-32: ``crc32(body)`` (4 bytes, big-endian) ``+ body``, a marshal dump.

Caches and kept answers are hints, never trusted: a file that is not byte for byte what
gitmem wrote (truncated, damaged, another version's) reads as absent, so its contents need
no per-field checks. The seal is there for accidents (a torn write, a truncated copy, a
flipped bit), which a CRC catches; like any checksum it is no defence against whoever can
write ``.git``, nor needs to be. ``binascii`` costs nothing to import (pygit2 loads it
anyway) where ``hashlib`` costs about a millisecond. Standard library only: the fast path
reads these files before pygit2 loads.
"""

from __future__ import annotations

import _thread  # threading's own (built in); ``threading`` itself costs an import
import binascii
import contextlib
import marshal
import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs ~2 ms to import, and the fast path has no time for it
    from typing import Any


def encode(value: Any) -> bytes:
    """The sealed bytes of ``value`` (plain data only: ValueError otherwise)."""
    body = marshal.dumps(value)
    return binascii.crc32(body).to_bytes(4, "big") + body


def write(path: str, value: Any) -> None:
    """Seal ``value`` into ``path`` by rename, so a reader sees the old file, none, or the new
    one whole. The old file is unlinked first rather than renamed over: ext4 flushes a file's
    data to disk when it replaces another by rename (``auto_da_alloc``), a tenth of a
    millisecond these files need not pay, as a reader takes a missing file for a miss.
    OSError when the folder cannot be written; ValueError for a value that is not plain data."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.{_thread.get_ident()}.tmp"  # unique per writer (the MCP server has threads)
    try:
        with open(tmp, "wb") as fh:
            fh.write(encode(value))
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.rename(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read(path: str) -> Any:
    """What ``encode`` sealed at ``path``; None if unreadable or not exactly as written."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    seal, body = data[:4], data[4:]
    if len(seal) < 4 or binascii.crc32(body).to_bytes(4, "big") != seal:
        return None
    try:
        return marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return None


def keep_newest(folder: str, prefix: str, count: int) -> None:
    """Keep at least the ``count`` newest files of ``folder`` whose names start with ``prefix``:
    once there are twice as many, remove all but the newest ``count``. Most calls then only
    list the folder; the ages (a stat per file) are read once per ``count`` new files."""
    with contextlib.suppress(OSError):
        found = [e for e in os.scandir(folder) if e.name.startswith(prefix)]
        if len(found) < 2 * count:
            return
        for stale in sorted(found, key=lambda e: e.stat().st_mtime_ns, reverse=True)[count:]:
            os.remove(stale.path)
