"""State that never enters memory: per-clone (actor id) and per-worktree (seen point)."""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

from gitmem.core.constants import LOCAL_DIR
from gitmem.core.text import BASE32, random_base32
from gitmem.git.repo import Repo


def clone_dir(repo: Repo) -> str:
    return os.path.join(repo.common_dir, LOCAL_DIR)


def worktree_dir(repo: Repo) -> str:
    return os.path.join(repo.git_dir, LOCAL_DIR)


def write_atomic(path: str, data: bytes) -> None:
    """Write a file by rename so a reader never sees half of it."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # Unique per process and thread (the MCP server writes from threads); no randomness needed.
    tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.{time.monotonic_ns()}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def actor_id(repo: Repo) -> str:
    """This clone's random actor id, created on first use (never the git identity)."""
    path = os.path.join(clone_dir(repo), "actor")
    for _ in range(200):
        try:
            with open(path, "rb") as fh:  # bytes: a text file in "ascii" imports its codec
                actor = fh.read().strip().decode("ascii")
            if actor.isalnum():
                return actor
        except (OSError, UnicodeDecodeError):
            pass
        candidate = random_base32(10)
        try:
            # O_EXCL: if two processes race, the first file wins and both use it.
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            time.sleep(0.005)  # the winner may not have written its id yet
            continue
        with os.fdopen(fd, "wb") as fh:
            fh.write(candidate.encode("ascii") + b"\n")
        return candidate
    raise OSError(f"cannot read or create the actor id in {path}")


def read_json(path: str) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as fh:
            value = json.load(fh)
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def write_json(path: str, value: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(value, sort_keys=True).encode("utf-8"))


def seen_path(repo: Repo) -> str:
    return os.path.join(worktree_dir(repo), "seen.json")


ACTOR_SEPARATOR = "-"
"""Joins the clone's actor id and a memory ref's suffix: ``pu4o6hsmnk-x3fa``."""
_SUFFIX_LENGTH = 4
_LOCK_STALE = 10.0


def actors_path(repo: Repo) -> str:
    return os.path.join(clone_dir(repo), "actors.json")


def _valid_suffix(value: Any) -> bool:
    return isinstance(value, str) and len(value) == _SUFFIX_LENGTH and all(c in BASE32 for c in value)


def _update_actors(repo: Repo, ref: str, fresh: bool) -> str:
    """Read (or, when ``fresh`` or missing, assign) ``ref``'s suffix under a lock file.

    The read-modify-write is locked so a concurrent writer cannot put back a suffix that
    another process has just retired (reusing a retired suffix would be unsafe).
    """
    path = actors_path(repo)
    if not fresh:
        # Fast path: the file is replaced by rename, so an unlocked read sees a whole table.
        known = (read_json(path) or {}).get(ref)
        if isinstance(known, dict) and _valid_suffix(known.get("suffix")):
            return str(known["suffix"])
    lock = path + ".lock"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    deadline = time.monotonic() + 5.0
    while True:
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            break
        except FileExistsError:
            pass
        try:
            if time.time() - os.stat(lock).st_mtime > _LOCK_STALE:
                os.unlink(lock)  # left by a killed process: the file it guarded is whole (rename)
                continue
        except FileNotFoundError:
            continue
        if time.monotonic() > deadline:
            raise OSError(f"{lock} is held by another process; remove it if no gitmem command is running")
        time.sleep(0.002)
    try:
        os.close(fd)
        table = read_json(path) or {}
        entry = table.get(ref)
        entry = dict(entry) if isinstance(entry, dict) else {}
        current = entry.get("suffix")
        if not fresh and _valid_suffix(current):
            return str(current)
        retired = [s for s in entry.get("retired", []) if _valid_suffix(s)]
        if _valid_suffix(current):
            retired.append(str(current))
        while True:
            suffix = random_base32(_SUFFIX_LENGTH)
            if suffix not in retired:
                break
        table[ref] = {"suffix": suffix, "retired": sorted(set(retired))} if retired else {"suffix": suffix}
        write_json(path, table)
        return suffix
    finally:
        os.unlink(lock)


def actor_for(repo: Repo, ref: str) -> str:
    """The actor that stamps this clone's writes to the memory ``ref``.

    It is the clone's actor id plus a random suffix per memory ref, kept in
    ``.git/codex/actors.json``. Writes to one ref are serialised by its compare-and-swap,
    so each actor's writes form one chain with strictly increasing counters: what version
    vectors (``Write.seen``) need. A suffix must never be reused on a different history of
    the ref: whoever creates, re-forks or rolls back a memory ref calls ``new_actor_for``
    *before* moving it (a writer reads its actor after loading the tip it builds on).
    """
    return actor_id(repo) + ACTOR_SEPARATOR + _update_actors(repo, ref, fresh=False)


def new_actor_for(repo: Repo, ref: str) -> str:
    """Retire ``ref``'s suffix and assign a new one (the ref was created, re-forked or undone)."""
    return actor_id(repo) + ACTOR_SEPARATOR + _update_actors(repo, ref, fresh=True)
