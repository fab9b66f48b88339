"""Compare-and-swap ref updates, retried with jittered backoff on races and held locks."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar

from gitmem.core.errors import ConcurrentUpdate
from gitmem.git.repo import RefLocked, RefMoved, Repo

CAS_ATTEMPTS = 60
T = TypeVar("T")


def update_ref(repo: Repo, ref: str, attempt: Callable[[str | None], tuple[str, str, T] | None]) -> T | None:
    """Call ``attempt(current_target)`` until its commit lands on ``ref`` by CAS.

    ``attempt`` builds a commit on top of the current target and returns
    ``(commit, reflog message, result)``, or None when there is nothing to write.
    """
    moved = locked = 0
    try:
        for n in range(CAS_ATTEMPTS):
            current = repo.ref_target(ref)
            built = attempt(current)
            if built is None:
                return None
            commit, message, result = built
            if os.environ.get("GITMEM_TEST_CHECK_WRITES"):  # the test suite: check it as a teammate would
                _check_own_write(repo, ref, commit)
            try:
                repo.cas_ref(ref, commit, current, message)
                return result
            except RefMoved:
                moved += 1
            except RefLocked:
                locked += 1
                _refuse_stale_lock(repo, ref)
            import random  # only on contention

            time.sleep(random.uniform(0.0005, 0.002) * min(2**n, 64))
    finally:
        if moved or locked:
            from gitmem.store import events

            events.record(repo, "cas-retry", ref=ref, retries=moved + locked, moved=moved, locked=locked)
    raise ConcurrentUpdate(
        f"{ref} kept moving; gave up after {CAS_ATTEMPTS} attempts",
        hint="another writer is busy; try again (a stale .lock under .git/refs/codex needs 'git codex fsck --repair')",
    )


def _refuse_stale_lock(repo: Repo, ref: str) -> None:
    """A lock older than a minute will not go away by waiting: name it and the cure."""
    from gitmem.store import locks

    path = locks.lock_path(repo, ref)
    seconds = locks.age(path)
    if seconds is not None and seconds > locks.STALE_SECONDS:
        raise ConcurrentUpdate(
            f"{ref} is locked by {path}, left {int(seconds)} s ago by a writer that did not finish",
            hint="if no git or gitmem command is running, clear it with 'git codex fsck --repair'",
        )


def _check_own_write(repo: Repo, ref: str, commit: str) -> None:
    from gitmem.store import shape

    problems = shape.check_written(repo, ref, commit)
    if problems:
        raise AssertionError(f"gitmem was about to write what its own checks refuse: {'; '.join(problems[:5])}")
