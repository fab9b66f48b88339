"""Typed constructors and edits of records: the only way the code builds a task.

Each edit takes the stamp of the write it belongs to; one command uses one stamp for all
the fields it changes. Writing a field replaces every head it saw (so a reopen beats the
completion it reopens), and concurrent values it replaces are kept in the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from gitmem.core.models import Element, LogEntry, Stamp, Task, Vector, Write, join, winner


def conflict_entry(task_id: str, field: str, write: Write) -> LogEntry:
    """The log entry for a concurrent write that lost: identical in every clone."""
    import hashlib  # conflicts are rare: not paid at start-up

    digest = hashlib.sha1(f"{task_id}\0{field}\0{write.stamp}\0{write.value!r}".encode()).hexdigest()
    return LogEntry(
        id=f"c-{digest[:12]}",
        at=f"lamport {write.stamp.lamport}",
        by=write.stamp.actor,
        text=f"concurrent edit lost: {field} = {write.value!r}",
    )


def visible_log(task: Task) -> list[LogEntry]:
    """The stored log plus entries for conflicts not yet folded into it, oldest first."""
    entries = dict(task.log)
    for field, write in task.conflicts():
        entry = conflict_entry(task.id, field, write)
        entries.setdefault(entry.id, entry)
    revived = task.revived_by() if task.tombstone else []
    if revived:
        import hashlib

        tomb = task.tombstone or {}
        entry_id = "r-" + hashlib.sha1(f"{task.id}\0{tomb!r}".encode()).hexdigest()[:12]
        # updated_at moves with every edit; alone, it means the edit was a log entry.
        what = ", ".join(n for n in revived if n != "updated_at") or "the log"
        entries.setdefault(
            entry_id,
            LogEntry(entry_id, str(tomb.get("at", "")), str(tomb.get("by", "")),
                     f"deletion undone by a concurrent edit of {what}"),
        )
    return sorted(entries.values(), key=lambda e: (e.at, e.id))


def new_task(
    task_id: str,
    title: str,
    *,
    stamp: Stamp,
    now: str,
    fields: Mapping[str, Any] | None = None,
    sets: Mapping[str, Iterable[str]] | None = None,
) -> Task:
    values: dict[str, Any] = {"title": title, "description": "", "kind": "task", "status": "pending", "priority": 2}
    values.update({k: v for k, v in (fields or {}).items() if v is not None})
    values["updated_at"] = now
    registers = {name: (Write(value, stamp),) for name, value in values.items()}
    elements = {name: {k: Element(stamp) for k in keys} for name, keys in (sets or {}).items() if keys}
    return Task(task_id, now, stamp.actor, registers, elements)


def set_fields(task: Task, values: Mapping[str, Any], *, stamp: Stamp, now: str) -> Task:
    """Write registers; a value equal to the shown one with no conflicts is left alone."""
    registers = dict(task.registers)
    log = dict(task.log)
    changed = False
    for name, value in values.items():
        heads = registers.get(name, ())
        if len(heads) == 1 and heads[0].value == value:
            continue
        if not heads and value is None:
            continue
        shown = winner(name, heads) if heads else None
        for write in heads:
            if write is not shown:
                entry = conflict_entry(task.id, name, write)
                log[entry.id] = entry
        registers[name] = (Write(value, stamp, replaced(heads, stamp)),)
        changed = True
    if not changed:
        return task
    registers["updated_at"] = (Write(now, stamp, replaced(registers.get("updated_at", ()), stamp)),)
    return replace(task, registers=registers, log=log)


def replaced(heads: Iterable[Write], stamp: Stamp) -> Vector:
    """The ``seen`` of a new write replacing ``heads``: each head and all it had seen.

    Rewriting a head made with the same stamp (two edits in one command) takes only that
    head's own ``seen``: the new write supersedes it, it never saw it as another write.
    """
    return join(*(w.seen if w.stamp == stamp else (w.stamp, *w.seen) for w in heads))


def touch(task: Task, *, stamp: Stamp, now: str) -> Task:
    seen = replaced(task.registers.get("updated_at", ()), stamp)
    return replace(task, registers={**task.registers, "updated_at": (Write(now, stamp, seen),)})


def add_element(task: Task, name: str, key: str, *, stamp: Stamp, now: str,
                value: Mapping[str, Any] | None = None) -> Task:
    current = task.sets.get(name, {})
    existing = current.get(key)
    if existing is not None and existing.present and existing.value == value:
        return task
    element = Element(stamp, existing.rm if existing else None, dict(value) if value is not None else None)
    sets = {**task.sets, name: {**current, key: element}}
    return touch(replace(task, sets=sets), stamp=stamp, now=now)


def remove_element(task: Task, name: str, key: str, *, stamp: Stamp, now: str) -> Task:
    current = task.sets.get(name, {})
    existing = current.get(key)
    if existing is None or not existing.present:
        return task
    sets = {**task.sets, name: {**current, key: existing._replace(rm=stamp)}}
    return touch(replace(task, sets=sets), stamp=stamp, now=now)


def append_log(task: Task, text: str, *, entry_id: str, stamp: Stamp, now: str) -> Task:
    entry = LogEntry(entry_id, now, stamp.actor, text)
    return touch(replace(task, log={**task.log, entry_id: entry}), stamp=stamp, now=now)


def tombstone(task: Task, reason: str, *, stamp: Stamp, now: str) -> Task:
    """Mark deleted, recording the version vector of every write the deletion saw (register
    heads with what they had seen, set element stamps), so a concurrent edit undoes it.
    The tombstone's own writes (``deleted``, ``updated_at``) are known by their stamp; an
    edit made in the same command (same stamp) is covered by the step just before it."""
    seen = [str(s if s != stamp else Stamp(s.lamport - 1, s.actor))
            for s in task.seen_stamps() if s != stamp or s.lamport > 1]
    value = {"by": stamp.actor, "at": now, "reason": reason, "seen": seen}
    return set_fields(task, {"deleted": value}, stamp=stamp, now=now)
