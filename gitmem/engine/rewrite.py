"""After ``commit --amend`` and ``rebase``: remap commit ids in memory and copy notes.

The ``post-rewrite`` pairs are authoritative; the rebase state (head-name, onto, ORIG_HEAD)
is read at hook time, before git removes it. Commits a rebase dropped because they were
already upstream are matched by patch id; other dropped commits leave their evidence
marked orphaned, never deleted. ``aliases.toml`` keeps old -> new so old ids resolve.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from gitmem.core import edits
from gitmem.core.models import Stamp, Task
from gitmem.engine import branches
from gitmem.engine.fold import merge_into
from gitmem.engine.workspace import Workspace, utc_now
from gitmem.git.cli import patch_ids
from gitmem.store import aliases, notes
from gitmem.store.memory import Change, Snapshot
from gitmem.store.sessions import encode_session, session_path


@dataclass(frozen=True, slots=True)
class RebaseState:
    onto: str | None
    orig_head: str | None


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read().strip() or None
    except OSError:
        return None


def rebase_in_progress(git_dir: str) -> bool:
    return any(os.path.isdir(os.path.join(git_dir, d)) for d in ("rebase-merge", "rebase-apply"))


def capture_state(git_dir: str) -> RebaseState:
    for d in ("rebase-merge", "rebase-apply"):
        base = os.path.join(git_dir, d)
        if os.path.isdir(base):
            return RebaseState(_read(os.path.join(base, "onto")),
                               _read(os.path.join(base, "orig-head")) or _read(os.path.join(git_dir, "ORIG_HEAD")))
    return RebaseState(None, _read(os.path.join(git_dir, "ORIG_HEAD")))


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """post-rewrite's stdin: ``old new [extra]`` per line; anything else is skipped."""
    pairs = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and all(len(p) in (40, 64) and all(c in "0123456789abcdef" for c in p) for p in parts[:2]):
            pairs.append((parts[0], parts[1]))
    return pairs


def recorded_pairs(ws: Workspace, kind: str) -> list[tuple[str, str]]:
    """The rewritten pairs when post-rewrite had no stdin (a hook manager's): the rebase's own
    list, still on disk while the hook runs, or the amend the HEAD reflog just recorded."""
    if kind == "rebase":
        for name in ("rebase-merge/rewritten-list", "rebase-apply/rewritten"):
            text = _read(os.path.join(ws.repo.git_dir, name))
            if text:
                return parse_pairs(text)
        return []
    moves = ws.repo.reflog_moves("HEAD")[:1]
    return [(old, new) for old, new, message in moves
            if kind == "amend" and message.startswith("commit (amend)") and new == ws.head]


def amended(ws: Workspace, ref: str) -> dict[str, str]:
    """old -> newest id of every ``commit --amend`` the reflog of ``ref`` still records."""
    moves = {old: new for old, new, message in reversed(ws.repo.reflog_moves(ref))
             if message.startswith("commit (amend)") and old != new}
    resolved = {}
    for old in moves:
        new, seen = moves[old], {old}
        while new in moves and new not in seen:
            seen.add(new)
            new = moves[new]
        resolved[old] = new
    return resolved


def dropped_commits(ws: Workspace, state: RebaseState, mapping: Mapping[str, str]) -> tuple[dict[str, str], set[str]]:
    """Commits the rebase left out: upstream equivalents by patch id, and the orphans."""
    repo = ws.repo
    if not state.orig_head or not state.onto or not repo.has_object(state.orig_head) or not repo.has_object(state.onto):
        return {}, set()
    base = repo.merge_base(state.orig_head, state.onto)
    if base is None:
        return {}, set()
    head = repo.head_commit()
    old = [c.id for c in repo.commits_between(base, state.orig_head) if len(c.parents) < 2]
    # A pick ``rebase -i`` kept as it was is not listed as rewritten, yet still in the history.
    dropped = [c for c in old if c not in mapping and not (head and repo.is_ancestor(c, head))]
    if not dropped:
        return {}, set()
    upstream = [c.id for c in repo.commits_between(base, state.onto)]
    workdir = repo.workdir or repo.git_dir
    ids = patch_ids(workdir, [*dropped, *upstream])
    by_patch = {ids[c]: c for c in upstream if c in ids}
    matched = {c: by_patch[ids[c]] for c in dropped if c in ids and ids[c] in by_patch}
    return matched, {c for c in dropped if c not in matched}


def remap_task(task: Task, mapping: Mapping[str, str], orphans: set[str], *, stamp: Stamp, now: str,
               live: Callable[[str], bool] = lambda _: False) -> Task:
    """``task`` with its evidence and target commit remapped; evidence on ``orphans`` flagged,
    and a flag on a commit that is ``live`` (in the history again) cleared."""
    updated = task
    for key in task.members("evidence"):
        element = task.sets["evidence"][key]
        value = dict(element.value or {"commit": key})
        if value.get("orphaned") and key not in mapping and live(key):
            updated = edits.add_element(updated, "evidence", key, stamp=stamp, now=now,
                                        value={k: v for k, v in value.items() if k != "orphaned"})
        elif key in mapping:
            new = mapping[key]
            updated = edits.remove_element(updated, "evidence", key, stamp=stamp, now=now)
            # The new commit exists: whatever flagged the old one no longer holds.
            unflagged = {k: v for k, v in value.items() if k != "orphaned"}
            updated = edits.add_element(updated, "evidence", new, stamp=stamp, now=now,
                                        value={**unflagged, "commit": new})
        elif key in orphans and not value.get("orphaned"):
            updated = edits.add_element(updated, "evidence", key, stamp=stamp, now=now,
                                        value={**value, "orphaned": True})
    target = task.get("target_commit")
    if isinstance(target, str) and target in mapping:
        updated = edits.set_fields(updated, {"target_commit": mapping[target]}, stamp=stamp, now=now)
    return updated


def remap_memory(ws: Workspace, mapping: Mapping[str, str], orphans: set[str]) -> int:
    """One memory commit remapping evidence, target commits, session heads and aliases."""
    changed_count: list[int] = []
    head = ws.repo.head_commit()

    def live(commit: str) -> bool:
        return head is not None and ws.repo.has_object(commit) and ws.repo.is_ancestor(commit, head)

    def build(snap: Snapshot) -> Change | None:
        stamp = snap.stamp(ws.actor)
        now = utc_now()
        tasks = {}
        for task_id, task in snap.tasks().items():
            if task.deleted:
                continue  # any write would undo the deletion; a tombstone's commit ids can stay
            updated = remap_task(task, mapping, orphans, stamp=stamp, now=now, live=live)
            if updated != task:
                tasks[task_id] = updated
        blobs: dict[str, bytes | None] = {}
        for session_id, session in snap.sessions().items():
            start = mapping.get(session.head_start, session.head_start)
            end = mapping.get(session.head_end, session.head_end) if session.head_end else None
            if (start, end) != (session.head_start, session.head_end):
                moved = replace(session, stamp=stamp, head_start=start, head_end=end)
                blobs[session_path(session_id)] = encode_session(moved)
        known = snap.aliases()
        joined = aliases.merge(known, mapping)
        if joined != known:
            blobs[aliases.ALIASES_PATH] = aliases.encode(joined)
        changed_count[:] = [len(tasks)]
        if not tasks and not blobs:
            return None
        return Change(f"remap {len(mapping)} rewritten commits", tasks, blobs=blobs, clock=stamp.lamport)

    ws.write(build)
    return changed_count[0] if changed_count else 0


def apply(ws: Workspace, kind: str, pairs: Sequence[tuple[str, str]], state: RebaseState) -> list[str]:
    """Handle one post-rewrite event; returns what was done, for the report."""
    if kind == "amend" and rebase_in_progress(ws.repo.git_dir):
        return []
    # A commit recreated unchanged (a rebase within one second) comes back as itself: no rewrite.
    mapping = {old: new for old, new in pairs if old != new}
    orphans: set[str] = set()
    done = []
    if kind == "rebase":
        matched, orphans = dropped_commits(ws, state, mapping)
        mapping.update(matched)
        source = branches.memory_at(ws, state.onto) if state.onto else None
        if source is not None and source.ref != ws.ref:
            result = merge_into(ws, ws.ref, source.commit, source.label)
            if result.outcome != "up-to-date":
                done.append(f"merged the memory of {source.label}")
    if mapping or orphans:
        changed = remap_memory(ws, mapping, orphans)
        copied = notes.copy_notes(ws.repo, mapping, ws.trailers())
        done.append(f"remapped {len(mapping)} commits ({changed} tasks, {copied} notes)")
    return done
