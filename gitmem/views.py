"""The bodies of the hot reads (status, tasks next, tasks list, context) and the task views.

Plain functions with no click in them, each taking the root options (``App``) and the
command's parameters as click passes them: the click commands call them, and so does
``direct.py``, which runs them without importing click at all. Each read imports its own
service when it runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gitmem.models import Task
from gitmem.output import emit, emit_json, flat, note, table
from gitmem.services import drift, inputs
from gitmem.services.graph import TaskView
from gitmem.services.workspace import Workspace

if TYPE_CHECKING:
    from gitmem.direct import App


def open_workspace(path: str, branch: str | None = None, agent: str | None = None, *, follow: bool = True) -> Workspace:
    """Open the repository at ``path``; first follow drift (fork, fold merges), reported on stderr."""
    ws = Workspace.open(path, agent=agent, branch=inputs.branch_name(branch) if branch is not None else None)
    inputs.agent(ws.agent)  # from --agent or $GITMEM_AGENT; it ends up in commit trailers
    if follow:
        found = drift.check(ws)
        for line in found.actions:
            note(f"gitmem: {flat(line)}")
        if found.warning:
            note(f"gitmem: {flat(found.warning)}")
        ws.drift = found.kind
    return ws


def task_json(task: Task, short: Mapping[str, str]) -> dict[str, Any]:
    """The documented ``--json`` shape of one task."""
    from gitmem.edits import visible_log

    return {
        "id": task.id,
        "short_id": short.get(task.id, task.id),
        "title": task.title,
        "description": task.description,
        "kind": task.kind.value,
        "status": task.status.value,
        "priority": task.priority,
        "parent": task.parent,
        "depends_on": task.depends_on,
        "related": task.members("related"),
        "labels": task.labels,
        "owner": task.owner,
        "adr": task.members("adr"),
        "evidence": task.evidence,
        "target_commit": task.get("target_commit"),
        "plan_key": task.plan_key,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "created_by": task.created_by,
        "metadata": task.get("metadata") or {},
        "deleted": dict(task.tombstone) if task.deleted and task.tombstone else None,
        "conflicts": [{"field": f, "value": w.value, "stamp": str(w.stamp)} for f, w in task.conflicts()],
        "log": [{"id": e.id, "at": e.at, "by": e.by, "text": e.text} for e in visible_log(task)],
    }


def task_row(task: TaskView, short: Mapping[str, str]) -> list[str]:
    return [short.get(task.id, task.id), task.status.value, f"P{task.priority}", flat(task.title)]


def status(app: App, *, dirty: bool = False, as_json: bool = False) -> None:
    """``git codex status``."""
    from gitmem.services.status import status as report_status

    ws = open_workspace(app.path, app.branch)
    report = report_status(ws)
    is_dirty = ws.repo.is_dirty() if dirty else None
    if as_json:
        emit_json("status", {
            "branch": report.branch, "detached": report.detached, "head": report.head, "ref": report.ref,
            "memory_tip": report.memory_tip, "forked": report.forked, "counts": report.counts,
            "ready": report.ready, "enabled": report.enabled, "drift": report.drift,
            "unmerged_memories": report.unmerged, "dirty": is_dirty,
        })
        return
    where = f"{report.branch} (detached HEAD: using its last branch's memory)" if report.detached else report.branch
    tip = report.memory_tip[:12] if report.memory_tip else "none yet (reads its fork source; the first write forks)"
    counts = ", ".join(f"{n} {s}" for s, n in report.counts.items()) or "no tasks"
    lines = [f"branch: {where}", f"memory: {report.ref} @ {tip}", f"tasks:  {counts}; {report.ready} ready"]
    if report.drift not in ("none", "first"):
        lines.append(f"drift:  {report.drift} (details: git codex cache show)")
    if dirty:
        lines.append("tree:   " + ("uncommitted changes" if is_dirty else "clean"))
    lines.extend(f"hint:   {b}'s memory has work the roadmap lacks: git codex merge {b}" for b in report.unmerged)
    emit("\n".join(lines))


def tasks_next(app: App, *, count: int = 1, explain: str | None = None, claim: bool = False, agent: str | None = None,
               as_json: bool = False) -> None:
    """``git codex tasks next``: the ready tasks, or why one is not ready, or claim the first."""
    from gitmem.services import tasks as svc

    ws = open_workspace(app.path, app.branch, agent)
    if explain:
        task, reasons = svc.explain(ws, explain)
        if as_json:
            emit_json("explain", {"id": task.id, "ready": not reasons, "reasons": reasons})
        else:
            lines = "".join(f"  - {flat(r)}\n" for r in reasons)
            emit(f"{task.id} is ready" if not reasons else f"{task.id} is not ready:\n" + lines)
    elif claim:
        claimed = svc.claim_next(ws)
        if as_json:
            emit_json("claim", {"agent": ws.agent, "task": task_json(claimed, {}) if claimed else None})
        elif claimed:
            emit(f"{claimed.id}  {flat(claimed.title)}")
        else:
            note("nothing ready to claim")
    else:
        ready, short = svc.next_ready(ws, count)
        if as_json:
            emit_json("next", {"tasks": [task_json(t, short) for t in ready]})
        elif ready:
            emit(table([task_row(t, short) for t in ready], colored=[1]))
        else:
            note("nothing is ready")


def tasks_list(app: App, *, statuses: Sequence[str] = (), label: str | None = None, everything: bool = False,
               as_json: bool = False) -> None:
    """``git codex tasks list``: open tasks, or all, or by status and label."""
    from gitmem.services.tasks import read_all, select

    found = read_all(open_workspace(app.path, app.branch))
    chosen = select(found, statuses, label, everything)
    if as_json:
        emit_json("tasks", {"tasks": [task_json(found.full(t.id), found.short) for t in chosen]})
    elif chosen:
        emit(table([task_row(t, found.short) for t in chosen], colored=[1]))
    else:
        note("no tasks" + ("" if everything else " open (use --all to see finished ones)"))


def context(app: App, *, budget: int, agent: str | None = None, as_json: bool = False) -> None:
    """``git codex context``: the Markdown brief within ``budget`` characters."""
    from gitmem.services.context import brief

    found = brief(open_workspace(app.path, app.branch, agent), budget)
    if as_json:
        emit_json("context", {
            "budget": budget, "omitted": found.omitted, "markdown": found.text,
            "items": [{"section": i.section, "text": i.text, **i.data} for i in found.items],
        })
    else:
        emit(found.text)
