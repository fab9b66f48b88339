"""Shared pieces of the command layer: options, opening the workspace, ``tasks show`` text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import click

from gitmem.cli.output import note, status_word, task_json
from gitmem.core.graph import TaskView
from gitmem.core.models import Task
from gitmem.core.text import flat
from gitmem.engine import drift
from gitmem.engine.workspace import Workspace

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (stable, versioned shape).")


def workspace(agent: str | None = None, *, follow: bool = True) -> Workspace:
    """The workspace of the root options (-C, --branch), drift followed and reported on stderr."""
    app = click.get_current_context().find_root().obj
    ws, said = drift.open_workspace(app.path, app.branch, agent, follow=follow)
    for line in said:
        note(f"gitmem: {flat(line)}")
    return ws


def task_row(task: TaskView, short: Mapping[str, str]) -> list[str]:
    """A task as one row of ``tasks list``/``next``."""
    return [short.get(task.id, task.id), task.status.value, f"P{task.priority}", flat(task.title)]


def task_text(task: Task, short: Mapping[str, str], children: Sequence[tuple[str, str]] = ()) -> str:
    """``tasks show`` for people; ``children`` as (id, status)."""
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
    if children:
        lines.append("children: " + ", ".join(f"{short.get(c, c)} ({status})" for c, status in children))
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
