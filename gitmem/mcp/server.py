"""``git codex mcp``: this memory's operations for agents, as MCP tools over stdio.

Every result is a JSON object (clients such as Gemini CLI reject anything else). Each call
opens the repository afresh (another process may have written since) and follows drift like
any command; what it needs is imported when it comes, so the server answers ``initialize``
at once (``protocol.py``).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gitmem.mcp.protocol import Answer, Server, Tool, ToolFailure

if TYPE_CHECKING:
    from gitmem.engine.workspace import Workspace

INSTRUCTIONS = ("gitmem: this repository's task graph and session memory. Read context_brief first; "
                "take work with next(claim=true), record it with update and session_log.")
STATUSES = ["pending", "in_progress", "blocked", "completed", "cancelled"]
_VERBS = {"in_progress": "start", "completed": "complete", "blocked": "block", "cancelled": "cancel", "pending": "reopen"}
_ID = {"type": "string", "minLength": 1}
_STRINGS = {"type": "array", "items": {"type": "string"}}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gitmem")
    except PackageNotFoundError:
        return "0"


def _row(task: Any, short: dict[str, str]) -> dict[str, Any]:
    return {"id": task.id, "short_id": short.get(task.id, task.id), "status": task.status.value,
            "priority": task.priority, "title": task.title}


def build_server(path: str, agent: str) -> Server:
    """The server with its tools bound to the repository at ``path``."""

    def run(work: Callable[[Workspace], Answer]) -> Answer:
        from gitmem.cli.faults import fault
        from gitmem.core.errors import GitmemError
        from gitmem.engine import drift

        try:
            return work(drift.open_workspace(path, agent=agent)[0])
        except GitmemError as exc:
            raise ToolFailure(f"error: {exc.message}" + (f"\nhint: {exc.hint}" if exc.hint else "")) from exc
        except OSError as exc:
            found = fault(exc, path)
            if found is None:
                raise
            raise ToolFailure(f"error: {found.message}\nhint: {found.hint}") from exc

    def context_brief(a: dict[str, Any]) -> Answer:
        from gitmem.services import context

        def work(ws: Workspace) -> Answer:
            found = context.brief(ws, a.get("budget", context.DEFAULT_BUDGET))
            return Answer({"brief": found.text, "omitted": found.omitted}, found.text)
        return run(work)

    def tasks_list(a: dict[str, Any]) -> Answer:
        from gitmem.services import tasks

        def work(ws: Workspace) -> Answer:
            found = tasks.read_all(ws)
            rows = tasks.select(found, a.get("status", []), a.get("label"), everything=a.get("all", False))
            return Answer({"tasks": [_row(t, found.short) for t in rows]})
        return run(work)

    def task_show(a: dict[str, Any]) -> Answer:
        from gitmem.cli.output import task_json
        from gitmem.services import tasks

        def work(ws: Workspace) -> Answer:
            task, found = tasks.find(ws, a["id"])
            return Answer({"task": task_json(task, found.short)})
        return run(work)

    def next_task(a: dict[str, Any]) -> Answer:
        from gitmem.core import graph
        from gitmem.services import tasks

        def work(ws: Workspace) -> Answer:
            if a.get("claim"):
                task = tasks.claim_next(ws)
                return Answer({"task": _row(task, graph.short_ids([task.id])) if task else None})
            ready, short = tasks.next_ready(ws, 1)
            return Answer({"task": _row(ready[0], short) if ready else None})
        return run(work)

    def add(a: dict[str, Any]) -> Answer:
        from gitmem.services import tasks

        return run(lambda ws: Answer({"id": tasks.add(
            ws, a["title"], description=a.get("description", ""), after=a.get("after", []), parent=a.get("parent"),
            priority=a.get("priority", 2), labels=a.get("labels", [])).id}))

    def update(a: dict[str, Any]) -> Answer:
        from gitmem.services import tasks

        return run(lambda ws: Answer({"task": _row(tasks.transition(
            ws, a["id"], _VERBS[a["status"]], evidence=a.get("evidence", []), reason=a.get("reason")), {})}))

    def release(a: dict[str, Any]) -> Answer:
        from gitmem.services import tasks

        def work(ws: Workspace) -> Answer:
            claim = tasks.release(ws, a["id"])
            return Answer({"released": claim is not None, "agent": claim.agent if claim else None})
        return run(work)

    def session_log(a: dict[str, Any]) -> Answer:
        from gitmem.services import sessions

        turn = sessions.TurnInput(a["summary"], a.get("actions", []), a.get("follow_ups", []), (), a.get("tasks", []))
        return run(lambda ws: Answer({"session": sessions.log_turn(ws, turn)[0].id}))

    def session_end(a: dict[str, Any]) -> Answer:
        from gitmem.services import sessions

        return run(lambda ws: Answer({"session": sessions.end(ws, a.get("summary")).id}))

    def follow_up_done(a: dict[str, Any]) -> Answer:
        from gitmem.services import sessions

        return run(lambda ws: Answer(dict(zip(("session", "text"), sessions.follow_up_done(ws, a["id"]), strict=True))))

    def plan_sync(a: dict[str, Any]) -> Answer:
        import json

        from gitmem.services import plans

        def work(ws: Workspace) -> Answer:
            fmt, steps, _ = plans.parse(json.dumps(a["payload"]))
            report = plans.sync(ws, steps, fmt)
            return Answer({"created": report.created, "updated": report.updated, "matches": report.matches})
        return run(work)

    tools = [
        Tool("context_brief", "Markdown brief: in-progress, ready and blocked tasks, follow-ups, last session.",
             {"budget": {"type": "integer", "minimum": 200, "description": "max characters (default 6000)"}},
             context_brief),
        Tool("tasks_list", "Tasks: open ones, or those with the given statuses (all=true: every task).",
             {"status": {"type": "array", "items": {"enum": STATUSES}}, "label": {"type": "string"},
              "all": {"type": "boolean"}}, tasks_list),
        Tool("task_show", "One task in full.", {"id": _ID}, task_show, ("id",)),
        Tool("next", "The next ready task; claim=true takes it (in_progress, held by you).",
             {"claim": {"type": "boolean"}}, next_task),
        Tool("add", "Add a task; after = ids it depends on. Returns its id.",
             {"title": {"type": "string", "minLength": 1}, "description": {"type": "string"}, "after": _STRINGS,
              "parent": {"type": "string"}, "priority": {"type": "integer", "minimum": 0, "maximum": 4},
              "labels": _STRINGS}, add, ("title",)),
        Tool("update", "Set a task's status (blocked needs a reason); evidence = commits.",
             {"id": _ID, "status": {"enum": STATUSES}, "reason": {"type": "string"}, "evidence": _STRINGS},
             update, ("id", "status")),
        Tool("release", "Give back the claim on a task, whoever holds it.", {"id": _ID}, release, ("id",)),
        Tool("session_log", "Log a turn of your session: summary, commands run, follow-ups, task ids.",
             {"summary": {"type": "string", "minLength": 1}, "actions": _STRINGS, "follow_ups": _STRINGS,
              "tasks": _STRINGS}, session_log, ("summary",)),
        Tool("session_end", "End your session with a summary of what it did.",
             {"summary": {"type": "string"}}, session_end),
        Tool("follow_up_done", "Mark a follow-up done: its f- id, as the brief shows it.", {"id": _ID},
             follow_up_done, ("id",)),
        Tool("plan_sync", "Mirror your plan into tasks: a Codex update_plan, Claude TodoWrite or Gemini "
             "write_todos payload.", {"payload": {"type": "object"}}, plan_sync, ("payload",)),
    ]
    return Server("gitmem", _version, INSTRUCTIONS, tools, crashed=lambda name, exc: _crashed(path, name, exc))


def _crashed(path: str, name: str, exc: BaseException) -> str:
    """A bug's answer: recorded in the events log with its traceback, one line to the model."""
    import traceback

    try:
        from gitmem.git.repo import Repo
        from gitmem.store import events

        events.record(Repo.discover(path), "mcp-failure", tool=name, error="".join(traceback.format_exception(exc))[-2000:])
    except Exception:
        pass
    return (f"error: {name} failed ({type(exc).__name__}: {str(exc)[:200]}); this is a gitmem bug, "
            "recorded in .git/codex/events.jsonl")


def serve(path: str, agent: str) -> None:
    """Answer MCP requests on stdin/stdout until the client closes stdin."""
    sys.stdin.reconfigure(encoding="utf-8", errors="replace")  # type: ignore[union-attr]
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    with contextlib.suppress(KeyboardInterrupt, BrokenPipeError):  # the client went away
        build_server(path, agent).serve(sys.stdin, sys.stdout)
