"""State that never enters memory: per-clone (actor id) and per-worktree (seen point)."""

from __future__ import annotations

import json
import os
import secrets
import time
from typing import Any

from gitmem.constants import LOCAL_DIR
from gitmem.git.repo import Repo

_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"


def random_base32(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def clone_dir(repo: Repo) -> str:
    return os.path.join(repo.common_dir, LOCAL_DIR)


def worktree_dir(repo: Repo) -> str:
    return os.path.join(repo.git_dir, LOCAL_DIR)


def write_atomic(path: str, data: bytes) -> None:
    """Write a file by rename so a reader never sees half of it."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def actor_id(repo: Repo) -> str:
    """This clone's random actor id, created on first use (never the git identity)."""
    path = os.path.join(clone_dir(repo), "actor")
    for _ in range(200):
        try:
            with open(path, encoding="ascii") as fh:
                actor = fh.read().strip()
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
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(candidate + "\n")
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
