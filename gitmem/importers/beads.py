"""beads ``issues.jsonl``: one issue per line with its labels and typed dependencies.

``blocks`` edges become ``depends_on``, ``parent-child`` sets the parent, ``related`` and
``discovered-from`` become ``related``. Closed issues are completed, their close reason and
every comment go to the task's log. Deferred and pinned issues are not work to pick up now:
they are blocked, labelled ``deferred`` or ``pinned``. beads writes ``priority`` with
``omitempty``, so an issue without one is P0."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitmem.importers.records import Tally, TaskRecord, as_list, read_jsonl

STATUS = {"open": "pending", "in_progress": "in_progress", "blocked": "blocked", "closed": "completed",
          "deferred": "blocked", "pinned": "blocked", "hooked": "in_progress", "tombstone": "cancelled"}
HELD = ("deferred", "pinned")
KIND = {"epic": "epic", "milestone": "milestone"}


def _priority(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 4 else 2


def _log(issue: dict[str, Any]) -> tuple[str, ...]:
    """The close reason and the comments, oldest first, as log lines."""
    lines = []
    for comment in as_list(issue.get("comments")):
        if isinstance(comment, dict) and isinstance(comment.get("text"), str) and comment["text"].strip():
            who = comment.get("author") if isinstance(comment.get("author"), str) else "someone"
            when = f" ({comment['created_at']})" if isinstance(comment.get("created_at"), str) else ""
            lines.append(f"comment by {who}{when}: {comment['text'].strip()}")
    if isinstance(issue.get("close_reason"), str) and issue["close_reason"].strip():
        lines.append(f"closed: {issue['close_reason'].strip()}")
    return tuple(lines)


def _description(issue: dict[str, Any]) -> str:
    parts = [str(issue.get("description") or "").strip()]
    for key, label in (("design", "Design"), ("acceptance_criteria", "Acceptance criteria"), ("notes", "Notes")):
        if isinstance(issue.get(key), str) and issue[key].strip():
            parts.append(f"{label}:\n{issue[key].strip()}")
    return "\n\n".join(p for p in parts if p)


def read(path: Path, tally: Tally) -> list[TaskRecord]:
    out: list[TaskRecord] = []
    for line in read_jsonl(path, tally):
        issue = line.value
        where = f"{path}:{line.number}"
        if not isinstance(issue.get("id"), str) or not issue["id"]:
            tally.skip("issue without an id", where)
            continue
        issue_id = issue["id"]
        deps, related, parent = [], [], None
        for dep in as_list(issue.get("dependencies")):
            if not isinstance(dep, dict) or not isinstance(dep.get("depends_on_id"), str):
                continue
            if dep.get("issue_id") not in (None, issue_id):
                continue
            kind = dep.get("type") or "blocks"
            if kind == "blocks":
                deps.append(dep["depends_on_id"])
            elif kind == "parent-child":
                parent = dep["depends_on_id"]
            else:
                related.append(dep["depends_on_id"])
        status_word = str(issue.get("status") or "open")
        status = STATUS.get(status_word)
        if status is None:
            tally.skip(f"unknown status {status_word!r} (imported as pending)", where)
            status = "pending"
        issue_type = str(issue.get("issue_type") or "task")
        labels = [str(v) for v in as_list(issue.get("labels")) if isinstance(v, str)]
        if issue_type not in ("task", *KIND):
            labels.append(issue_type)
        if status_word in HELD or issue.get("pinned") is True:
            labels.append("pinned" if issue.get("pinned") is True else status_word)
            status = "blocked" if status == "pending" else status
        extra = {k: issue[k] for k in ("id", "issue_type", "status", "created_at", "closed_at", "external_ref",
                                       "defer_until") if isinstance(issue.get(k), str)}
        out.append(TaskRecord(
            key=issue_id, title=str(issue.get("title") or ""), description=_description(issue), status=status,
            priority=_priority(issue.get("priority", 0)), kind=KIND.get(issue_type, "task"), parent=parent,
            depends_on=tuple(deps), related=tuple(related), labels=tuple(dict.fromkeys(labels)),
            owner=issue["assignee"] if isinstance(issue.get("assignee"), str) and issue["assignee"] else None,
            extra=extra, log=_log(issue),
        ))
    return out
