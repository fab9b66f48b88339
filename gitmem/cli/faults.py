"""Faults of the machine, not of gitmem: a full disk, a read-only file system, a denied write.

They reach ``main`` as an ``OSError`` (Python's own writes), a ``pygit2.GitError`` (libgit2's,
whose message names the file) or a failed git subprocess. ``fault`` recognises them by errno
or by the system's words and turns them into an ``error:`` naming the path, with a hint;
every memory write is a compare-and-swap of a finished commit, so none of them leaves
memory half written.
"""

from __future__ import annotations

import errno
import os
import re

from gitmem.core.errors import GitmemError

_REASONS = {
    errno.ENOSPC: "No space left on device",
    errno.EDQUOT: "Disk quota exceeded",
    errno.EROFS: "Read-only file system",
    errno.EACCES: "Permission denied",
    errno.EPERM: "Operation not permitted",
}
_FULL = (errno.ENOSPC, errno.EDQUOT)
_QUOTED = re.compile(r"'([^']+)'")


class EnvironmentFault(GitmemError):
    """The machine refused a read or write (disk full, read-only, permission): exit 1."""


def _classify(exc: BaseException) -> tuple[int, str | None] | None:
    """The errno and path of a machine fault, if ``exc`` is one."""
    if isinstance(exc, OSError) and exc.errno in _REASONS:
        return exc.errno, exc.filename if isinstance(exc.filename, str) else None
    text = getattr(exc, "message", None) or str(exc)
    for code, words in _REASONS.items():
        if words.lower() in text.lower():
            quoted = _QUOTED.findall(text)
            return code, next((q for q in quoted if os.sep in q), None)
    return None


def _git_dir(start: str) -> str | None:
    """The ``.git`` at or above ``start``: where a write that named no file was going."""
    here = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return os.path.join(here, ".git")
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def fault(exc: BaseException, start: str = ".") -> EnvironmentFault | None:
    """``exc`` as a clear error when the machine, not gitmem, failed; None otherwise.
    ``start`` is where the command ran (``-C``), to name the ``.git`` when the error did not."""
    found = _classify(exc)
    if found is None:
        return None
    code, path = found
    where = path or _git_dir(start) or "the repository's .git"
    reason = _REASONS[code]
    verb = "write" if code in (*_FULL, errno.EROFS) else "use"
    if code in _FULL:
        hint = f"free some space where {where} lives and run the command again; memory is unchanged"
    elif path is None or ".git" in path.split(os.sep):
        hint = ("memory lives in .git, which is read-only here (inside an agent's sandbox it usually is): "
                "allow the sandbox to write .git, or record the session afterwards from outside it "
                "with 'git codex import'; memory is unchanged")
    else:
        hint = f"gitmem needs to write {where}; memory is unchanged"
    return EnvironmentFault(f"cannot {verb} {where}: {reason}", hint=hint)
