"""``status``: which memory this worktree uses, what it holds, and what needs attention."""

from __future__ import annotations

from dataclasses import dataclass, field

from gitmem.core.constants import MEMORY_PREFIX
from gitmem.derived.carry import overview
from gitmem.engine.workspace import Workspace
from gitmem.store.refnames import branch_of, memory_ref


@dataclass(frozen=True, slots=True)
class StatusReport:
    branch: str
    detached: bool
    head: str | None
    ref: str
    memory_tip: str | None
    forked: bool
    """True when the branch has no memory of its own yet (reads use its fork source)."""
    counts: dict[str, int]
    ready: int
    enabled: bool
    drift: str
    unmerged: list[str] = field(default_factory=list)
    """Branches gone or merged whose memory holds changes the roadmap lacks."""


def unmerged_memories(ws: Workspace) -> list[str]:
    """Memories to fold back by hand: after squash merges, server-side merges, deleted branches."""
    repo = ws.repo
    roadmap = repo.ref_target(memory_ref(ws.default_branch))
    default_tip = repo.ref_target(f"refs/heads/{ws.default_branch}")
    if roadmap is None:
        return []
    found = []
    for ref, tip in sorted(repo.refs_under(MEMORY_PREFIX).items()):
        branch = branch_of(ref)
        if branch is None or branch in (ws.default_branch, ws.branch) or repo.is_ancestor(tip, roadmap):
            continue
        code = repo.ref_target(f"refs/heads/{branch}")
        if code is not None and _no_commits_yet(ws, branch, code):
            continue  # a new branch's unfinished work: its code is not in the default branch
        if code is None or (default_tip is not None and (repo.is_ancestor(code, default_tip)
                                                         or squash_merged(ws, default_tip, code))):
            found.append(branch)
    return found


def _no_commits_yet(ws: Workspace, branch: str, code: str) -> bool:
    """Whether ``branch`` still points where it was created (its reflog's only entry)."""
    entries = ws.repo.reflog(f"refs/heads/{branch}")
    return len(entries) == 1 and entries[0][1] == code


def squash_merged(ws: Workspace, base: str, branch_tip: str) -> bool:
    """Whether merging ``branch_tip`` into ``base`` would change nothing: its work is already
    there (a squash merge, a server-side merge, or cherry-picks)."""
    return ws.repo.merged_tree(base, branch_tip) == ws.repo.commit_info(base).tree


def status(ws: Workspace) -> StatusReport:
    facts = overview(ws.require_snapshot())
    return StatusReport(
        branch=ws.branch,
        detached=ws.detached,
        head=ws.head,
        ref=ws.ref,
        memory_tip=ws.repo.ref_target(ws.ref),
        forked=ws.repo.ref_target(ws.ref) is None,
        counts=facts.counts,
        ready=len(facts.order),
        enabled=ws.enabled,
        drift=ws.drift,
        unmerged=unmerged_memories(ws),
    )
