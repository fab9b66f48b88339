"""The ``git`` binary, for what libgit2 lacks (patch ids) and for transport.

gitmem's own git calls never run hooks (``core.hooksPath=/dev/null``), so a gitmem
command inside a hook cannot recurse into gitmem.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from gitmem.errors import GitmemError


class GitCommandError(GitmemError):
    """A git subprocess failed; its stderr is the message."""


def run_git_result(cwd: str, args: Sequence[str], *, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    cmd = ["git", "-c", "core.hooksPath=/dev/null", *args]
    try:
        return subprocess.run(cmd, cwd=cwd, input=input, capture_output=True, check=False)
    except OSError as exc:
        raise GitCommandError(f"cannot run git: {exc}", hint="is git installed and on PATH?") from exc


def run_git(cwd: str, args: Sequence[str], *, input: bytes | None = None, check: bool = True) -> bytes:
    result = run_git_result(cwd, args, input=input)
    if check and result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed"
        raise GitCommandError(message)
    return result.stdout


def patch_ids(cwd: str, revs: Sequence[str]) -> dict[str, str]:
    """commit -> stable patch id, for the given commits (merges and empty commits have none)."""
    if not revs:
        return {}
    log = run_git(cwd, ["show", "--no-color", "--format=commit %H", "--no-ext-diff", *revs], check=False)
    out = run_git(cwd, ["patch-id", "--stable"], input=log, check=False)
    ids = {}
    for line in out.decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) == 2:
            ids[parts[1]] = parts[0]
    return ids
