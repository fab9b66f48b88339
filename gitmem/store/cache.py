"""Task summaries cached under ``.git/codex/cache``, so reads need not decode every blob.

A summary holds what lists, ``next``, ``status`` and ``context`` need. The cache maps
task id -> (blob id, summary) and remembers the ``tasks/`` tree it describes: when the
tree is unchanged nothing is listed; when it changed only new blobs are decoded. It is a
hint, never trusted: an unreadable or ill-shaped file is ignored and rebuilt, and an entry
is used only when its blob id matches the tree being read. ``marshal`` holds plain data.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from collections.abc import Callable, Mapping
from dataclasses import astuple, dataclass
from typing import Any

from gitmem.git.repo import Repo
from gitmem.models import Status, Task
from gitmem.store.local import clone_dir, write_atomic

_STATUSES = {s.value: s for s in Status}
CACHE_VERSION = 3
CACHE_FILE = f"summaries-v{CACHE_VERSION}.marshal"


@dataclass(frozen=True, slots=True)
class TaskSummary:
    """The fields of a task that reads need, with the same names as on ``Task``."""

    id: str
    title: str
    status_value: str
    priority: int
    kind_value: str
    parent: str | None
    owner: str | None
    plan_key: str | None
    created_at: str
    updated_at: str
    depends_on: tuple[str, ...]
    labels: tuple[str, ...]
    deleted: bool
    tombstoned: bool
    block_reason: str | None

    @property
    def status(self) -> Status:
        return _STATUSES[self.status_value]

    @classmethod
    def of(cls, task: Task) -> TaskSummary:
        reasons = [e.text for e in sorted(task.log.values(), key=lambda e: (e.at, e.id)) if e.text.startswith("block: ")]
        return cls(
            task.id, task.title, task.status.value, task.priority, task.kind.value, task.parent, task.owner,
            task.plan_key, task.created_at, task.updated_at, tuple(task.depends_on), tuple(task.labels),
            task.deleted, task.tombstone is not None, reasons[-1][len("block: "):] if reasons else None,
        )


Entries = dict[str, tuple[str, TaskSummary]]


def _path(repo: Repo) -> str:
    return os.path.join(clone_dir(repo), "cache", CACHE_FILE)


def _load(repo: Repo) -> tuple[str, dict[str, tuple[str, tuple[Any, ...]]]]:
    try:
        with open(_path(repo), "rb") as fh:
            value = marshal.load(fh)
    except (OSError, EOFError, ValueError, TypeError):
        return "", {}
    if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], dict)):
        return "", {}
    return value[0], value[1]


def _summary(raw: object) -> TaskSummary | None:
    if not isinstance(raw, tuple) or len(raw) != 15:
        return None
    try:
        summary = TaskSummary(*raw)
        if summary.status_value not in _STATUSES:
            return None
    except TypeError:
        return None
    return summary


def _valid(cached: dict[str, tuple[str, tuple[Any, ...]]], task_id: str) -> tuple[str, TaskSummary] | None:
    entry = cached.get(task_id)
    if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str)):
        return None
    summary = _summary(entry[1])
    return (entry[0], summary) if summary is not None and summary.id == task_id else None


def summaries(repo: Repo, tree: str | None, blobs: Callable[[], Mapping[str, str]],
              decode: Callable[[str], Task]) -> dict[str, TaskSummary]:
    """Summaries of the tasks in the ``tasks/`` tree ``tree``.

    Same tree as cached: no listing at all. Another tree: only the fan-out directories
    whose subtree changed are listed (a write touches one or two), and only blobs the cache
    does not hold are decoded. No usable cache: ``blobs`` lists everything.
    """
    if tree is None:
        return {}
    cached_tree, cached = _load(repo)
    entries: Entries = {}
    if cached_tree == tree:
        for task_id in cached:
            hit = _valid(cached, task_id)
            if hit is None:
                break
            entries[task_id] = hit
        else:
            return {k: v[1] for k, v in entries.items()}
        cached, cached_tree = {}, ""
    if cached_tree and repo.has_object(cached_tree):
        old, new = repo.tree_entries(cached_tree), repo.tree_entries(tree)
        changed = {d for d in set(old) | set(new) if old.get(d) != new.get(d)}
        for task_id in cached:
            hit = _valid(cached, task_id) if task_id[2:4] not in changed else None
            if hit is not None:
                entries[task_id] = hit
        listing = {path.rsplit("/", 1)[-1][: -len(".toml")]: oid
                   for d in sorted(changed) if new.get(d, ("", False))[1]
                   for path, oid in repo.iter_blobs(tree, d) if path.endswith(".toml")}
    else:
        listing = dict(blobs())
    for task_id, oid in listing.items():
        hit = _valid(cached, task_id)
        entries[task_id] = hit if hit is not None and hit[0] == oid else (oid, TaskSummary.of(decode(task_id)))
    with contextlib.suppress(OSError, ValueError):  # a cache that cannot be written only costs speed
        write_atomic(_path(repo), marshal.dumps((tree, {k: (o, astuple(s)) for k, (o, s) in entries.items()})))
    return {k: v[1] for k, v in entries.items()}
