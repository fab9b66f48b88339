"""``import tasks``: JSON lines of task records in gitmem's own vocabulary.

Each line: ``{"id": any string, "title": ..., "description"?, "status"?, "priority"?,
"kind"?, "parent"?, "depends_on"?: [ids], "related"?, "labels"?, "owner"?, "metadata"?}``;
``parent`` and ``depends_on`` name other lines' (or earlier imports') ``id``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitmem.importers.records import Tally, TaskRecord, read_jsonl

STATUSES = ("pending", "in_progress", "blocked", "completed", "cancelled")
KINDS = ("task", "epic", "milestone")


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value if isinstance(v, str | int)) if isinstance(value, list) else ()


def read(path: Path, tally: Tally) -> list[TaskRecord]:
    out: list[TaskRecord] = []
    for line in read_jsonl(path, tally):
        doc = line.value
        where = f"{path}:{line.number}"
        given = doc.get("id")
        if not isinstance(given, str | int) or isinstance(given, bool) or str(given) == "":
            tally.skip("record without an id", where)
            continue
        status = doc.get("status", "pending")
        if status not in STATUSES:
            tally.skip(f"unknown status {status!r} (imported as pending)", where)
            status = "pending"
        priority = doc.get("priority", 2)
        if not isinstance(priority, int) or isinstance(priority, bool) or not 0 <= priority <= 4:
            tally.skip(f"priority {priority!r} is not 0-4 (imported as 2)", where)
            priority = 2
        kind = doc.get("kind") if doc.get("kind") in KINDS else "task"
        metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
        out.append(TaskRecord(
            key=str(given), title=str(doc.get("title") or ""), description=str(doc.get("description") or ""),
            status=str(status), priority=priority, kind=str(kind),
            parent=str(doc["parent"]) if isinstance(doc.get("parent"), str | int) else None,
            depends_on=_strings(doc.get("depends_on")), related=_strings(doc.get("related")),
            labels=_strings(doc.get("labels")),
            owner=doc["owner"] if isinstance(doc.get("owner"), str) and doc["owner"] else None,
            extra={"id": str(given), **({"metadata": metadata} if metadata else {})},
        ))
    return out
