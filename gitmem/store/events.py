"""Local telemetry: ``.git/codex/events.jsonl``, bounded and rotated; never leaves the machine."""

from __future__ import annotations

import contextlib
import json
import os
import time
from typing import Any

from gitmem.git.repo import Repo
from gitmem.store.local import clone_dir

MAX_BYTES = 512 * 1024


def _now() -> str:
    """UTC now with milliseconds, ``2026-12-01T19:40:00.123+00:00`` (datetime costs start-up)."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}+00:00"


def events_path(repo: Repo) -> str:
    return os.path.join(clone_dir(repo), "events.jsonl")


def record(repo: Repo, kind: str, **fields: Any) -> None:
    """Append one event; telemetry failures are ignored (it must never break a command)."""
    path = events_path(repo)
    line = json.dumps({"at": _now(), "kind": kind, **fields}, sort_keys=True, default=str)
    with contextlib.suppress(OSError):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.exists(path) and os.path.getsize(path) > MAX_BYTES:
            os.replace(path, path + ".1")
        # One write() of one line with O_APPEND: concurrent writers never interleave lines.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)


def read(repo: Repo) -> list[dict[str, Any]]:
    out = []
    for path in (events_path(repo) + ".1", events_path(repo)):
        with contextlib.suppress(OSError), open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                with contextlib.suppress(ValueError):
                    value = json.loads(line)
                    if isinstance(value, dict):
                        out.append(value)
    return out
