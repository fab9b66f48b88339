"""Which memory a branch starts from (fork), renames, recreated branches, remote memory."""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass

from gitmem.core.constants import BACKUP_PREFIX
from gitmem.engine.fold import MergeResult, merge_into
from gitmem.engine.workspace import Workspace
from gitmem.store import local
from gitmem.store.refnames import memory_ref, remote_memory_ref

# Patterns as strings: ``re`` compiles each on first use, and a command that needs none pays nothing.
_CREATED = r"^branch: Created from (.+)$"
_MOVED = r"^checkout: moving from (.+) to (.+)$"
_RENAMED = r"^Branch: renamed refs/heads/(.+) to refs/heads/(.+)$"


@dataclass(frozen=True, slots=True)
class Source:
    ref: str
    commit: str
    label: str


def memory_of(ws: Workspace, name: str) -> Source | None:
    """The memory a start point names: a local branch's, or a remote-tracking branch's."""
    repo = ws.repo
    for prefix in ("refs/heads/", "heads/"):
        name = name.removeprefix(prefix)
    if repo.ref_target(f"refs/heads/{name}") is not None:
        ref = memory_ref(name)
        commit = repo.ref_target(ref)
        return Source(ref, commit, name) if commit else None
    tracking = name.removeprefix("refs/remotes/").removeprefix("remotes/")
    remote, sep, branch = tracking.partition("/")
    if sep and repo.ref_target(f"refs/remotes/{tracking}") is not None:
        for ref in (remote_memory_ref(remote, branch), memory_ref(branch)):
            commit = repo.ref_target(ref)
            if commit:
                return Source(ref, commit, tracking)
    return None


def memory_at(ws: Workspace, commit: str) -> Source | None:
    """The memory of another branch (local, else remote-tracking) whose tip is ``commit``."""
    for name, tip in ws.repo.branches().items():
        if tip == commit and name != ws.branch:
            found = memory_of(ws, name)
            if found:
                return found
    for name, tip in ws.repo.refs_under("refs/remotes/").items():
        if tip == commit:
            found = memory_of(ws, name.removeprefix("refs/remotes/"))
            if found:
                return found
    return None


def fork_source(ws: Workspace, branch: str) -> Source | None:
    """The branch's start point's memory, else the previous branch's, else the default's."""
    repo = ws.repo
    log = repo.reflog(f"refs/heads/{branch}")
    created = re.match(_CREATED, log[-1][0]) if log else None
    if created and created.group(1) != "HEAD":
        found = memory_of(ws, created.group(1))
        if found:
            return found
    for message, _ in repo.reflog("HEAD"):
        moved = re.match(_MOVED, message)
        if moved and moved.group(2) == branch and moved.group(1) != branch:
            found = memory_of(ws, moved.group(1))
            if found:
                return found
            break
    default = memory_ref(ws.default_branch)
    commit = repo.ref_target(default)
    return Source(default, commit, ws.default_branch) if commit else None


def renamed_from(ws: Workspace, branch: str) -> str | None:
    """The old name, when ``branch`` was made by ``git branch -m OLD branch``."""
    for message, _ in ws.repo.reflog(f"refs/heads/{branch}"):
        renamed = re.match(_RENAMED, message)
        if renamed and renamed.group(2) == branch:
            return renamed.group(1)
    return None


def _forks_path(ws: Workspace) -> str:
    return os.path.join(local.clone_dir(ws.repo), "forks.json")


def _birth(ws: Workspace, branch: str) -> tuple[str, str]:
    """An identity for this incarnation of the branch, from its reflog's first entry: commit,
    message and time (a branch recreated at the same commit differs only by its time), and
    the same without the time, as gitmem recorded it before."""
    start = ws.repo.reflog_start(f"refs/heads/{branch}")
    if start is None:
        return "", ""
    message, commit, when = start
    return f"{commit} {message} at {when}", f"{commit} {message}"


def backup(ws: Workspace, ref: str, why: str) -> str | None:
    """Keep ``ref``'s memory under refs/codex/backups/ before replacing it."""
    commit = ws.repo.ref_target(ref)
    if commit is None or ws.repo.object_kind(commit) != "commit":
        return None  # nothing a backup could keep (a missing object, a blob)
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    name = f"{BACKUP_PREFIX}{stamp}-{ref.rsplit('/', 1)[-1]}"
    ws.repo.cas_ref(name, commit, None, f"backup: {why}")
    return name


def ensure_memory(ws: Workspace) -> list[str]:
    """Give the current branch a memory (fork, rename or re-fork); returns what was done."""
    repo = ws.repo
    branch = ws.branch
    ref = memory_ref(branch)
    forks = local.read_json(_forks_path(ws)) or {}
    record = forks.get(branch) if isinstance(forks.get(branch), dict) else None
    done: list[str] = []
    if repo.ref_target(ref) is not None:
        birth, legacy = _birth(ws, branch)
        if not record or not birth or record.get("birth") == birth:
            return done
        if record.get("birth") == legacy or not re.match(_CREATED, birth.partition(" ")[2]):
            # Recorded without its time, or the reflog was expired or rewritten, not the
            # branch recreated: just re-record.
            forks[branch] = {**record, "birth": birth}
            local.write_json(_forks_path(ws), forks)
            return done
        saved = backup(ws, ref, f"branch {branch} was recreated")
        repo.delete_ref(ref, repo.ref_target(ref) or "")
        done.append(f"branch {branch} was recreated: its old memory is kept as {saved}")
    old_name = renamed_from(ws, branch)
    old_ref = memory_ref(old_name) if old_name else None
    old_commit = repo.ref_target(old_ref) if old_ref else None
    result: MergeResult | None = None
    if old_name and old_ref and old_commit and repo.ref_target(f"refs/heads/{old_name}") is None:
        result = merge_into(ws, ref, old_commit, old_name)
        repo.delete_ref(old_ref, old_commit)
        done.append(f"memory moved with the rename {old_name} -> {branch}")
    else:
        source = fork_source(ws, branch)
        if source is None or source.ref == ref:
            return done
        result = merge_into(ws, ref, source.commit, source.label)
        done.append(f"memory forked from {source.label}")
    forks[branch] = {"birth": _birth(ws, branch)[0], "code": ws.head, "memory": result.commit}
    local.write_json(_forks_path(ws), forks)
    return done
