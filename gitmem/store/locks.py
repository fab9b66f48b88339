"""Ref lock files (``<ref>.lock``): a writer killed mid-update leaves one behind."""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass

from gitmem.git.repo import Repo

STALE_SECONDS = 60.0
"""A ref lock is held for milliseconds; one this old belongs to a writer that died."""

_SCANNED = ("refs/codex", "refs/codex-remotes", "refs/notes")


@dataclass(frozen=True, slots=True)
class Lock:
    path: str
    ref: str
    age: float

    @property
    def stale(self) -> bool:
        return self.age > STALE_SECONDS


def lock_path(repo: Repo, ref: str) -> str:
    """Where git and libgit2 put the lock of ``ref`` (refs gitmem writes live in the common dir)."""
    return os.path.join(repo.common_dir, ref + ".lock")


def age(path: str) -> float | None:
    """Seconds since ``path`` was last modified; None when it does not exist."""
    try:
        return max(0.0, time.time() - os.stat(path).st_mtime)
    except OSError:
        return None


def find(repo: Repo) -> list[Lock]:
    """Every ``.lock`` under gitmem's ref namespaces, plus ``packed-refs.lock``."""
    found = []
    for top in _SCANNED:
        root = os.path.join(repo.common_dir, top)
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                if not name.endswith(".lock"):
                    continue
                path = os.path.join(dirpath, name)
                ref = os.path.relpath(path, repo.common_dir)[: -len(".lock")].replace(os.sep, "/")
                if top == "refs/notes" and not ref.startswith("refs/notes/codex"):
                    continue
                seconds = age(path)
                if seconds is not None:
                    found.append(Lock(path, ref, seconds))
    packed = os.path.join(repo.common_dir, "packed-refs.lock")
    seconds = age(packed)
    if seconds is not None:
        found.append(Lock(packed, "packed-refs", seconds))
    return sorted(found, key=lambda lock: lock.path)


def remove(lock: Lock) -> bool:
    """Delete a stale lock, re-checking its age first (a new writer may have just taken it)."""
    seconds = age(lock.path)
    if seconds is None or seconds <= STALE_SECONDS:
        return False
    with contextlib.suppress(FileNotFoundError):
        os.unlink(lock.path)
    return True
