"""The inverse of one memory change, applied field by field to today's memory with a new stamp.

A change ``C`` (one commit, parent ``P``) is taken back only where nothing changed it since:
each register ``C`` wrote goes back to ``P``'s value while its heads are still ``C``'s; each
set element ``C`` added or removed goes back the same way; a task ``C`` created gets a
tombstone that saw only ``C``'s writes, so a teammate's later edit keeps it (as any edit the
deletion never saw does); a session ``C`` wrote goes back to ``P``'s while nobody changed it
(turns already shared with a teammate come back with the next merge: turns merge by id).
Because the result is new stamped writes on top, a sync carries the undo to every clone
and never drops what a teammate merged in.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from gitmem.core import edits
from gitmem.core.merge import merge_task
from gitmem.core.models import SET_FIELDS, Session, Stamp, Task
from gitmem.git.repo import Repo
from gitmem.store import records
from gitmem.store.memory import TASKS_DIR, Snapshot
from gitmem.store.sessions import SESSIONS_DIR, decode_session, session_path


@dataclass
class Inverse:
    tasks: dict[str, Task] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    blobs: dict[str, bytes | None] = field(default_factory=dict)
    taken_back: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """What the change wrote that was changed again since: left as it is now."""


def _blobs(repo: Repo, tree: str | None, top: str) -> dict[str, str]:
    return {path: oid for path, oid in repo.iter_blobs(tree, top) if path.endswith(".toml")} if tree else {}


def changed(repo: Repo, before: str | None, after: str, top: str) -> dict[str, tuple[str | None, str]]:
    """Paths under ``top`` whose blob ``after`` wrote: path -> (blob before or None, blob after)."""
    old, new = _blobs(repo, before, top), _blobs(repo, after, top)
    return {path: (old.get(path), oid) for path, oid in new.items() if old.get(path) != oid}


def _task_at(repo: Repo, oid: str | None, where: str) -> Task | None:
    return records.decode_task(repo.read_blob(oid), where) if oid else None


def invert_task(before: Task | None, after: Task, now: Task, *, stamp: Stamp, at: str, out: Inverse) -> None:
    label = f"{now.id} ({now.title})"
    if before is None:
        if now.deleted:
            return
        # The tombstone sees only what the change wrote: later writes by anyone keep the task.
        merged = merge_task(now, edits.tombstone(after, "undo", stamp=stamp, now=at))
        if merged.deleted:
            out.tasks[now.id] = merged
            out.taken_back.append(f"deleted {label}, which it created")
        else:
            out.kept.append(f"{label}: created by it, but edited since")
        return
    updated = now
    for name in sorted(set(before.registers) | set(after.registers)):
        if name == "updated_at" or before.registers.get(name) == after.registers.get(name):
            continue
        if now.registers.get(name) != after.registers.get(name):
            out.kept.append(f"{label}: {name} changed since")
            continue
        updated = edits.set_fields(updated, {name: before.get(name)}, stamp=stamp, now=at)
        out.taken_back.append(f"{label}: {name} back to {_shown(before.get(name))}")
    for name in SET_FIELDS:
        was, wrote, has = before.sets.get(name, {}), after.sets.get(name, {}), now.sets.get(name, {})
        for key in sorted(set(was) | set(wrote)):
            old, new = was.get(key), wrote.get(key)
            if (old is not None and old.present) == (new is not None and new.present):
                continue
            if has.get(key) != new:
                out.kept.append(f"{label}: {name} {key} changed since")
            elif new is not None and new.present:
                updated = edits.remove_element(updated, name, key, stamp=stamp, now=at)
                out.taken_back.append(f"{label}: {name} {key} removed")
            else:
                updated = edits.add_element(updated, name, key, stamp=stamp, now=at, value=old.value if old else None)
                out.taken_back.append(f"{label}: {name} {key} put back")
    if updated is not now:
        out.tasks[now.id] = updated


def _shown(value: object) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, dict):
        return "(restored)"
    return repr(value) if isinstance(value, str) else str(value)


def invert(repo: Repo, parent_tree: str | None, change_tree: str, tip: Snapshot, *, stamp: Stamp, at: str) -> Inverse:
    """The writes that take back what ``change_tree`` did over ``parent_tree``, on ``tip``."""
    out = Inverse()
    tip_tasks = tip.task_blobs
    for path, (old, new) in sorted(changed(repo, parent_tree, change_tree, TASKS_DIR).items()):
        task_id = path.rsplit("/", 1)[-1].removesuffix(".toml")
        if task_id not in tip_tasks:
            continue
        after = _task_at(repo, new, path)
        assert after is not None
        invert_task(_task_at(repo, old, path), after, tip.task(task_id), stamp=stamp, at=at, out=out)
    tip_sessions = tip.session_blobs
    for path, (old, new) in sorted(changed(repo, parent_tree, change_tree, SESSIONS_DIR).items()):
        session_id = path.rsplit("/", 1)[-1].removesuffix(".toml")
        if tip_sessions.get(session_id) != new:
            if session_id in tip_sessions:
                out.kept.append(f"session {session_id}: changed since")
            continue
        if old is None:
            out.blobs[session_path(session_id)] = None
            out.taken_back.append(f"session {session_id}: removed, which it started")
        else:
            earlier = decode_session(repo.read_blob(old), path)
            out.sessions[session_id] = replace(earlier, stamp=stamp)
            turns = len(tip.session(session_id).turns) - len(earlier.turns)
            out.taken_back.append(f"session {session_id}: back to {len(earlier.turns)} turn(s)"
                                  + (f" ({turns} taken back)" if turns > 0 else ""))
    return out
