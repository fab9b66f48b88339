"""Task summaries cached under ``.git/codex/cache``, so reads need not decode every blob.

A summary holds what lists, ``next``, ``status`` and ``context`` need. The cache maps
task id -> (blob id, summary) and remembers the ``tasks/`` tree it describes: when the
tree is unchanged nothing is listed; when it changed only new blobs are decoded. It is a
hint, never trusted: a file that is not exactly as gitmem wrote it (its CRC-32 seal, ``sealed``) is
ignored and rebuilt, and an entry is used only when its blob id matches the tree being
read. ``marshal`` holds plain data only.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any, NamedTuple

from gitmem.core.models import Status, Task
from gitmem.derived import sealed
from gitmem.git.repo import Repo
from gitmem.store import events
from gitmem.store.local import clone_dir

_STATUSES = {s.value: s for s in Status}
CACHE_VERSION = 7
SUMMARIES = f"summaries-v{CACHE_VERSION}.marshal"
PLAN_KEYS = f"plan-keys-v{CACHE_VERSION}.marshal"
DERIVED = f"derived-v{CACHE_VERSION}"
MAX_DERIVED = 16
"""Derived files kept per name (one per ``tasks/`` tree: a few branches and recent states)."""


class TaskSummary(NamedTuple):
    """The fields of a task that reads need, with the same names as on ``Task``.

    A named tuple: it is stored as a plain tuple and thousands are rebuilt on every read.
    """

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



@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Tens of thousands of small tuples are made or loaded here: the cyclic collector only costs time."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _path(repo: Repo, name: str) -> str:
    return os.path.join(clone_dir(repo), "cache", name)


def _write_sealed(path: str, value: Any) -> None:
    with contextlib.suppress(OSError, ValueError):  # a cache that cannot be written only costs speed
        sealed.write(path, value)


def _load(path: str) -> tuple[str, dict[str, tuple[str, tuple[Any, ...]]]]:
    """The cached tree and raw entries; anything unreadable counts as empty."""
    value = sealed.read(path)
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], dict):
        return value[0], value[1]
    return "", {}


def _save(path: str, tree: str, raw: dict[str, tuple[str, tuple[Any, ...]]]) -> None:
    _write_sealed(path, (tree, raw))


def _index(repo: Repo, name: str, tree: str | None, blobs: Callable[[], Mapping[str, str]],
           project: Callable[[str], tuple[Any, ...] | None],
           worth: Callable[[str], bool] | None = None) -> dict[str, tuple[Any, ...]]:
    """task id -> ``project(task_id)`` for the tasks in the ``tasks/`` tree ``tree``, cached.

    Same tree as cached: no listing at all. Another tree: only the fan-out directories
    whose subtree changed are listed (a write touches one or two), and only blobs the cache
    does not hold are projected. No usable cache: ``blobs`` lists everything. A sparse
    index leaves out the tasks whose projection is None, and the blobs ``worth(blob id)``
    says cannot have one are not even decoded.
    """
    if tree is None:
        return {}
    path = _path(repo, name)
    with _collector_paused():
        cached_tree, cached = _load(path)
        index = name.partition("-v")[0]
        if cached_tree == tree:
            events.record(repo, "cache", hit=True, index=index)
            return {k: v[1] for k, v in cached.items()}
        events.record(repo, "cache", hit=False, index=index, incremental=bool(cached_tree))
        entries: dict[str, tuple[str, tuple[Any, ...]]] = {}
        new = repo.tree_entries(tree)
        width = _fan_width(new)
        if cached_tree and width and repo.has_object(cached_tree):
            old = repo.tree_entries(cached_tree)
            changed = {d for d in set(old) | set(new) if old.get(d) != new.get(d)}
            # A task is in the directory named by its first ``width`` id characters after
            # "t-" (the layout of the tree read: the cached tree may have another).
            entries = {k: v for k, v in cached.items() if k[2 : 2 + width] not in changed}
            listing = {p.rsplit("/", 1)[-1][: -len(".toml")]: oid
                       for d in sorted(changed) if new.get(d, ("", False))[1]
                       for p, oid in repo.iter_blobs(tree, d) if p.endswith(".toml")}
        else:
            listing = dict(blobs())
        for task_id, oid in listing.items():
            hit = cached.get(task_id)
            if hit is not None and hit[0] == oid:
                entries[task_id] = hit
            elif worth is None or worth(oid):
                value = project(task_id)
                if value is not None:
                    entries[task_id] = (oid, value)
        _save(path, tree, entries)
        return {k: v[1] for k, v in entries.items()}


def _fan_width(entries: Mapping[str, tuple[str, bool]]) -> int | None:
    """The one length of the fan-out directory names in a ``tasks/`` tree, or None (no
    directories, or a tree no gitmem wrote: then everything is listed)."""
    widths = {len(name) for name, (_, is_tree) in entries.items() if is_tree}
    return widths.pop() if len(widths) == 1 else None


def advance(repo: Repo, name: str, old_tree: str | None, new_tree: str | None,
            entries: Mapping[str, tuple[str, tuple[Any, ...]] | None]) -> None:
    """Carry the index ``name`` kept for ``old_tree`` forward to ``new_tree``, a writer's own
    tree that differs from it by ``entries`` (task id -> (blob id, projection), or None for a
    task a sparse index leaves out); the next reader then finds it current. Nothing happens
    unless the kept index is ``old_tree``'s."""
    if old_tree is None or new_tree is None:
        return
    path = _path(repo, name)
    with _collector_paused():
        cached_tree, cached = _load(path)
        if cached_tree == old_tree:
            kept = {k: v for k, v in cached.items() if k not in entries}
            _save(path, new_tree, kept | {k: v for k, v in entries.items() if v is not None})


def summaries(repo: Repo, tree: str | None, blobs: Callable[[], Mapping[str, str]],
              decode: Callable[[str], Task]) -> dict[str, TaskSummary]:
    """What reads need of every task in the ``tasks/`` tree ``tree``."""
    raw = _index(repo, SUMMARIES, tree, blobs, lambda task_id: tuple(TaskSummary.of(decode(task_id))))
    with _collector_paused():
        make = TaskSummary._make
        return {k: make(fields) for k, fields in raw.items()}


def plan_keys(repo: Repo, tree: str | None, blobs: Callable[[], Mapping[str, str]],
              decode: Callable[[str], Task]) -> dict[str, tuple[str, bool]]:
    """task id -> (plan_key, deleted) for the tasks that have a plan key: the index ``plan sync``
    needs. Sparse: agents' plans make a few tasks among thousands, and only the blobs whose
    bytes name the field are decoded (every task document gitmem writes spells it out)."""

    def project(task_id: str) -> tuple[str, bool] | None:
        task = decode(task_id)
        return (task.plan_key, task.deleted) if task.plan_key else None

    def worth(oid: str) -> bool:
        return b"plan_key" in repo.read_blob(oid)

    return {k: (str(v[0]), bool(v[1])) for k, v in _index(repo, PLAN_KEYS, tree, blobs, project, worth).items()}


def derived(repo: Repo, name: str, tree: str | None, compute: Callable[[], tuple[Any, ...]]) -> tuple[Any, ...]:
    """``compute()``, a plain tuple that depends only on the ``tasks/`` tree ``tree``, kept per tree.

    Reads such as ``status`` and ``tasks next`` need a few facts of the whole graph (counts,
    the ready order), not every summary: with the facts kept, they read no summary at all.
    ``name`` carries the version of the rules that compute it.
    """
    if tree is None:
        return compute()
    value = kept_derived(repo, name, tree)
    if value is not None:
        events.record(repo, "cache", hit=True, index=name)
        return value
    events.record(repo, "cache", hit=False, index=name)
    value = compute()
    keep_derived(repo, name, tree, value)
    return value


def kept_derived(repo: Repo, name: str, tree: str) -> tuple[Any, ...] | None:
    """The ``derived`` fact ``name`` kept for ``tree``, or None."""
    value = sealed.read(os.path.join(_path(repo, DERIVED), _derived_file(name, tree)))
    return value if isinstance(value, tuple) else None


def keep_derived(repo: Repo, name: str, tree: str, value: tuple[Any, ...]) -> None:
    """Keep ``value`` as the fact ``name`` of ``tree`` (at least the newest 16 trees per name)."""
    folder = _path(repo, DERIVED)
    _write_sealed(os.path.join(folder, _derived_file(name, tree)), value)
    sealed.keep_newest(folder, f"{name}-", MAX_DERIVED)


def link_derived(repo: Repo, name: str, tree: str, to_tree: str) -> bool:
    """Keep the fact ``name`` of ``tree`` as that of ``to_tree`` too, when a writer knows the
    two are equal: a hard link, so a large fact costs no copy (False when none is kept for
    ``tree`` or the file system has no hard links). Both names become the newest."""
    folder = _path(repo, DERIVED)
    source, target = (os.path.join(folder, _derived_file(name, t)) for t in (tree, to_tree))
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
        os.link(source, target)
        os.utime(target)  # one inode: the kept fact is the newest under every name
    except OSError:
        return False
    sealed.keep_newest(folder, f"{name}-", MAX_DERIVED)
    return True


def _derived_file(name: str, tree: str) -> str:
    return f"{name}-{tree}.marshal"


def remove_stale(repo: Repo, current: set[str]) -> tuple[int, int]:
    """Delete what earlier cache versions left in the cache folder: every entry that is not
    of this version (``-v{CACHE_VERSION}``) nor named in ``current``, and not a file being
    written (``.tmp``). Returns (entries, bytes) removed."""
    folder = _path(repo, "")
    removed = size = 0
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if f"-v{CACHE_VERSION}" in entry.name or entry.name in current or entry.name.endswith(".tmp"):
                continue
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    files = [f for f in os.scandir(entry.path) if f.is_file(follow_symlinks=False)]
                    size += sum(f.stat().st_size for f in files)
                    for f in files:
                        os.remove(f.path)
                    os.rmdir(entry.path)
                else:
                    size += entry.stat(follow_symlinks=False).st_size
                    os.remove(entry.path)
                removed += 1
    return removed, size


MAX_PER_BLOB = 64
"""Entries kept per ``per_blob`` name unless it says otherwise."""


def per_blob(repo: Repo, name: str, blobs: Mapping[str, str], compute: Callable[[str], tuple[Any, ...]],
             *, limit: int = MAX_PER_BLOB) -> dict[str, tuple[Any, ...]]:
    """key -> ``compute(key)`` for each key of ``blobs`` (key -> blob id), kept by blob id: a
    blob's content never changes, so only blobs not seen before are decoded."""
    path = _blob_path(repo, name)
    known = _kept(path)
    out = {key: known.get(oid) or compute(key) for key, oid in blobs.items()}
    fresh = {blobs[k]: v for k, v in out.items() if blobs[k] not in known}
    if fresh:
        _keep(path, known, fresh, limit)
    return out


def seed(repo: Repo, name: str, values: Mapping[str, tuple[Any, ...]], *, replaces: Collection[str] = (),
         limit: int = MAX_PER_BLOB) -> None:
    """Add blob id -> value entries to ``per_blob``'s ``name``: a writer that has just built a
    blob's document saves its next reader the parsing. The blobs it ``replaces`` (the same
    records before this write) are dropped: a session rewritten every turn would otherwise
    fill the file with its own past versions."""
    path = _blob_path(repo, name)
    _keep(path, {k: v for k, v in _kept(path).items() if k not in replaces}, values, limit)


def _blob_path(repo: Repo, name: str) -> str:
    return _path(repo, f"{name}-v{CACHE_VERSION}.marshal")


_SEEN: dict[str, tuple[tuple[int, int, int], dict[str, tuple[Any, ...]]]] = {}
"""The ``per_blob`` files this process read or wrote, by path, with the file's identity then:
a write that follows a read of the same file (``session log``) does not read it again."""


def _identity(path: str) -> tuple[int, int, int] | None:
    """(inode, size, mtime): a file replaced by rename is another inode."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns


def _kept(path: str) -> dict[str, tuple[Any, ...]]:
    """The entries of a ``per_blob`` file (empty if unreadable); never to be changed in place."""
    identity = _identity(path)
    if identity is None:
        return {}
    seen = _SEEN.get(path)
    if seen is not None and seen[0] == identity:
        return seen[1]
    kept = sealed.read(path)
    known = kept if isinstance(kept, dict) else {}
    _SEEN[path] = (identity, known)
    return known


def _keep(path: str, known: Mapping[str, Any], fresh: Mapping[str, Any], limit: int) -> None:
    merged = {**{k: v for k, v in known.items() if k not in fresh}, **fresh}
    value = dict(list(merged.items())[-limit:])
    _write_sealed(path, value)
    identity = _identity(path)
    if identity is not None:
        _SEEN[path] = (identity, value)
