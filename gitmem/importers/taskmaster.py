"""Task Master ``tasks.json``: the tagged layout ``{"<tag>": {"tasks": [...]}}`` and the
legacy ``{"tasks": [...]}``. Subtasks become child tasks and take their parent's priority
unless they have their own; ids become ``<tag>:<id>`` keys and every task is labelled with
its tag (``tasks list --label TAG``). Deferred tasks are blocked (label ``deferred``), review
ones in progress (label ``review``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gitmem.core.errors import InvalidInput
from gitmem.importers.records import Tally, TaskRecord, as_list, plan_priority

STATUS = {
    "pending": "pending", "in-progress": "in_progress", "in_progress": "in_progress", "review": "in_progress",
    "done": "completed", "completed": "completed", "blocked": "blocked", "deferred": "blocked",
    "cancelled": "cancelled", "canceled": "cancelled",
}


def load(path: Path) -> dict[str, list[Any]]:
    """tag -> task list; raises InvalidInput when the file is not Task Master's."""
    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidInput(f"{path} is not JSON ({exc})", hint="nothing was written; give Task Master's tasks.json") from exc
    if isinstance(doc, dict) and isinstance(doc.get("tasks"), list):
        return {"master": doc["tasks"]}
    if isinstance(doc, dict):
        tags = {k: v["tasks"] for k, v in doc.items() if isinstance(v, dict) and isinstance(v.get("tasks"), list)}
        if tags:
            return tags
    raise InvalidInput(f"{path} has no Task Master task list",
                       hint='expected {"master": {"tasks": [...]}} (tagged) or {"tasks": [...]} (legacy)')


def _description(item: dict[str, Any]) -> str:
    parts = [str(item.get("description") or "").strip()]
    for key, label in (("details", "Details"), ("testStrategy", "Test strategy"),
                       ("acceptanceCriteria", "Acceptance criteria")):
        value = item.get(key)
        if isinstance(value, list):
            value = "\n".join(f"- {v}" for v in value if isinstance(v, str) and v.strip())
        if isinstance(value, str) and value.strip():
            parts.append(f"{label}:\n{value.strip()}")
    return "\n\n".join(p for p in parts if p)


def _status(value: Any, where: str, tally: Tally) -> str:
    status = STATUS.get(str(value or "pending").lower())
    if status is None:
        tally.skip(f"unknown status {value!r} (imported as pending)", where)
        return "pending"
    return status


def _record(tag: str, item: dict[str, Any], source_id: str, deps: list[str], parent: str | None,
            tally: Tally, inherited: Any = None) -> TaskRecord:
    status_word = str(item.get("status") or "pending")
    labels = (tag, *(("deferred",) if status_word == "deferred" else ("review",) if status_word == "review" else ()))
    return TaskRecord(
        key=f"{tag}:{source_id}", title=str(item.get("title") or ""), description=_description(item),
        status=_status(item.get("status"), f"{tag} task {source_id}", tally),
        priority=plan_priority(item.get("priority") or inherited), parent=f"{tag}:{parent}" if parent else None,
        depends_on=tuple(f"{tag}:{d}" for d in deps), labels=labels,
        extra={"id": source_id, "tag": tag, "status": status_word},
    )


def _subtask_deps(parent: str, values: Any, siblings: set[str]) -> list[str]:
    """Subtask dependencies: a number names a sibling subtask when one has it, else a task."""
    out = []
    for value in values if isinstance(values, list) else []:
        text = str(value)
        if "." in text:
            out.append(text)
        elif f"{parent}.{text}" in siblings:
            out.append(f"{parent}.{text}")
        else:
            out.append(text)
    return out


def read(path: Path, tally: Tally) -> list[TaskRecord]:
    out: list[TaskRecord] = []
    for tag, items in load(path).items():
        for n, item in enumerate(items):
            if not isinstance(item, dict) or item.get("id") is None:
                tally.skip("task without an id", f"{path}: {tag} task #{n + 1}")
                continue
            task_id = str(item["id"])
            deps = [str(d) for d in as_list(item.get("dependencies")) if isinstance(d, int | str)]
            out.append(_record(tag, item, task_id, deps, None, tally))
            subtasks = [s for s in as_list(item.get("subtasks")) if isinstance(s, dict) and s.get("id") is not None]
            siblings = {f"{task_id}.{s['id']}" for s in subtasks}
            for sub in subtasks:
                sub_id = f"{task_id}.{sub['id']}"
                out.append(_record(tag, sub, sub_id, _subtask_deps(task_id, sub.get("dependencies"), siblings), task_id,
                                   tally, inherited=item.get("priority")))
    return out
