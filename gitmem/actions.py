"""The bodies of the per-turn writes: ``tasks add``, the status moves, ``session log``, ``plan sync``.

Like ``views.py``, plain functions with no click in them, taking the root options (``App``)
and the command's parameters exactly as click passes them; the click commands call them,
and ``direct.py`` runs them without click. Each write imports its own service.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from gitmem.output import emit, emit_json, flat, note
from gitmem.views import open_workspace, task_json

if TYPE_CHECKING:
    from gitmem.direct import App


def tasks_add(app: App, *, title: str, description: str = "", after: Sequence[str] = (), parent: str | None = None,
              priority: int = 2, labels: Sequence[str] = (), adr: Sequence[str] = (), kind: str = "task",
              owner: str | None = None, as_json: bool = False) -> None:
    """``git codex tasks add``: add a task and print its id."""
    from gitmem.services import tasks as svc

    task = svc.add(open_workspace(app.path, app.branch), title, description=description, after=tuple(after),
                   parent=parent, priority=priority, labels=tuple(labels), adr=tuple(adr), kind=kind, owner=owner)
    if as_json:
        emit_json("task", {"task": task_json(task, {})})
    else:
        emit(task.id)


def transition(app: App, *, verb: str, task_id: str, evidence: Sequence[str] = (), reason: str | None = None,
               as_json: bool = False) -> None:
    """``git codex tasks start|complete|block|cancel|reopen ID``."""
    from gitmem.services import tasks as svc

    task = svc.transition(open_workspace(app.path, app.branch), task_id, verb, evidence=tuple(evidence), reason=reason)
    if as_json:
        emit_json("task", {"task": task_json(task, {})})
    else:
        emit(f"{task.id}  {task.status.value}  {flat(task.title)}")


def session_log(app: App, *, summary: str, actions: Sequence[str] = (), follow_ups: Sequence[str] = (),
                approvals: Sequence[str] = (), tasks: Sequence[str] = (), agent: str | None = None,
                as_json: bool = False) -> None:
    """``git codex session log``: append a turn to the open session (opening one if needed)."""
    from gitmem.services import sessions as svc

    turn_input = svc.TurnInput(summary, tuple(actions), tuple(follow_ups), tuple(approvals), tuple(tasks))
    opened, turn = svc.log_turn(open_workspace(app.path, app.branch, agent), turn_input)
    if as_json:
        emit_json("turn", {"session": opened.id, "turn_id": turn.turn_id})
    else:
        emit(f"{opened.id} {turn.turn_id}")


def plan_sync(app: App, *, source: str = "-", fmt: str | None = None, agent: str | None = None,
              as_json: bool = False) -> None:
    """``git codex plan sync``: mirror a plan payload (a file, or stdin for ``-``) into tasks."""
    from gitmem.errors import InvalidInput
    from gitmem.services import plans as svc

    try:
        if source == "-":
            data = sys.stdin.read()
        else:
            with open(source, encoding="utf-8") as fh:
                data = fh.read()
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # ValueError: a NUL in the name
        raise InvalidInput(f"cannot read {source}: {exc}") from exc
    fmt, steps, _ = svc.parse(data, fmt)
    ws = open_workspace(app.path, app.branch, agent or None)
    if agent is None and ws.agent == "cli":
        ws.agent = fmt
    report = svc.sync(ws, steps, fmt)
    if as_json:
        emit_json("plan_sync", {
            "session": report.session, "format": fmt, "written": report.written, "matches": report.matches,
            "created": report.created, "updated": report.updated, "dropped": report.dropped, "skipped": report.skipped,
        })
        return
    for m in report.matches:
        tag = "new" if m["task"] in report.created else ("updated" if m["task"] in report.updated else "same")
        emit(f"{m['task']}  {tag:<7}  by {m['how']:<8}  {flat(m['step'])}")
    for task_id in report.dropped:
        note(f"dropped from the plan (kept): {task_id}")
    for text in report.skipped:
        note(f"skipped (deleted task): {flat(text)}")
    if not report.written:
        note("plan unchanged; nothing written")
