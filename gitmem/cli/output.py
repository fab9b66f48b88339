"""Rendering: data to stdout (text or versioned JSON), diagnostics to stderr."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gitmem.core.constants import JSON_VERSION

if TYPE_CHECKING:
    from gitmem.core.models import Task

_COLORS = {"pending": "", "in_progress": "33", "blocked": "31", "completed": "32", "cancelled": "90"}


def use_color(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


def paint(text: str, code: str) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if code and use_color() else text


def status_word(status: str) -> str:
    return paint(status, _COLORS.get(status, ""))


def emit(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")


def emit_json(kind: str, payload: Mapping[str, Any]) -> None:
    doc = {"version": JSON_VERSION, "kind": kind, **payload}
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=False) + "\n")


def note(text: str) -> None:
    """A diagnostic line on stderr."""
    sys.stderr.write(text + "\n")


def table(rows: Sequence[Sequence[str]], colored: Iterable[int] = ()) -> str:
    """Left-aligned columns; ``colored`` columns are status words painted after padding."""
    if not rows:
        return ""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    paint_cols = set(colored)
    lines = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            padded = cell if i == len(row) - 1 else cell.ljust(widths[i])
            cells.append(status_word(cell) + padded[len(cell):] if i in paint_cols else padded)
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def task_json(task: Task, short: Mapping[str, str], children: Sequence[str] | None = None) -> dict[str, Any]:
    """The documented ``--json`` shape of one task (with ``children`` where they were read)."""
    from gitmem.core.edits import visible_log

    return {
        "id": task.id,
        "short_id": short.get(task.id, task.id),
        "title": task.title,
        "description": task.description,
        "kind": task.kind.value,
        "status": task.status.value,
        "priority": task.priority,
        "parent": task.parent,
        "depends_on": task.depends_on,
        "related": task.members("related"),
        "labels": task.labels,
        "owner": task.owner,
        "adr": task.members("adr"),
        "evidence": task.evidence,
        "target_commit": task.get("target_commit"),
        "plan_key": task.plan_key,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "created_by": task.created_by,
        "metadata": task.get("metadata") or {},
        "deleted": dict(task.tombstone) if task.deleted and task.tombstone else None,
        "conflicts": [{"field": f, "value": w.value, "stamp": str(w.stamp)} for f, w in task.conflicts()],
        "log": [{"id": e.id, "at": e.at, "by": e.by, "text": e.text} for e in visible_log(task)],
        **({"children": list(children)} if children is not None else {}),
    }
