"""``prune``: archive the memory of deleted branches, after offering to merge it."""

from __future__ import annotations

from dataclasses import dataclass

from gitmem.core.constants import MEMORY_PREFIX
from gitmem.engine import branches
from gitmem.engine.fold import merge_into
from gitmem.engine.workspace import Workspace
from gitmem.store.refnames import branch_of, memory_ref


@dataclass(frozen=True, slots=True)
class Orphan:
    branch: str
    ref: str
    tip: str
    merged: bool
    """True when the roadmap already holds everything in this memory."""


def orphans(ws: Workspace) -> list[Orphan]:
    repo = ws.repo
    roadmap = repo.ref_target(memory_ref(ws.default_branch))
    out = []
    for ref, tip in sorted(repo.refs_under(MEMORY_PREFIX).items()):
        branch = branch_of(ref)
        if branch is None or branch == ws.default_branch or repo.ref_target(f"refs/heads/{branch}") is not None:
            continue
        out.append(Orphan(branch, ref, tip, roadmap is not None and repo.is_ancestor(tip, roadmap)))
    return out


def prune(ws: Workspace, *, merge: bool, force: bool) -> list[str]:
    """Archive deleted branches' memories; unmerged ones are merged (--merge) or kept (no --force)."""
    done = []
    roadmap_ref = memory_ref(ws.default_branch)
    for orphan in orphans(ws):
        if not orphan.merged:
            if merge:
                result = merge_into(ws, roadmap_ref, orphan.tip, orphan.branch)
                done.append(f"{orphan.branch}: memory merged into {ws.default_branch} ({result.outcome})")
            elif not force:
                done.append(f"{orphan.branch}: kept, it has work the roadmap lacks (--merge to fold it in, --force to archive)")
                continue
        saved = branches.backup(ws, orphan.ref, f"prune {orphan.branch}")
        ws.repo.delete_ref(orphan.ref, orphan.tip)
        done.append(f"{orphan.branch}: archived as {saved}")
    return done
