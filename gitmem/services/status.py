"""``status``: which memory this worktree uses and what it holds."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from gitmem.services import graph
from gitmem.services.workspace import Workspace


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


def status(ws: Workspace) -> StatusReport:
    snap = ws.require_snapshot()
    tasks = snap.tasks()
    live = graph.live(tasks)
    counts = Counter(t.status.value for t in live.values())
    return StatusReport(
        branch=ws.branch,
        detached=ws.detached,
        head=ws.head,
        ref=ws.ref,
        memory_tip=ws.repo.ref_target(ws.ref),
        forked=ws.repo.ref_target(ws.ref) is None,
        counts=dict(sorted(counts.items())),
        ready=len(graph.ready(tasks, {}, ws.agent)),
        enabled=ws.enabled,
    )
