"""Codex CLI rollouts (``rollout-*.jsonl``): RolloutLine files (0.32+) and the legacy layout.

Follows FORMATS.md section 7: lines that are not JSON are skipped, unknown record types
are counted and left alone, the first ``session_meta`` is the session, real prompts come
from ``user_message`` events, and plans are ``update_plan`` calls joined to their output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitmem.importers.records import PlanRecord, SessionRecord, Tally, TurnRecord, checklist, clean, iso, read_jsonl, text_of

KNOWN = {
    "session_meta", "response_item", "event_msg", "compacted", "turn_context",
    "inter_agent_communication", "inter_agent_communication_metadata", "world_state", "token_usage_record",
}
_INJECTED = ("<", "# AGENTS.md instructions for ")
"""How the user messages Codex writes itself begin (environment context, AGENTS.md, skills)."""
_STATUSES = ("pending", "in_progress", "completed")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
MAX_ACTIONS = 40


def find_rollouts(root: Path, tally: Tally) -> list[Path]:
    """``rollout-*.jsonl`` under ``root``, oldest first (names start with the start time)."""
    found = sorted(p for p in root.rglob("rollout-*.jsonl") if p.is_file())
    compressed = [p for p in root.rglob("rollout-*.jsonl.zst") if p.is_file()]
    if compressed:
        tally.skip("compressed rollout (.jsonl.zst: decompress with zstd -d first)", str(compressed[0]), len(compressed))
    return sorted(found, key=lambda p: (p.name, str(p)))


def file_id(path: Path) -> str | None:
    """The thread id in ``rollout-<time>-<uuid>.jsonl``."""
    match = _UUID.search(path.name.removesuffix(".jsonl"))
    return match.group(0).lower() if match else None


@dataclass
class _Turn:
    at: str
    request: str
    answer: str = ""
    actions: list[str] = field(default_factory=list)


def _envelopes(lines: list[Any], legacy: bool, start: str | None) -> Iterator[tuple[str | None, str, Any]]:
    if legacy:
        for line in lines[1:]:
            if "record_type" not in line.value:
                yield start, "response_item", line.value
        return
    for line in lines:
        value = line.value
        yield iso(value.get("timestamp")), str(value.get("type")), value.get("payload")


def _action(payload: dict[str, Any]) -> str | None:
    kind = payload.get("type")
    name = str(payload.get("name") or kind)
    if kind == "local_shell_call":
        command = (payload.get("action") or {}).get("command")
        return " ".join(map(str, command)) if isinstance(command, list) else name
    if kind == "web_search_call":
        query = (payload.get("action") or {}).get("query")
        return f"web search: {query}" if isinstance(query, str) else "web search"
    if kind == "custom_tool_call":
        patch = payload.get("input")
        if name == "apply_patch" and isinstance(patch, str):
            files = re.findall(r"^\*\*\* (?:Update|Add|Delete) File: (.+)$", patch, re.M)
            return f"apply_patch {' '.join(files)}".strip()
        return name
    try:
        args = json.loads(payload.get("arguments") or "")
    except (TypeError, ValueError, RecursionError):
        return name
    if isinstance(args, dict):
        command = args.get("cmd") or args.get("command")
        if isinstance(command, list):
            command = " ".join(map(str, command))
        if isinstance(command, str) and command:
            return command
    return name


def _accepted(output: Any) -> bool:
    """Whether Codex took an update_plan call: its handler answers "Plan updated"; a refusal
    (unparsable arguments, Plan mode, the tool not enabled: "unsupported call") says why."""
    if isinstance(output, dict):
        output = output.get("content", output.get("body"))
    return isinstance(output, str) and output.startswith("Plan updated")


def _plan(arguments: Any, call_id: str, at: str) -> PlanRecord | None:
    try:
        doc = json.loads(arguments) if isinstance(arguments, str) else arguments
    except (ValueError, RecursionError):
        return None
    steps = checklist(doc.get("plan") if isinstance(doc, dict) else None, "step", _STATUSES)
    return PlanRecord(call_id, at, steps) if steps is not None else None


def _prompt_source(lines: list[Any], legacy: bool) -> tuple[str, str]:
    """Where this rollout's prompts are, once each: ``user_message`` events (older Codex),
    else ``item_completed`` UserMessage events (paginated rollouts, which repeat every prompt
    as a ``response_item`` too), else the user ``response_item`` messages (legacy files)."""
    if legacy:
        return "response_item", "message"
    kinds = {(ln.value.get("type"), ln.value["payload"].get("type"), _item_type(ln.value["payload"]))
             for ln in lines if isinstance(ln.value.get("payload"), dict)}
    if ("event_msg", "user_message", None) in kinds:
        return "event_msg", "user_message"
    if ("event_msg", "item_completed", "UserMessage") in kinds:
        return "event_msg", "item_completed"
    return "response_item", "message"


def _item_type(payload: dict[str, Any]) -> str | None:
    item = payload.get("item")
    return str(item.get("type")) if isinstance(item, dict) else None


def _prompt(kind: str, payload: dict[str, Any]) -> str | None:
    """The user's prompt in a record of the rollout's prompt source, None if it holds none."""
    if kind == "event_msg" and payload.get("type") == "user_message":
        return payload["message"] if isinstance(payload.get("message"), str) else None
    if kind == "event_msg":
        item = payload.get("item")
        if isinstance(item, dict) and item.get("type") == "UserMessage":
            return text_of(item.get("content")) or str(item.get("text") or "")
        return None
    return text_of(payload.get("content")) if payload.get("role") == "user" else None


def read_rollout(path: Path, tally: Tally) -> SessionRecord | None:
    """One rollout as a session record, or None (counted in ``tally``) if it has no session."""
    lines = read_jsonl(path, tally)
    if not lines:
        tally.skip("empty rollout", str(path))
        return None
    first = lines[0].value
    legacy = "payload" not in first and "type" not in first and "id" in first
    meta: dict[str, Any] | None = first if legacy else None
    start = iso(first.get("timestamp")) if legacy else None
    cwds: list[str] = []
    prompts = _prompt_source(lines, legacy)
    turns: list[_Turn] = []
    calls: dict[str, tuple[Any, str]] = {}
    plans: list[PlanRecord] = []
    last_at: str | None = start
    unknown = 0
    for at, kind, payload in _envelopes(lines, legacy, start):
        last_at = at or last_at
        if kind not in KNOWN:
            unknown += 1
            continue
        if not isinstance(payload, dict):
            continue
        ptype = payload.get("type")
        if kind == "session_meta":
            if meta is None:
                meta = payload
            continue
        if kind == "turn_context" and isinstance(payload.get("cwd"), str):
            cwds.append(payload["cwd"])
            continue
        now = at or last_at or ""
        prompt = _prompt(kind, payload) if kind == prompts[0] and ptype == prompts[1] else None
        if prompt is not None:
            if prompt.strip() and not prompt.lstrip().startswith(_INJECTED):
                turns.append(_Turn(now, prompt))
        elif not turns:
            pass
        elif kind == "event_msg" and ptype in ("agent_message", "task_complete"):
            said = payload.get("message") if ptype == "agent_message" else payload.get("last_agent_message")
            if isinstance(said, str) and said.strip():
                turns[-1].answer = said
        elif kind == "response_item" and ptype == "message" and payload.get("role") == "assistant":
            text = text_of(payload.get("content"))
            if text.strip():
                turns[-1].answer = text
        if kind != "response_item":
            continue
        if ptype == "function_call" and payload.get("name") == "update_plan":
            calls[str(payload.get("call_id"))] = (payload.get("arguments"), now)
        elif ptype == "function_call_output" and str(payload.get("call_id")) in calls:
            arguments, call_at = calls.pop(str(payload.get("call_id")))
            if not _accepted(payload.get("output")):
                tally.skip("update_plan calls Codex refused")  # known and expected: not a problem
                continue
            plan = _plan(arguments, str(payload.get("call_id")), call_at)
            if plan is None:
                tally.skip("unreadable update_plan call", f"{path}")
            else:
                plans.append(plan)
        elif ptype in ("function_call", "custom_tool_call", "local_shell_call", "web_search_call") and turns:
            action = _action(payload)
            if action and len(turns[-1].actions) < MAX_ACTIONS:
                turns[-1].actions.append(action)
    if unknown:
        tally.skip("unknown record type", str(path), unknown)
    if meta is None:
        tally.skip("no session_meta line", str(path))
        return None
    source_id = str(meta.get("id") or file_id(path) or "")
    if not source_id:
        tally.skip("session without an id", str(path))
        return None
    git: dict[str, Any] = meta["git"] if isinstance(meta.get("git"), dict) else {}
    started = iso(meta.get("timestamp")) or (turns[0].at if turns else None) or last_at or ""
    if isinstance(meta.get("cwd"), str):
        cwds.insert(0, meta["cwd"])
    return SessionRecord(
        source="codex", source_id=source_id, file=str(path), started_at=started, ended_at=last_at,
        cwds=tuple(dict.fromkeys(cwds)),
        remote=git.get("repository_url") if isinstance(git.get("repository_url"), str) else None,
        commit=git.get("commit_hash") if isinstance(git.get("commit_hash"), str) else None,
        branch=git.get("branch") if isinstance(git.get("branch"), str) else None,
        version=str(meta.get("cli_version")) if meta.get("cli_version") else None,
        turns=tuple(TurnRecord(t.at, clean(t.request, 4000), clean(t.answer, 4000), tuple(t.actions)) for t in turns),
        plans=tuple(plans),
    )
