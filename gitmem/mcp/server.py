"""``git codex mcp``: this memory's everyday operations as MCP tools over stdio.

Only the ``mcp`` command imports this module: the ``mcp`` package costs ~0.5 s to import.
Each call opens the repository afresh (another process may have written since), follows
drift like any command, and answers JSON text. Errors come back as tool errors with the
same ``error:``/``hint:`` text the CLI prints.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from gitmem.cli.output import task_json
from gitmem.core import graph
from gitmem.core.errors import GitmemError
from gitmem.engine import drift
from gitmem.engine.workspace import Workspace
from gitmem.services import context, plans, sessions, tasks

T = TypeVar("T")
_VERBS = {"in_progress": "start", "completed": "complete", "blocked": "block", "cancelled": "cancel", "pending": "reopen"}


def _row(task: Any, short: dict[str, str]) -> dict[str, Any]:
    return {"id": task.id, "short_id": short.get(task.id, task.id), "status": task.status.value,
            "priority": task.priority, "title": task.title}


def build_server(path: str, agent: str) -> MCPServer[Any]:
    """The server with its tools bound to the repository at ``path``."""
    server: MCPServer[Any] = MCPServer("gitmem", instructions="Task graph and session memory of this git repository.")

    def run(work: Callable[[Workspace], T]) -> T:
        try:
            return work(drift.open_workspace(path, agent=agent)[0])
        except GitmemError as exc:
            raise ToolError(f"error: {exc.message}" + (f"\nhint: {exc.hint}" if exc.hint else "")) from exc

    def out(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    def tool(description: str) -> Callable[[Callable[..., str]], Callable[..., str]]:
        return server.tool(description=description, structured_output=False)

    @tool("Markdown brief: in-progress, ready, blocked tasks, follow-ups, last session.")
    def context_brief(budget: int = context.DEFAULT_BUDGET) -> str:
        return run(lambda ws: context.brief(ws, budget).text)

    @tool("List open tasks (or those with the given statuses).")
    def tasks_list(status: list[str] | None = None) -> str:
        def work(ws: Workspace) -> str:
            found = tasks.read_all(ws)
            return out([_row(t, found.short) for t in tasks.select(found, status or [])])
        return run(work)

    @tool("One task in full.")
    def task_show(id: str) -> str:
        def work(ws: Workspace) -> str:
            task, found = tasks.find(ws, id)
            return out(task_json(task, found.short))
        return run(work)

    @tool("Next ready task; claim=true takes it (in_progress, owned by you).")
    def next(claim: bool = False) -> str:
        def work(ws: Workspace) -> str:
            if claim:
                task = tasks.claim_next(ws)
                return out({"task": _row(task, graph.short_ids([task.id])) if task else None})
            ready, short = tasks.next_ready(ws, 1)
            return out({"task": _row(ready[0], short) if ready else None})
        return run(work)

    @tool("Add a task; after = ids it depends on. Returns its id.")
    def add(title: str, description: str = "", after: list[str] | None = None, parent: str | None = None,
            priority: int = 2, labels: list[str] | None = None) -> str:
        return run(lambda ws: out({"id": tasks.add(ws, title, description=description, after=after or [],
                                                   parent=parent, priority=priority, labels=labels or []).id}))

    @tool("Set status: in_progress, completed, blocked (needs reason), cancelled, pending.")
    def update(id: str, status: str, reason: str | None = None, evidence: list[str] | None = None) -> str:
        if status not in _VERBS:
            raise ToolError(f"error: unknown status {status!r}; use one of {', '.join(_VERBS)}")
        return run(lambda ws: out(_row(tasks.transition(ws, id, _VERBS[status], evidence=evidence or [],
                                                        reason=reason), {})))

    @tool("Log a turn of your session: summary, commands run, follow-ups, task ids.")
    def session_log(summary: str, actions: list[str] | None = None, follow_ups: list[str] | None = None,
                    tasks: list[str] | None = None) -> str:
        turn = sessions.TurnInput(summary, actions or [], follow_ups or [], (), tasks or [])
        return run(lambda ws: out({"session": sessions.log_turn(ws, turn)[0].id}))

    @tool("Mark a follow-up done: its f- id, as the brief shows it.")
    def follow_up_done(id: str) -> str:
        return run(lambda ws: out(dict(zip(("session", "text"), sessions.follow_up_done(ws, id), strict=True))))

    @tool("Mirror your plan into tasks: a Codex update_plan, Claude TodoWrite or Gemini write_todos payload.")
    def plan_sync(payload: dict[str, Any]) -> str:
        def work(ws: Workspace) -> str:
            fmt, steps, _ = plans.parse(json.dumps(payload))
            report = plans.sync(ws, steps, fmt)
            return out({"created": report.created, "updated": report.updated, "matches": report.matches})
        return run(work)

    return server


def serve(path: str, agent: str) -> None:
    """Answer MCP requests on stdin/stdout until the client closes stdin."""
    build_server(path, agent).run("stdio")
