"""``git codex agent-hook AGENT``: what an agent's own hooks ask of gitmem.

The agent writes one JSON event on stdin. ``SessionStart`` answers the brief (Gemini CLI
takes it as ``hookSpecificOutput.additionalContext``; Claude Code and Codex read stdout);
after a plan tool (Claude ``TaskCreate``/``TaskUpdate``/``TodoWrite``, Codex
``update_plan``, Gemini ``write_todos``) the plan is mirrored by ``plans.sync``, which applies
only what changed. Claude's task tools edit one task at a time, so its whole list is read
from the task files Claude keeps for the session. The event is untrusted input: anything it
does not say clearly is ignored.

Every event names the agent's conversation (``session_id``): ``SessionStart`` opens its
gitmem session (made by the first, opened again by a resume), plan syncs land in it, and
``SessionEnd`` (Claude Code, Gemini CLI; Codex has none) ends it. At the end of each turn
(``Stop``; Gemini's ``AfterAgent``) the conversation's own file is read, as ``import`` reads
it, so its prompts are the session's turns while it runs; no other file is read.
"""

from __future__ import annotations

import json
import os
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from gitmem.engine import agent_env, drift
from gitmem.services import context, imports, plans, sessions

AGENTS = ("claude", "codex", "gemini")
PLAN_TOOLS = {"claude": ("TaskCreate", "TaskUpdate", "TodoWrite"), "codex": ("update_plan",), "gemini": ("write_todos",)}
TURN_END = ("Stop", "AfterAgent")
"""The event at the end of each turn (Codex and Claude Code: Stop; Gemini CLI: AfterAgent)."""
TRANSCRIPTS = {"claude": "*.jsonl", "codex": "rollout-*.jsonl", "gemini": "session-*.jsonl"}
BRIEF_BUDGET = 4000
MAX_EVENT = 1 << 20


def claude_home() -> Path:
    """Claude Code's user directory: ``~/.claude``, or ``$CLAUDE_CONFIG_DIR``."""
    return Path(os.environ.get("CLAUDE_CONFIG_DIR") or Path.home() / ".claude")


def claude_tasks_dir(session_id: str) -> Path | None:
    """``~/.claude/tasks/<session>``, if the id is a plain name."""
    return claude_home() / "tasks" / session_id if agent_env.conversation_id(session_id) else None


def claude_task_list(session_id: str) -> dict[str, Any] | None:
    """The session's task files as one TodoWrite-shaped list, in task order (deleted ones left out)."""
    where = claude_tasks_dir(session_id)
    if where is None or not where.is_dir():
        return None
    found: list[tuple[int, dict[str, Any]]] = []
    for path in where.glob("*.json"):
        if not path.stem.isdigit() or path.stat().st_size > 65536 or len(found) >= plans.MAX_STEPS:
            continue
        try:
            task = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            continue
        if isinstance(task, dict) and isinstance(task.get("subject"), str) and task.get("status") in (
                "pending", "in_progress", "completed"):
            found.append((int(path.stem), {"content": task["subject"], "status": task["status"]}))
    return {"todos": [todo for _, todo in sorted(found, key=lambda f: f[0])]} if found else None


def plan_payload(agent: str, event: dict[str, Any]) -> dict[str, Any] | None:
    """The full plan after a plan tool ran, in the agent's own shape; None for any other tool
    and for a call the agent refused (Codex answers anything but ``Plan updated``)."""
    tool = event.get("tool_name")
    if tool not in PLAN_TOOLS[agent] or _refused(agent, event.get("tool_response")):
        return None
    if agent == "claude" and tool != "TodoWrite":
        session = event.get("session_id")
        return claude_task_list(session) if isinstance(session, str) else None
    given = event.get("tool_input")
    return given if isinstance(given, dict) else None


def transcript_path(agent: str, event: dict[str, Any]) -> Path | None:
    """The conversation's own file the event names, if it is one the agent writes (an absolute
    path to a regular file named as the agent names them)."""
    given = event.get("transcript_path")
    if not isinstance(given, str) or not given.startswith("/") or "\0" in given:
        return None
    path = Path(given)
    if not fnmatch(path.name, TRANSCRIPTS[agent]) or not path.is_file() or path.is_symlink():
        return None
    return path


def _refused(agent: str, response: Any) -> bool:
    if isinstance(response, dict) and response.get("error"):
        return True
    return agent == "codex" and isinstance(response, str) and not response.startswith("Plan updated")


def handle(path: str, agent: str, text: str) -> str | None:
    """Answer one hook event; returns what to print (None: nothing)."""
    try:
        event = json.loads(text[:MAX_EVENT]) if text.strip() else {}
    except (ValueError, RecursionError):
        return None
    if not isinstance(event, dict):
        return None
    name = event.get("hook_event_name")
    payload = plan_payload(agent, event) if name in ("PostToolUse", "AfterTool") else None
    transcript = transcript_path(agent, event) if name in TURN_END else None
    if name not in ("SessionStart", "SessionEnd") and payload is None and transcript is None:
        return None  # nothing asked of gitmem: the repository is not opened
    conversation = agent_env.conversation_id(event.get("session_id"))
    ws = drift.open_workspace(path, agent=agent, conversation=conversation)[0]
    if not ws.initialised or not ws.enabled or ws.read_only:
        return None
    if payload is not None:
        fmt, steps, _ = plans.parse(json.dumps(payload))
        plans.sync(ws, steps, fmt)
        return None
    if transcript is not None:
        imports.import_transcript(ws, agent, transcript)
        return None
    if name == "SessionEnd":
        current = sessions.current(ws)
        if current is not None and ws.require_snapshot().session(current).ended_at is None:
            sessions.end(ws)
        return None
    if conversation:
        sessions.start(ws)
    brief = context.brief(ws, BRIEF_BUDGET).text
    if agent == "gemini":
        return json.dumps({"hookSpecificOutput": {"hookEventName": "SessionStart", "additionalContext": brief}})
    return brief
