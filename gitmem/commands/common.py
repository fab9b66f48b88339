"""Shared pieces of the command layer: options, opening the workspace, ``tasks show`` text."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

import click

from gitmem import direct
from gitmem.models import Task
from gitmem.output import flat, status_word
from gitmem.services.workspace import Workspace
from gitmem.views import open_workspace, task_json

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (stable, versioned shape).")


def runs(target: str, **fixed: object) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Make the decorated stub (its name and docstring kept) a callback that runs the click-free
    body ``target`` (``module:function``) with the root options and click's parameters.
    ``grammar.py`` lists every such command, so ``direct.py`` runs it without click."""

    def decorate(stub: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(stub)
        def callback(**params: object) -> None:
            direct.body(target)(click.get_current_context().find_root().obj, **fixed, **params)

        callback.body = (target, fixed)  # type: ignore[attr-defined]
        return callback

    return decorate


def workspace(agent: str | None = None, *, follow: bool = True) -> Workspace:
    """The workspace of the root options (-C, --branch), drift followed (see ``views.open_workspace``)."""
    app = click.get_current_context().find_root().obj
    return open_workspace(app.path, app.branch, agent, follow=follow)


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
