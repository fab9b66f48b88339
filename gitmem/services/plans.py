"""``plan sync``: mirror an agent's checklist (Codex, Claude Code, Gemini CLI) into tasks.

Plans are full snapshots without step ids, and agents reword steps and resend old plans.
A step matches the task whose ``plan_key`` (normalised text) equals its own; failing that,
the unfinished task at the same position in the *same session's* previous plan (a reworded
step); else it is new. A finished task is never reused for other work: not by position, and
not by text from another plan when the step is not finished. Only what changed since the
session's last synced plan is applied: a step whose status is the one last mirrored leaves
its task alone, so work completed in gitmem meanwhile stays completed. Another session's
plan never renames a task. Steps dropped from a plan are reported, not deleted; a
tombstoned ``plan_key`` is never re-created. Identical plans write nothing.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from gitmem.core import edits, graph, inputs
from gitmem.core.errors import InvalidInput
from gitmem.core.models import Task
from gitmem.derived import reads
from gitmem.engine.redact import Redactor
from gitmem.engine.workspace import Workspace, utc_now
from gitmem.services import sessions as session_svc
from gitmem.store.memory import Change, Snapshot

FORMATS = ("codex", "claude", "gemini")
_STATUSES = {
    "codex": ("pending", "in_progress", "completed"),
    "claude": ("pending", "in_progress", "completed"),
    "gemini": ("pending", "in_progress", "completed", "cancelled", "blocked"),
}
_TEXT_FIELD = {"codex": "step", "claude": "content", "gemini": "description"}
_LIST_FIELD = {"codex": "plan", "claude": "todos", "gemini": "todos"}
_ALLOWED_ITEM_KEYS = {"codex": {"step", "status"}, "claude": {"content", "status", "activeForm", "id", "priority"},
                      "gemini": {"description", "status"}}
_TRAILING = re.compile(r"[\s.:;!,]+$")
MAX_STEPS = 500


@dataclass(frozen=True, slots=True)
class Step:
    text: str
    status: str

    @property
    def key(self) -> str:
        return normalise(self.text)


def normalise(text: str) -> str:
    """The plan_key of a step: case, spacing and trailing punctuation do not matter."""
    folded = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return _TRAILING.sub("", folded)


def _fail(where: str, problem: str) -> InvalidInput:
    return InvalidInput(f"plan payload: {where} {problem}", hint="nothing was written; see schemas/*plan*.schema.json")


def detect(doc: Any) -> str:
    if isinstance(doc, dict) and "plan" in doc:
        return "codex"
    if isinstance(doc, dict) and isinstance(doc.get("todos"), list):
        first = next((t for t in doc["todos"] if isinstance(t, dict)), {})
        return "gemini" if "description" in first else "claude"
    raise _fail("(top level)", "is not a Codex update_plan, Claude TodoWrite or Gemini write_todos payload")


def parse(data: str, fmt: str | None = None) -> tuple[str, list[Step], str | None]:
    """Check a payload against its format (the schemas in ``schemas/``, by hand: hot path)."""
    if not data.strip():
        raise _fail("(input)", "is empty")
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise _fail("(input)", f"is not JSON ({exc})") from exc
    except RecursionError as exc:
        raise _fail("(input)", "is nested too deeply") from exc
    fmt = fmt or detect(doc)
    if not isinstance(doc, dict):
        raise _fail("(top level)", "must be a JSON object")
    list_field = _LIST_FIELD[fmt]
    items = doc.get(list_field)
    if not isinstance(items, list):
        raise _fail(f"'{list_field}'", "must be a list")
    if len(items) > MAX_STEPS:
        raise _fail(f"'{list_field}'", f"has {len(items)} steps; the limit is {MAX_STEPS}")
    explanation = doc.get("explanation")
    if explanation is not None and not isinstance(explanation, str):
        raise _fail("'explanation'", "must be a string")
    if fmt == "codex" and set(doc) - {"plan", "explanation"}:
        raise _fail(f"'{sorted(set(doc) - {'plan', 'explanation'})[0]}'", "is not a field of update_plan")
    steps = []
    text_field = _TEXT_FIELD[fmt]
    for n, item in enumerate(items):
        where = f"{list_field}[{n}]"
        if not isinstance(item, dict):
            raise _fail(where, "must be an object")
        extra = set(item) - _ALLOWED_ITEM_KEYS[fmt]
        if extra:
            raise _fail(f"{where}.{sorted(extra)[0]}", "is not a known field")
        text = item.get(text_field)
        if not isinstance(text, str) or not text.strip():
            raise _fail(f"{where}.{text_field}", "must be a non-empty string")
        status = item.get("status")
        if status not in _STATUSES[fmt]:
            raise _fail(f"{where}.status", f"must be one of {', '.join(_STATUSES[fmt])}, not {status!r}")
        try:
            inputs.title(text)
        except InvalidInput as exc:
            raise _fail(f"{where}.{text_field}", exc.message) from exc
        steps.append(Step(text, status))
    return fmt, steps, explanation


@dataclass
class SyncReport:
    session: str
    matches: list[dict[str, str]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    written: bool = False


def plan_index(snap: Snapshot) -> tuple[dict[str, list[str]], set[str]]:
    """Live task ids by plan_key, and the plan_keys of deleted tasks (from a small cached index)."""
    live: dict[str, list[str]] = {}
    deleted: set[str] = set()
    for task_id, (key, is_deleted) in reads.plan_keys(snap).items():
        if key:
            if is_deleted:
                deleted.add(key)
            else:
                live.setdefault(key, []).append(task_id)
    return live, deleted


def _by_text(step: Step, candidates: Sequence[str], last: dict[str, str], snap: Snapshot) -> Task | None:
    """The task a step names by its text: this session's own first, then open work. A finished
    task another plan mirrored is not reused for a step that is not finished: that is new work."""
    tasks = [reads.task(snap, t) for t in candidates]
    tasks.sort(key=lambda t: (t.id not in last, t.status.terminal, t.id))
    best = tasks[0] if tasks else None
    if best is not None and best.id not in last and best.status.terminal and step.status != best.status.value:
        return None
    return best


def _match(steps: Sequence[Step], live_by_key: dict[str, list[str]], previous: Sequence[str],
           last: dict[str, str], snap: Snapshot) -> list[tuple[Task | None, str]]:
    """Each step's task and how it was matched: text, position (a reworded step takes the
    unfinished task at its place in this session's previous plan) or none (new)."""
    used: set[str] = set()
    out: list[tuple[Task | None, str]] = [(None, "new")] * len(steps)
    for n, step in enumerate(steps):
        task = _by_text(step, [t for t in live_by_key.get(step.key, ()) if t not in used], last, snap)
        if task is not None:
            out[n] = (task, "text")
            used.add(task.id)
    keys = {s.key for s in steps}
    for n, _step in enumerate(steps):
        if out[n][0] is not None or n >= len(previous):
            continue
        candidate = reads.task(snap, previous[n]) if snap.has_task(previous[n]) else None
        if candidate and not candidate.deleted and not candidate.status.terminal and candidate.id not in used \
                and candidate.plan_key not in keys:
            out[n] = (candidate, "position")
            used.add(candidate.id)
    return out


def sync(ws: Workspace, steps: Sequence[Step], fmt: str) -> SyncReport:
    """Mirror ``steps`` into tasks in one memory commit (none if nothing changed)."""
    agent = session_svc.check_agent(ws.agent)
    redactor = Redactor.of(ws.repo)
    steps = [replace(step, text=redactor.text(step.text)) for step in steps]
    session_id = session_svc.current_or_new(ws)
    report = SyncReport(session_id)

    def build(snap: Snapshot) -> Change | None:
        nonlocal report
        report = SyncReport(session_id)
        live_by_key, deleted_keys = plan_index(snap)
        stamp = snap.stamp(ws.actor)
        fresh = snap.session_blob(session_id) is None
        session = session_svc.in_snapshot(ws, snap, session_id, stamp)
        previous = session.plan
        # What this session mirrored last: a step that still says the same is not applied again.
        last = dict(zip(previous, session.plan_status, strict=True)) \
            if len(previous) == len(session.plan_status) else {}
        now = utc_now()
        changed: dict[str, Task] = {}
        order: list[str] = []
        statuses: list[str] = []
        for step, (task, how) in zip(steps, _match(steps, live_by_key, previous, last, snap), strict=True):
            if task is None:
                if step.key in deleted_keys:
                    report.skipped.append(step.text)
                    continue
                task_id = graph.mint_id(lambda i: i in changed or snap.has_task(i))
                task = edits.new_task(task_id, step.text, stamp=stamp, now=now, fields={
                    "status": step.status, "plan_key": step.key,
                    "metadata": {"plan": {"agent": agent, "format": fmt, "session": session_id}}})
                changed[task_id] = task
                report.created.append(task_id)
            else:
                values: dict[str, Any] = {} if last.get(task.id) == step.status else {"status": step.status}
                if task.title != step.text:
                    values.update(title=step.text, plan_key=step.key)
                updated = edits.set_fields(task, values, stamp=stamp, now=now)
                if updated != task:
                    changed[task.id] = updated
                    report.updated.append(task.id)
            report.matches.append({"step": step.text, "task": task.id, "how": how})
            order.append(task.id)
            statuses.append(step.status)
        report.dropped = [t for t in previous if t not in order and snap.has_task(t)]
        if not fresh and not changed and (tuple(order), tuple(statuses)) == (session.plan, session.plan_status):
            return None
        session = replace(session, plan=tuple(order), plan_status=tuple(statuses), stamp=stamp)
        summary = f"{len(report.created)} new, {len(report.updated)} updated"
        return Change(f"plan sync ({fmt}, {agent}): {summary}", changed, sessions={session_id: session},
                      clock=stamp.lamport)

    change, _ = ws.write(build)
    report.written = change is not None
    session_svc.set_open(ws, agent, session_id)  # no write when it is open already
    redactor.record(ws.repo, "plan sync")
    return report
