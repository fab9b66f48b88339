"""Shared pieces of the command layer: opening the workspace, task views."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from gitmem.models import Task
from gitmem.output import flat, note, status_word
from gitmem.services import drift, inputs
from gitmem.services.graph import TaskView
from gitmem.services.workspace import Workspace

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (stable, versioned shape).")


def workspace(agent: str | None = None, *, follow: bool = True) -> Workspace:
    """Open the repository; first follow drift (fork, fold merges), reported on stderr."""
    app = click.get_current_context().find_root().obj
    branch = inputs.branch_name(app.branch) if app.branch is not None else None
    ws = Workspace.open(app.path, agent=agent, branch=branch)
    inputs.agent(ws.agent)  # from --agent or $GITMEM_AGENT; it ends up in commit trailers
    if follow:
        found = drift.check(ws)
        for line in found.actions:
            note(f"gitmem: {line}")
        if found.warning:
            note(f"gitmem: {found.warning}")
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


def task_text(task: Task, short: Mapping[str, str]) -> str:
    """``tasks show`` for people."""
    view = task_json(task, short)
    lines = [f"{task.id}  {status_word(task.status.value)}  P{task.priority}  {task.kind.value}", f"title: {flat(task.title)}"]
    if task.description:
        lines.append("description:")
        lines.extend("  " + flat(line) for line in task.description.split("\n"))
    for name in ("parent", "owner", "target_commit", "plan_key"):
        if view[name]:
            lines.append(f"{name}: {flat(str(view[name]))}")
    for name in ("depends_on", "related", "labels", "adr"):
        if view[name]:
            lines.append(f"{name}: {', '.join(short.get(v, v) for v in view[name])}")
    for ev in view["evidence"]:
        lines.append("evidence: " + ", ".join(f"{k}={flat(str(v))}" for k, v in ev.items()))
    if view["deleted"]:
        tomb = view["deleted"]
        lines.append(f"deleted: by {tomb.get('by')} at {tomb.get('at')}: {flat(str(tomb.get('reason', '')))}")
    lines.append(f"created: {task.created_at} by {task.created_by}; updated {task.updated_at}")
    for c in view["conflicts"]:
        lines.append(f"conflict: {c['field']} also had {flat(repr(c['value']))} ({c['stamp']})")
    for entry in view["log"]:
        lines.append(f"log {entry['at']} {entry['by']}: {flat(entry['text'])}")
    return "\n".join(lines) + "\n"
