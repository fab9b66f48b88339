"""Gemini CLI chats (``~/.gemini/tmp/<project>/chats/session-*.jsonl``).

An append log: the first line is the session (``sessionId``, ``projectHash``: the SHA-256 of
the project's path, ``startTime``); then messages, each under its ``id`` (a message written
again replaces the earlier one: the last wins, at its first place) and ``{"$set": {...}}``
lines that update the session. A resumed chat appends to the same file: a new session line
(a later ``startTime``; the first one counts) and the earlier messages again, as a ``$set``
of the whole list in a plainer form (tool calls as parts, no ``toolCalls``). A resume in a
later minute also begins a new file of the same session, holding only the injected context;
the import reads a session's files as one. Prompts are
``user`` messages with text (the ``<session_context>`` Gemini CLI injects is not one, nor the
``<hook_context>`` a SessionStart hook put before a prompt);
``gemini`` messages carry the answer and ``toolCalls``, whose ``write_todos`` calls that
succeeded are full checklist snapshots.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from gitmem.importers.records import PlanRecord, SessionRecord, Tally, TurnRecord, checklist, clean, iso, read_jsonl

_STATUSES = ("pending", "in_progress", "completed", "cancelled", "blocked")
_INJECTED = ("<session_context>",)
_HOOK_CONTEXT = re.compile(r"\A\s*<hook_context>.*?</hook_context>\s*", re.S)
"""What a SessionStart hook added (gitmem's brief, say): Gemini CLI puts it before the prompt."""
MAX_ACTIONS = 40


def find_chats(root: Path) -> list[Path]:
    """``chats/session-*.jsonl`` under ``root`` (``~/.gemini/tmp``), oldest first by name."""
    return sorted((p for p in root.rglob("session-*.jsonl") if p.is_file() and p.parent.name == "chats"),
                  key=lambda p: (p.name, str(p)))


def same_chat(path: Path) -> list[Path]:
    """The chat files beside ``path`` of the same session (``session-<time>-<id8>.jsonl``): on a
    resume in a later minute Gemini CLI begins a new file and goes on writing the old one."""
    tail = path.name.rsplit("-", 1)[-1]
    found = [p for p in path.parent.glob(f"session-*-{tail}") if p.is_file() and not p.is_symlink()]
    return sorted(set(found) | {path}, key=lambda p: p.name)


def _messages(lines: list[Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The session header (with its ``$set`` updates) and the messages in order, each (id and
    type: a tool call's answer reuses its call's id) as last written. A ``$set`` of the message
    list (what a resume writes) restores history in a plainer form: a message known already
    keeps what the log said of it, tool calls included."""
    header: dict[str, Any] = {}
    by_key: dict[tuple[str, str], dict[str, Any]] = {}

    def put(message: Any, restored: bool = False) -> None:
        if isinstance(message, dict) and isinstance(message.get("id"), str) and isinstance(message.get("type"), str):
            key = (message["id"], message["type"])
            if not (restored and key in by_key):
                by_key[key] = message

    for line in lines:
        value = line.value
        if "$set" in value and isinstance(value["$set"], dict):
            update = dict(value["$set"])
            for message in update.pop("messages", None) or []:
                put(message, restored=True)
            header.update(update)
        elif "sessionId" in value and "type" not in value:  # written again by each resume: the first start stays
            header.update({k: v for k, v in value.items() if k != "startTime" or "startTime" not in header})
        else:
            put(value)
    return header, list(by_key.values())


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return "\n".join(str(p["text"]) for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str))


def _plan(call: dict[str, Any], at: str) -> PlanRecord | None:
    args = call.get("args")
    steps = checklist(args.get("todos") if isinstance(args, dict) else None, "description", _STATUSES)
    return PlanRecord(str(call.get("id") or at), at, steps) if steps is not None else None


def _action(call: dict[str, Any]) -> str:
    args = call.get("args")
    command = args.get("command") if isinstance(args, dict) else None
    return command if isinstance(command, str) and command else str(call.get("name") or "tool")


def read_chat(path: Path, tally: Tally) -> SessionRecord | None:
    """One chat file as a session record, or None (counted in ``tally``)."""
    lines = read_jsonl(path, tally)
    header, messages = _messages(lines)
    if not isinstance(header.get("sessionId"), str) or not header["sessionId"]:
        tally.skip("chat without a sessionId", str(path))
        return None
    turns: list[TurnRecord] = []
    plans: list[PlanRecord] = []
    for message in messages:
        at = iso(message.get("timestamp")) or ""
        if message["type"] == "user":
            text = _HOOK_CONTEXT.sub("", _text(message.get("content")), count=1)
            if text.strip() and not text.lstrip().startswith(_INJECTED):
                turns.append(TurnRecord(at, clean(text, 4000)))
            continue
        if message["type"] != "gemini" or not turns:
            continue
        answer = _text(message.get("content"))
        actions = list(turns[-1].actions)
        for call in message.get("toolCalls") or []:
            if not isinstance(call, dict):
                continue
            if call.get("name") == "write_todos":
                plan = _plan(call, at) if call.get("status") == "success" else None
                if plan is not None:
                    plans.append(plan)
                elif call.get("status") == "success":
                    tally.skip("unreadable write_todos call", str(path))
                else:
                    tally.skip("write_todos calls Gemini CLI refused")  # known and expected: not a problem
            elif len(actions) < MAX_ACTIONS:
                actions.append(_action(call))
        last = turns[-1]
        turns[-1] = TurnRecord(last.at, last.request, clean(answer, 4000) if answer.strip() else last.answer,
                               tuple(actions))
    started = iso(header.get("startTime")) or (turns[0].at if turns else "")
    return SessionRecord(
        source="gemini", source_id=header["sessionId"], file=str(path), started_at=started,
        ended_at=iso(header.get("lastUpdated")), project_hash=header.get("projectHash") or None,
        turns=tuple(turns), plans=tuple(plans),
    )
