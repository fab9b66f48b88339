"""Imported task records -> gitmem tasks: ids minted, references resolved, cycles cut.

Shared by every importer. The source's own id is kept in ``metadata.import`` (``source``,
``key``, plus what the importer recorded), with ``seen``: a fingerprint of each field as the
source gave it. A re-import changes a task only where the source changed since (``refresh``),
so edits made in gitmem to fields the source left alone survive, and an unchanged file writes
nothing. Nothing here writes: callers put the tasks in one memory commit.
"""

from __future__ import annotations

import binascii
import json
import os
import re
from base64 import b32encode
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gitmem.core import edits
from gitmem.core.constants import ID_LENGTH, ID_PREFIX, MAX_LABEL, MAX_TEXT, MAX_TITLE
from gitmem.core.models import Stamp, Task
from gitmem.importers.records import TaskRecord, clean
from gitmem.store.memory import Snapshot

_LABEL_BAD = re.compile(r"[\s,\x00-\x20\x7f-\x9f]+")
MAX_PROBLEMS = 50


@dataclass
class ImportReport:
    """What one import did: ids written, reasons for what it skipped, refs it touched."""

    source: str
    sessions: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    turns: int = 0
    """Turns added to sessions imported before (a resumed conversation)."""
    skipped: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    commits: list[str] = field(default_factory=list)
    backups: list[str] = field(default_factory=list)

    def skip(self, reason: str, where: str | None = None, n: int = 1) -> None:
        self.skipped[reason] += n
        if where is not None and len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"{where}: {reason}")


def plain(value: Any) -> Any:
    """A JSON value as something the TOML codec stores (no nulls, no floats)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value if v is not None]
    if isinstance(value, bool | int | str):
        return value
    return str(value)


def label(value: str) -> str:
    return _LABEL_BAD.sub("-", value).strip("-")[:MAX_LABEL]


def imported_keys(snap: Snapshot, source: str) -> dict[str, str]:
    """source key -> task id, for tasks an earlier import from ``source`` created."""
    if not snap.task_blobs:
        return {}
    out = {}
    for task_id, task in snap.tasks().items():
        meta = task.get("metadata")
        info = meta.get("import") if isinstance(meta, Mapping) else None
        if isinstance(info, Mapping) and info.get("source") == source:
            out[str(info.get("key", info.get("id")))] = task_id
    return out


class Minter:
    """Fresh task ids, never one the memory or this import already holds."""

    def __init__(self, taken: Iterable[str]) -> None:
        self.taken = set(taken)

    def __call__(self) -> str:
        while True:
            # Same alphabet as random_base32 (RFC 4648 base32, lower case), ~20x faster in bulk.
            task_id = ID_PREFIX + b32encode(os.urandom(8)).decode("ascii")[:ID_LENGTH].lower()
            if task_id not in self.taken:
                self.taken.add(task_id)
                return task_id


def _cut_cycles(edges: dict[str, list[str]], report: ImportReport, what: str) -> None:
    """Drop every edge that would close a cycle among the new tasks (iterative DFS)."""
    state: dict[str, int] = {}
    for root in edges:
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, i = stack[-1]
            targets = edges.get(node, [])
            if i >= len(targets):
                state[node] = 2
                stack.pop()
                continue
            stack[-1] = (node, i + 1)
            target = targets[i]
            if state.get(target) == 1:
                targets.pop(i)
                stack[-1] = (node, i)
                report.skip(f"{what} that would close a cycle (dropped)", f"{node} -> {target}")
            elif target not in state and target in edges:
                state[target] = 1
                stack.append((target, 0))


def build(
    snap: Snapshot,
    source: str,
    records: Sequence[TaskRecord],
    report: ImportReport,
    *,
    stamp: Stamp,
    now: str,
    known: Mapping[str, str],
    plan_keys: Mapping[str, str] | None = None,
    minted: Minter | None = None,
) -> tuple[dict[str, Task], dict[str, str]]:
    """New tasks for the records not imported before; returns them and key -> task id.

    ``known`` maps keys of earlier imports to their task ids; ``plan_keys`` (plan steps)
    maps existing plan_keys to task ids, so a step already mirrored is not made twice.
    """
    mint = minted or Minter(snap.task_blobs)
    ids: dict[str, str] = dict(known)
    fresh: list[TaskRecord] = []
    seen: set[str] = set()
    for record in records:
        title = clean(record.title, MAX_TITLE)
        if record.key in seen:
            report.skip("duplicate id in input", record.key)
            continue
        seen.add(record.key)
        if record.key in known:
            continue  # refresh() brings its changes
        if record.plan_key and plan_keys is not None and record.plan_key in plan_keys:
            ids[record.key] = plan_keys[record.plan_key]
            report.skip("plan step already a task")
            continue
        if not title:
            report.skip("task without a title", record.key)
            continue
        ids[record.key] = mint()
        fresh.append(record)
    deps: dict[str, list[str]] = {}
    parents: dict[str, str] = {}
    for record in fresh:
        own = ids[record.key]
        deps[own] = []
        for key in record.depends_on:
            if key in ids:
                deps[own].append(ids[key])
            else:
                report.skip("dependency on an unknown id (dropped)", f"{record.key} -> {key}")
        if record.parent is not None:
            if record.parent in ids:
                parents[own] = ids[record.parent]
            else:
                report.skip("parent is an unknown id (dropped)", f"{record.key} -> {record.parent}")
    _cut_cycles(deps, report, "dependency")
    parent_edges = {k: [v] for k, v in parents.items()}
    _cut_cycles(parent_edges, report, "parent link")
    out: dict[str, Task] = {}
    for record in fresh:
        own = ids[record.key]
        values = _values(record)
        fields: dict[str, Any] = {
            **{k: v for k, v in values.items() if k != "title"}, "plan_key": record.plan_key,
            "parent": parent_edges[own][0] if parent_edges.get(own) else None, "metadata": _metadata(source, record, {}),
        }
        sets = {
            "depends_on": sorted(set(deps[own])),
            "related": sorted({ids[k] for k in record.related if k in ids and ids[k] != own}),
            "labels": sorted(_labels(record)),
        }
        task = edits.new_task(own, values["title"], stamp=stamp, now=now, fields=fields, sets=sets)
        for entry_id, text in _log(record):
            task = edits.append_log(task, text, entry_id=entry_id, stamp=stamp, now=now)
        out[own] = task
    report.tasks.extend(out)
    return out, ids


def _values(record: TaskRecord) -> dict[str, Any]:
    """The fields a source sets, as gitmem stores them."""
    return {"title": clean(record.title, MAX_TITLE), "description": clean(record.description, MAX_TEXT),
            "status": record.status, "priority": record.priority, "kind": record.kind,
            "owner": clean(record.owner, 200) or None}


def _labels(record: TaskRecord) -> set[str]:
    return {label(v) for v in record.labels} - {""}


def _log(record: TaskRecord) -> list[tuple[str, str]]:
    """The record's log lines (close reasons, comments) with ids that a re-import finds again."""
    return [(f"i-{binascii.crc32((record.key + chr(10) + text).encode()):08x}", clean(text, MAX_TEXT))
            for text in record.log]


def _fingerprint(record: TaskRecord) -> dict[str, Any]:
    """What the source said, compactly: a CRC-32 per field, the sets and the parent as source keys."""
    values = {**_values(record), "parent": record.parent}
    out: dict[str, Any] = {k: f"{binascii.crc32(json.dumps(v).encode()):08x}" for k, v in values.items()}
    out.update(labels=sorted(_labels(record)), depends_on=sorted(set(record.depends_on)))
    return out


def _metadata(source: str, record: TaskRecord, kept: Mapping[str, Any]) -> dict[str, Any]:
    info = plain({"source": source, "key": record.key, **{k: v for k, v in record.extra.items() if k != "metadata"},
                  "seen": _fingerprint(record)})
    return {**kept, **plain(record.extra.get("metadata") or {}), "import": info}


def _mapping(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def _follow_set(task: Task, name: str, had: set[str], has: set[str], to_id: Callable[[str], str | None], *,
                stamp: Stamp, now: str) -> Task:
    """``task`` with the set ``name`` following the source: elements the source added since
    (``had`` -> ``has``, in source keys) added, those it dropped removed; others untouched."""
    for key in has - had:
        target = to_id(key)
        if target and target != task.id and target not in task.members(name):
            task = edits.add_element(task, name, target, stamp=stamp, now=now)
    for key in had - has:
        target = to_id(key)
        if target and target in task.members(name):
            task = edits.remove_element(task, name, target, stamp=stamp, now=now)
    return task


def refresh(snap: Snapshot, source: str, records: Sequence[TaskRecord], report: ImportReport, *, ids: Mapping[str, str],
            stamp: Stamp, now: str) -> dict[str, Task]:
    """Tasks an earlier import made, changed where the source changed since: a field whose
    fingerprint moved takes the source's value; labels and dependencies the source added or
    dropped are added or removed; new log lines are appended. Tasks imported before ``seen``
    existed take every source value that differs."""
    out: dict[str, Task] = {}
    for record in records:
        task_id = ids.get(record.key)
        if task_id is None or not snap.has_task(task_id) or record.plan_key:
            continue
        task = snap.task(task_id)
        if task.deleted:
            report.skip("deleted in gitmem (left deleted)")
            continue
        meta = _mapping(task.get("metadata")) or {}
        seen = _mapping((_mapping(meta.get("import")) or {}).get("seen"))
        new = _fingerprint(record)
        values = {k: v for k, v in _values(record).items()
                  if (seen.get(k) != new[k] if seen is not None else task.get(k) != v and not (k == "kind" and v == "task"))}
        parent = ids.get(record.parent) if record.parent is not None else None
        if (seen is None or seen.get("parent") != new["parent"]) and parent and parent != task_id \
                and task.get("parent") != parent:
            values["parent"] = parent
        updated = task
        for name, to_id in (("labels", lambda k: k), ("depends_on", ids.get)):
            had = set(seen.get(name) or []) if seen is not None else set()
            updated = _follow_set(updated, name, had, set(new[name]), to_id, stamp=stamp, now=now)
        for entry_id, text in _log(record):
            if entry_id not in updated.log:
                updated = edits.append_log(updated, text, entry_id=entry_id, stamp=stamp, now=now)
        if updated == task and not values and seen == new:
            report.skip("unchanged since the last import")
            continue
        kept = {k: v for k, v in meta.items() if k != "import"}
        out[task_id] = edits.set_fields(updated, {**values, "metadata": _metadata(source, record, kept)}, stamp=stamp, now=now)
    report.updated.extend(out)
    return out
