"""Answers repeated reads before click or pygit2 are imported.

Agents ask the same questions every turn (``tasks next --json``, ``status``). After a read
runs normally, its output is kept with a *state key*: the bytes of HEAD, of every ref that
can change the answer (the branch, all memory, claims and fetched-memory refs, packed-refs),
of the config files, of this worktree's seen point, and the environment that matters.
When the next identical read finds the same key, the kept output is the answer: nothing it
depends on has changed. Any difference, or any doubt, falls through to the normal path.
Only the standard library is used here.
"""

from __future__ import annotations

import binascii
import os
import sys
from collections.abc import Sequence

from gitmem.core.constants import RESPONSES
from gitmem.derived import sealed

CACHEABLE = {
    ("tasks", "next"): {"--json": False, "-n": True},
    ("tasks", "list"): {"--json": False, "--all": False, "--status": True, "--label": True},
    ("status",): {"--json": False},
}
"""The reads whose answers are kept: command words -> the options they may be given, each
with whether it takes a value (any other option, or an argument, and the answer is not kept)."""
MAX_ENTRIES = 32


def _git_dirs(start: str) -> tuple[str, str] | None:
    """(worktree git dir, common git dir) for ``start``, or None if unsure."""
    path = os.path.abspath(start)
    while True:
        dotgit = os.path.join(path, ".git")
        if os.path.isdir(dotgit):
            git_dir = dotgit
            break
        if os.path.isfile(dotgit):
            try:
                with open(dotgit, encoding="utf-8") as fh:
                    line = fh.read().strip()
            except OSError:
                return None
            if not line.startswith("gitdir: "):
                return None
            git_dir = os.path.normpath(os.path.join(path, line[len("gitdir: "):]))
            break
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent
    common = git_dir
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as fh:
            common = os.path.normpath(os.path.join(git_dir, fh.read().strip()))
    except OSError:
        pass
    return git_dir, common


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return b"-"


def _stat(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "-"
    return f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}"


def state_key(git_dir: str, common: str) -> str | None:
    """Everything a cached read depends on, verbatim (compared whole: no digest can collide,
    and hashlib would cost a millisecond to import); None when it cannot be trusted."""
    head = _read(os.path.join(git_dir, "HEAD"))
    if not head.startswith(b"ref: refs/heads/"):
        return None  # detached HEAD: leave it to the full path
    if os.path.isdir(os.path.join(common, "reftable")):
        return None  # refs that are not files: their changes cannot be seen from here
    parts = [head]
    branch_ref = head[5:].strip().decode("utf-8", "replace")
    parts.append(_read(os.path.join(common, branch_ref)))
    for top in ("refs/codex", "refs/codex-remotes"):
        for root, dirs, files in os.walk(os.path.join(common, top)):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                parts.append(full.encode("utf-8", "surrogateescape") + b"\0" + _read(full))
    home = os.environ.get("HOME", "")
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    for path in (os.path.join(common, "packed-refs"), os.path.join(common, "config"),
                 os.path.join(git_dir, "config.worktree"), os.path.join(home, ".gitconfig"),
                 os.path.join(xdg, "git", "config"), "/etc/gitconfig",
                 os.environ.get("GIT_CONFIG_GLOBAL") or "-", os.environ.get("GIT_CONFIG_SYSTEM") or "-"):
        parts.append(_stat(path).encode())
    parts.append(_read(os.path.join(git_dir, "codex", "seen.json")))
    for name in ("GITMEM_AGENT", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM",
                 "GIT_CONFIG_PARAMETERS", "GIT_DIR", "GIT_WORK_TREE", "NO_COLOR"):
        parts.append(f"{name}={os.environ.get(name, '')}\0".encode("utf-8", "surrogateescape"))
    # Each part prefixed by its length, so that no two states spell the same key.
    return "".join(f"{len(part)}:{part.decode('latin-1')}" for part in parts)


def request(argv: Sequence[str]) -> tuple[str, tuple[str, ...]] | None:
    """(path, the answer's name) when ``argv`` is a read whose answer may be kept, else None.

    No parsing: the name is the literal argument list, so an answer is only ever reused for
    the very command line whose full run printed it (one that click refused is never kept)."""
    rest = list(argv)
    path = "."
    if rest[:1] == ["-C"] and len(rest) >= 2:
        path, rest = rest[1], rest[2:]
    words = next((tuple(rest[:n]) for n in (2, 1) if tuple(rest[:n]) in CACHEABLE), None)
    if words is None or "_GIT_CODEX_COMPLETE" in os.environ:
        return None
    options = CACHEABLE[words]
    tokens = iter(rest[len(words):])
    for token in tokens:
        takes_value = options.get(token)
        if takes_value is None or (takes_value and next(tokens, None) is None):
            return None
    return path, tuple(rest)


def _entry_path(common: str, name: str) -> str:
    # Two names sharing a file only cost a miss: the name kept inside is compared too.
    digest = binascii.crc32(name.encode("utf-8", "surrogateescape"))
    return os.path.join(common, "codex", "cache", RESPONSES, f"{digest:08x}")


def _load(path: str) -> tuple[str, str, str] | None:
    """(name, state key, output) kept at ``path``; None if missing or damaged (``sealed``)."""
    value = sealed.read(path)
    ok = isinstance(value, tuple) and len(value) == 3 and all(isinstance(v, str) for v in value)
    return value if ok else None


def answer(argv: Sequence[str]) -> bool:
    """Print the kept answer to ``argv`` if the repository is as it was; True if answered."""
    if sys.stdout.isatty():
        return False  # colour and widths depend on the terminal
    found = request(argv)
    dirs = _git_dirs(found[0]) if found else None
    if found is None or dirs is None:
        return False
    key = state_key(*dirs)
    name = f"{dirs[0]}\0" + "\0".join(found[1])
    entry = _load(_entry_path(dirs[1], name)) if key is not None else None
    if entry is None or entry[0] != name or entry[1] != key:
        return False
    sys.stdout.write(entry[2])
    sys.stdout.flush()
    return True


def current_key(argv: Sequence[str]) -> str | None:
    """The state key for ``argv``'s repository now (None: not cacheable)."""
    found = request(argv)
    dirs = _git_dirs(found[0]) if found else None
    return state_key(*dirs) if dirs else None


def remember(argv: Sequence[str], output: str, key_before: str | None) -> None:
    """Keep the output of a read that just ran in full, if the run changed none of its
    inputs (a run that forked, merged or moved the seen point answered for the old state)."""
    found = request(argv)
    dirs = _git_dirs(found[0]) if found else None
    if found is None or dirs is None:
        return
    key = state_key(*dirs)
    if key is None or key != key_before:
        return
    name = f"{dirs[0]}\0" + "\0".join(found[1])
    path = _entry_path(dirs[1], name)
    try:
        sealed.write(path, (name, key, output))
    except OSError:
        return
    sealed.keep_newest(os.path.dirname(path), "", MAX_ENTRIES)
