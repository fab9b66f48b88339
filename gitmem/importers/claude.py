"""Claude Code transcripts (``~/.claude/projects/<encoded-cwd>/<sessionId>.jsonl``).

FORMATS.md section 5: each line has a top-level ``type``; new types appear often, so
unknown ones are counted and skipped. Prompts are ``user`` records with text content;
``TodoWrite`` inputs are full checklist snapshots; ``TaskCreate``/``TaskUpdate`` are
incremental edits of tasks with stable ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitmem.importers.records import (
    PlanRecord,
    SessionRecord,
    Tally,
    TaskRecord,
    TurnRecord,
    checklist,
    clean,
    iso,
    read_jsonl,
    text_of,
)

KNOWN = {
    "user", "assistant", "system", "attachment", "progress", "summary", "file-history-snapshot",
    "queue-operation", "last-prompt", "custom-title", "ai-title", "agent-name", "permission-mode", "mode",
    "worktree-state", "relocated", "pr-link", "frame-link", "bridge-session", "atis-latch", "started", "result",
}
_TODO_STATUSES = ("pending", "in_progress", "completed")
_GENERATED = ("<", "[Request interrupted by user", "Caveat: The messages below were generated")
"""How the user records Claude Code writes itself begin: command and hook output in tags,
the note it leaves when a turn is interrupted, the caveat before local command output."""
_TASK_STATUS = {"pending": "pending", "in_progress": "in_progress", "completed": "completed"}
MAX_ACTIONS = 40


def find_transcripts(root: Path) -> list[Path]:
    """Session transcripts under ``root`` (sub-agent side files are part of their parent)."""
    return sorted(
        p for p in root.rglob("*.jsonl")
        if p.is_file() and "subagents" not in p.parts and not p.name.startswith("agent-")
    )


@dataclass
class _State:
    turns: list[TurnRecord] = field(default_factory=list)
    request: tuple[str, str] | None = None
    answer: str = ""
    actions: list[str] = field(default_factory=list)
    plans: list[PlanRecord] = field(default_factory=list)
    creates: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def close(self) -> None:
        if self.request is not None:
            at, text = self.request
            self.turns.append(TurnRecord(at, clean(text, 4000), clean(self.answer, 4000), tuple(self.actions)))
        self.request, self.answer, self.actions = None, "", []


def _action(name: str, given: Any) -> str:
    data = given if isinstance(given, dict) else {}
    if name == "Bash" and isinstance(data.get("command"), str):
        return str(data["command"])
    path = data.get("file_path") or data.get("notebook_path") or data.get("path")
    return f"{name} {path}" if isinstance(path, str) else name


def _todo_plan(call_id: str, at: str, given: Any) -> PlanRecord | None:
    steps = checklist(given.get("todos") if isinstance(given, dict) else None, "content", _TODO_STATUSES,
                      priorities=True)
    return PlanRecord(call_id, at, steps) if steps is not None else None


def _task_tool(state: _State, name: str, call_id: str, given: dict[str, Any]) -> None:
    if name == "TaskCreate":
        state.creates[call_id] = {"subject": given.get("subject"), "description": given.get("description"), "status": "pending"}
        return
    task_id = str(given.get("taskId") or "")
    task = state.tasks.get(task_id)
    if task is None:
        return
    for key in ("subject", "description", "status", "owner"):
        if isinstance(given.get(key), str):
            task[key] = given[key]
    for key in ("addBlockedBy", "addBlocks"):
        if isinstance(given.get(key), list):
            task.setdefault(key, []).extend(str(v) for v in given[key])


def _result(state: _State, block: dict[str, Any], record: dict[str, Any]) -> None:
    """A TaskCreate result names the new task's id; pair it with the create by tool_use id."""
    created = state.creates.pop(str(block.get("tool_use_id")), None)
    if created is None:
        return
    result = record.get("toolUseResult")
    task = result.get("task") if isinstance(result, dict) else None
    task_id = task.get("id") if isinstance(task, dict) else None
    state.tasks[str(task_id or len(state.tasks) + 1)] = created


def _user(state: _State, record: dict[str, Any], at: str) -> None:
    content = (record.get("message") or {}).get("content") if isinstance(record.get("message"), dict) else None
    if isinstance(content, list):
        for block in content:
            if isinstance(block, dict) and block.get("type") == "tool_result":
                _result(state, block, record)
        if any(isinstance(b, dict) and b.get("type") == "tool_result" for b in content):
            return
    if record.get("isMeta") or record.get("isCompactSummary") or record.get("isSidechain"):
        return
    text = text_of(content)
    if text.strip() and not text.lstrip().startswith(_GENERATED):
        state.close()
        state.request = (at, text)


def _assistant(state: _State, record: dict[str, Any], at: str) -> None:
    message = record.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    for block in content if isinstance(content, list) else []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text" and isinstance(block.get("text"), str) and block["text"].strip():
            state.answer = block["text"]
        if block.get("type") != "tool_use":
            continue
        name, call_id, given = str(block.get("name")), str(block.get("id")), block.get("input")
        if name == "TodoWrite":
            plan = _todo_plan(call_id, at, given)
            if plan is not None:
                state.plans.append(plan)
        elif name in ("TaskCreate", "TaskUpdate") and isinstance(given, dict):
            _task_tool(state, name, call_id, given)
        elif state.request is not None and len(state.actions) < MAX_ACTIONS:
            state.actions.append(_action(name, given))


def _task_records(session_id: str, tasks: dict[str, dict[str, Any]]) -> tuple[TaskRecord, ...]:
    blocked_by: dict[str, set[str]] = {k: set(v.get("addBlockedBy", [])) for k, v in tasks.items()}
    for key, task in tasks.items():
        for other in task.get("addBlocks", []):
            blocked_by.setdefault(other, set()).add(key)
    out = []
    for key, task in tasks.items():
        status = task.get("status")
        if status == "deleted" or not isinstance(task.get("subject"), str):
            continue
        out.append(TaskRecord(
            key=f"{session_id}#{key}", title=str(task["subject"]), description=str(task.get("description") or ""),
            status=_TASK_STATUS.get(str(status), "pending"),
            depends_on=tuple(sorted(f"{session_id}#{d}" for d in blocked_by.get(key, ()) if d in tasks)),
            extra={"session": session_id},
        ))
    return tuple(out)


def read_transcript(path: Path, tally: Tally) -> SessionRecord | None:
    lines = read_jsonl(path, tally)
    state = _State()
    meta: dict[str, Any] = {}
    cwds: list[str] = []
    first_at = last_at = None
    unknown = 0
    for line in lines:
        record = line.value
        kind = record.get("type")
        if not isinstance(kind, str) or kind not in KNOWN:
            unknown += 1
            continue
        at = iso(record.get("timestamp"))
        first_at = first_at or at
        last_at = at or last_at
        for key in ("sessionId", "version", "gitBranch"):
            if isinstance(record.get(key), str) and record[key] and not (key == "gitBranch" and record[key] == "HEAD"):
                meta[key] = record[key]
        if isinstance(record.get("cwd"), str):
            cwds.append(record["cwd"])
        if record.get("isSidechain"):
            continue
        if kind == "user":
            _user(state, record, at or last_at or "")
        elif kind == "assistant":
            _assistant(state, record, at or last_at or "")
    state.close()
    if unknown:
        tally.skip("unknown record type", str(path), unknown)
    session_id = meta.get("sessionId") or path.stem
    if not lines or not (cwds or state.turns):
        tally.skip("no Claude Code session in file", str(path))
        return None
    return SessionRecord(
        source="claude", source_id=str(session_id), file=str(path), started_at=first_at or "", ended_at=last_at,
        cwds=tuple(dict.fromkeys(cwds)), branch=meta.get("gitBranch"), version=meta.get("version"),
        turns=tuple(state.turns), plans=tuple(state.plans), tasks=_task_records(str(session_id), state.tasks),
    )
