"""Memory merges: fold one memory into another with the convergent merge (design §3).

Only blobs that differ are decoded, so merging a branch that changed three tasks of ten
thousand reads three pairs. The result is a merge commit with both memory parents, or a
fast-forward when one side already contains the other, or nothing when it is up to date.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitmem.core.constants import MAX_CLOCK_JUMP
from gitmem.core.errors import InvalidInput
from gitmem.core.merge import merge_meta, merge_task
from gitmem.core.models import Meta
from gitmem.engine.workspace import Workspace
from gitmem.store import aliases, local
from gitmem.store.cas import update_ref
from gitmem.store.memory import Snapshot, task_path
from gitmem.store.records import encode_task
from gitmem.store.sessions import encode_session, merge_session, session_path


@dataclass(frozen=True, slots=True)
class MergeResult:
    into: str
    source: str
    outcome: str
    """up-to-date | fast-forward | merged | created"""
    tasks_changed: int = 0
    commit: str | None = None


def merged_blobs(ours: Snapshot, theirs: Snapshot) -> tuple[dict[str, bytes | None], Meta]:
    """The blobs to change in ``ours`` so it holds the join of both memories, and its meta."""
    blobs: dict[str, bytes | None] = {}
    if theirs.meta.clock - ours.meta.clock > MAX_CLOCK_JUMP:
        raise InvalidInput(
            f"{theirs.ref} has a Lamport clock {theirs.meta.clock - ours.meta.clock} ahead of {ours.ref}",
            hint="that memory looks corrupt or hostile; inspect it with 'git log -p " + theirs.ref + "'",
        )
    for task_id, oid in theirs.task_blobs.items():
        mine = ours.task_blobs.get(task_id)
        if mine == oid:
            continue
        merged = theirs.task(task_id) if mine is None else merge_task(ours.task(task_id), theirs.task(task_id))
        if mine is None or merged != ours.task(task_id):
            blobs[task_path(task_id)] = encode_task(merged)
    for session_id, oid in theirs.session_blobs.items():
        mine = ours.session_blobs.get(session_id)
        if mine == oid:
            continue
        theirs_s = theirs.session(session_id)
        merged_s = theirs_s if mine is None else merge_session(ours.session(session_id), theirs_s)
        if mine is None or merged_s != ours.session(session_id):
            blobs[session_path(session_id)] = encode_session(merged_s)
    ours_aliases, theirs_aliases = ours.aliases(), theirs.aliases()
    joined = aliases.merge(ours_aliases, theirs_aliases)
    if joined != ours_aliases:
        blobs[aliases.ALIASES_PATH] = aliases.encode(joined)
    return blobs, merge_meta(ours.meta, theirs.meta)


def merge_into(ws: Workspace, into_ref: str, source: str, label: str) -> MergeResult:
    """Merge the memory commit ``source`` into ``into_ref`` by CAS (creating it if absent)."""
    repo = ws.repo
    store = ws.store
    outcome: list[MergeResult] = []

    def attempt(current: str | None) -> tuple[str, str, MergeResult] | None:
        outcome.clear()
        if current is None:
            # A new history for this ref: its writers must not reuse an earlier actor suffix.
            local.new_actor_for(repo, into_ref)
            result = MergeResult(into_ref, source, "created", commit=source)
            return source, f"memory: fork from {label}", result
        if current == source or repo.is_ancestor(source, current):
            outcome.append(MergeResult(into_ref, source, "up-to-date", commit=current))
            return None
        if repo.is_ancestor(current, source):
            return source, f"memory: fast-forward to {label}", MergeResult(into_ref, source, "fast-forward", commit=source)
        ours = store.load_commit(into_ref, current)
        theirs = store.load_commit(label, source)
        assert ours is not None and theirs is not None
        blobs, meta = merged_blobs(ours, theirs)
        tree, _ = store.tree_with(ours, blobs, meta)
        changed = sum(1 for p in blobs if p.startswith("tasks/"))
        trailers = "".join(f"{k}: {v}\n" for k, v in ws.trailers().items() if v)
        commit = repo.create_commit(tree, [current, source], f"merge memory of {label}\n\n{trailers}")
        return commit, f"memory: merge {label}", MergeResult(into_ref, source, "merged", changed, commit)

    written = update_ref(repo, into_ref, attempt)
    return written if written is not None else outcome[0]
