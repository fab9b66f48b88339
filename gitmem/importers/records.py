"""The plain records every importer produces, and the tally of what it had to skip."""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MAX_PROBLEMS = 50


@dataclass(frozen=True, slots=True)
class TaskRecord:
    """A task as another tool described it; ``key`` is that tool's id, unique per import."""

    key: str
    title: str
    description: str = ""
    status: str = "pending"
    priority: int = 2
    kind: str = "task"
    parent: str | None = None
    depends_on: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    owner: str | None = None
    plan_key: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Source-specific facts kept in the task's ``metadata.import``."""
    log: tuple[str, ...] = ()
    """Lines for the task's log: a close reason, comments."""


@dataclass(frozen=True, slots=True)
class PlanStep:
    text: str
    status: str
    priority: int = 2


@dataclass(frozen=True, slots=True)
class PlanRecord:
    """One full checklist snapshot (Codex ``update_plan``, Claude ``TodoWrite``)."""

    call_id: str
    at: str
    steps: tuple[PlanStep, ...]


@dataclass(frozen=True, slots=True)
class TurnRecord:
    at: str
    request: str
    answer: str = ""
    actions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One agent session (a Codex rollout, a Claude Code transcript, a Gemini CLI chat)."""

    source: str
    source_id: str
    file: str
    started_at: str
    ended_at: str | None = None
    cwds: tuple[str, ...] = ()
    remote: str | None = None
    commit: str | None = None
    branch: str | None = None
    version: str | None = None
    turns: tuple[TurnRecord, ...] = ()
    plans: tuple[PlanRecord, ...] = ()
    tasks: tuple[TaskRecord, ...] = ()
    project_hash: str | None = None
    """SHA-256 of the project's path (Gemini CLI records that, not the path)."""


@dataclass
class Tally:
    """What an import skipped: counts per reason plus the first few places, for the report."""

    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def skip(self, reason: str, where: str | None = None, n: int = 1) -> None:
        self.counts[reason] += n
        if where is not None and len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"{where}: {reason}")


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    value: dict[str, Any]


def read_jsonl(path: Path, tally: Tally) -> list[Line]:
    """Every line of ``path`` that is a JSON object; the others are counted and skipped."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        tally.skip(f"unreadable file ({exc.strerror or exc})", str(path))
        return []
    pieces = data.split(b"\n")
    torn = pieces[-1] != b""
    if not torn:
        pieces.pop()
    out = []
    for n, raw in enumerate(pieces, 1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            last = torn and n == len(pieces)
            tally.skip("truncated last line" if last else "unreadable line", f"{path}:{n}")
            continue
        if not isinstance(value, dict):
            tally.skip("unreadable line", f"{path}:{n}")
            continue
        out.append(Line(n, value))
    return out


def clean(text: Any, limit: int) -> str:
    """Text safe to store: control characters blanked, at most ``limit`` characters."""
    if not isinstance(text, str):
        return ""
    out: str = _CONTROL.sub(" ", text).strip()
    return out if len(out) <= limit else out[: limit - 1].rstrip() + "…"


def iso(value: Any) -> str | None:
    """A timestamp (ISO 8601 text or unix seconds) as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            moment = _dt.datetime.fromtimestamp(value / 1000 if value > 10**11 else value, _dt.UTC)
        elif isinstance(value, str) and value:
            moment = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=_dt.UTC)
        else:
            return None
    except (ValueError, OverflowError, OSError):
        return None
    return moment.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def text_of(content: Any) -> str:
    """The text of a message ``content``: a string, or a list of text-bearing blocks."""
    if isinstance(content, str):
        return str(content)
    if isinstance(content, list):
        parts = [b.get("text") for b in content if isinstance(b, dict) and b.get("type") in ("text", "input_text", "output_text")]
        return "\n".join(str(p) for p in parts if isinstance(p, str))
    return ""


def checklist(items: Any, text_field: str, statuses: tuple[str, ...], *, priorities: bool = False
              ) -> tuple[PlanStep, ...] | None:
    """A plan tool's list of items (each a text under ``text_field`` and a status), or None
    if any item is not one: a half-read plan would rename or drop real steps."""
    if not isinstance(items, list):
        return None
    steps = []
    for item in items:
        if not isinstance(item, dict) or item.get("status") not in statuses:
            return None
        text = item.get(text_field)
        if not isinstance(text, str) or not text.strip():
            return None
        steps.append(PlanStep(text, str(item["status"]), plan_priority(item.get("priority")) if priorities else 2))
    return tuple(steps)


def plan_priority(value: Any) -> int:
    """``high``/``medium``/``low`` (Task Master, TodoWrite) as gitmem priorities."""
    return {"critical": 0, "high": 1, "medium": 2, "low": 3}.get(str(value).lower(), 2)


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else nothing (another tool's "list" may be anything)."""
    return value if isinstance(value, list) else []


def merged(records: list[SessionRecord]) -> SessionRecord:
    """One conversation read from several files (a resume that began a new file) as one record:
    the files in the order they began, each turn and plan call once, the later file's task
    list winning, so the conversation's last plan is the last one it made."""
    ordered = sorted(records, key=lambda r: (r.started_at or "", r.file))
    first = ordered[0]
    turns: dict[tuple[str, str], TurnRecord] = {}
    plans: dict[str, PlanRecord] = {}
    tasks: dict[str, TaskRecord] = {}
    for record in ordered:
        for turn in record.turns:
            turns.setdefault((turn.at, turn.request), turn)
        for plan in record.plans:
            plans.setdefault(plan.call_id, plan)
        tasks.update((t.key, t) for t in record.tasks)
    ends = [r.ended_at for r in ordered if r.ended_at]
    return replace(first, ended_at=max(ends) if ends else None, turns=tuple(turns.values()), plans=tuple(plans.values()),
                   tasks=tuple(tasks.values()), cwds=tuple(dict.fromkeys(c for r in ordered for c in r.cwds)))
