"""The task part of ``context``'s brief, kept per tasks tree and carried across writes.

A ``Board`` lists the tasks in progress, ready and blocked (each by priority, then age, cut
to ``KEEP`` rows) with their totals. Computing it takes every summary: at 10,000 tasks
about 60 ms, the whole cost of ``context`` after a write. So a ``context`` that finds no
board for its tasks tree first tries to carry the board of a recent memory commit's tree
forward (``carried``): a few tasks changed between the two, the ``Overview`` of both trees
is kept (the write carried it), and the new board follows from the old one, the two
overviews and the changed tasks, with only the rows that change read from their blobs. A
property test holds every carried board to a fresh one; anything doubtful gives None and
the board is computed.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from typing import Any, NamedTuple

from gitmem.core import graph
from gitmem.core.models import Status
from gitmem.derived import carry, reads
from gitmem.derived.index import TaskSummary
from gitmem.store.memory import MemoryStore, Snapshot

BOARD = "board-v3"
"""Name (and rules version) of the kept ``Board`` of a tasks tree."""
KEEP = 6000 // 12 + 40
"""Rows kept per list: more than the default budget can show (no item is under 12
characters), with room for a carried board to lose a few rows before it falls short."""
MAX_CARRIED = 16
"""At most this many changed tasks between the two trees: more, and the board is computed."""
LOOK_BACK = 4
"""Memory commits looked back through for a kept board."""


class Row(NamedTuple):
    """One task as the brief shows it."""

    id: str
    short: str
    title: str
    priority: int
    created_at: str
    updated_at: str
    blocked: bool
    """Its status is blocked (else pending or in progress)."""
    block_reason: str | None
    reasons: tuple[str, ...]
    """Why it is not ready, claims left aside (``graph.blockers``); only on blocked rows."""
    depends_on: tuple[str, ...]
    parent: str | None
    """The links its reasons depend on: a carried board rebuilds the rows they name."""


class Board(NamedTuple):
    """The task part of the brief, which depends on the tasks alone: kept per tasks tree."""

    doing: tuple[Row, ...]
    ready: tuple[Row, ...]
    blocked: tuple[Row, ...]
    totals: tuple[int, int, int]
    """Lengths of the three lists before they were cut to ``KEEP``."""
    live: int
    done: int
    last_update: str | None


def _order(row: Row | TaskSummary) -> tuple[int, str, str]:
    return row.priority, row.created_at, row.id


def row_of(t: TaskSummary, short: str, tasks: graph.Lookup | None = None, parents: Container[str] = frozenset()) -> Row:
    """``t``'s row; with ``tasks`` (a blocked row), the reasons it is not ready (``parents``:
    the tasks whose children are not all done)."""
    reasons = tuple(graph.blockers(t, tasks, {}, "", parents)) if tasks is not None else ()
    return Row(t.id, short, t.title, t.priority, t.created_at, t.updated_at, t.status is Status.BLOCKED,
               t.block_reason, reasons, tuple(t.depends_on), t.parent)


def board(tasks: Mapping[str, TaskSummary], keep: int) -> Board:
    """In progress (by priority), ready and blocked (by priority, then age), claims left aside."""
    short = graph.short_ids(tasks)
    live = graph.live(tasks)
    parents = graph.open_parents(tasks)
    doing: list[TaskSummary] = []
    ready: list[TaskSummary] = []
    blocked: list[TaskSummary] = []
    for t in live.values():
        if t.status is Status.IN_PROGRESS:
            doing.append(t)
        elif t.status is Status.PENDING and graph.is_ready(t, tasks, {}, "", parents):
            ready.append(t)
        elif t.status in (Status.PENDING, Status.BLOCKED):
            blocked.append(t)

    def first(found: list[TaskSummary], reasons: bool = False) -> tuple[Row, ...]:
        # Sorted and cut first: rows (and reasons, with their dependency lookups) only for what is kept.
        return tuple(row_of(t, short[t.id], tasks if reasons else None, parents) for t in sorted(found, key=_order)[:keep])

    return Board(first(doing), first(ready), first(blocked, reasons=True), (len(doing), len(ready), len(blocked)),
                 len(live), sum(t.status.terminal for t in live.values()),
                 max((t.updated_at for t in live.values()), default=None))


def _insert(rows: list[Row], complete: bool, row: Row) -> None:
    """Insert ``row`` in order into ``rows``, the first rows of a longer list unless
    ``complete``: past the last of them it is left out (the rows after are unknown)."""
    key = _order(row)
    at = next((n for n, r in enumerate(rows) if _order(r) > key), len(rows))
    if at < len(rows) or complete:
        rows.insert(at, row)


def carried(kept: Board, old: graph.Overview, new: graph.Overview, before: Mapping[str, TaskSummary | None],
            after: Mapping[str, TaskSummary], row_for: Callable[[str, bool], Row], keep: int = KEEP) -> Board | None:
    """The board (lists cut to ``keep``) of the tasks after a change to the tasks of ``after``
    (as they were in ``before``; None: new), from the board and overview kept before it and
    the overview after it; None when that is not certain. ``row_for(id, with_reasons)`` builds
    a task's row as the tree after the change has it. A list that was cut may come out
    shorter than ``keep``: its rows are still the first of the list."""
    changed = set(after)
    if any(t is not None and t.parent for t in (*after.values(), *before.values())):
        return None  # a child's change moves its parent's row, which may not be among the changed
    for task_id, new_task in after.items():
        old_task = before.get(task_id)
        if new_task.deleted or (old_task is not None and (old_task.deleted or old_task.updated_at > new_task.updated_at)):
            return None
    rows = {r.id: r for r in (*kept.doing, *kept.ready, *kept.blocked)}
    added = [t for t in changed if before.get(t) is None]
    if any(t.startswith(r.short) for t in added for r in rows.values()):
        return None  # a new id shares a shown short id: it grows, and so would others
    was_ready = {key[3] for key in old.order if key[0]}
    ready_ids = [key[3] for key in new.order if key[0]]
    now_ready = set(ready_ids)

    def ready_row(task_id: str) -> Row:
        found = rows.get(task_id)
        return row_for(task_id, False) if found is None or task_id in changed else found._replace(reasons=())

    ready = tuple(ready_row(t) for t in ready_ids[:keep])

    doing = [r for r in kept.doing if r.id not in changed]
    doing_complete = len(kept.doing) == kept.totals[0]
    for task_id in sorted(changed):
        if after[task_id].status is Status.IN_PROGRESS:
            _insert(doing, doing_complete, row_for(task_id, False))

    touched = changed | (was_ready ^ now_ready)
    blocked = [row_for(r.id, True) if changed & {*r.depends_on, r.parent} else r
               for r in kept.blocked if r.id not in touched]
    blocked_complete = len(kept.blocked) == kept.totals[2]
    for task_id in sorted(changed | (was_ready - now_ready)):
        status = after[task_id].status if task_id in after else Status.PENDING
        if status is Status.BLOCKED or (status is Status.PENDING and task_id not in now_ready):
            _insert(blocked, blocked_complete, row_for(task_id, True))

    counts = new.counts
    totals = (counts.get(Status.IN_PROGRESS.value, 0), len(ready_ids),
              counts.get(Status.PENDING.value, 0) + counts.get(Status.BLOCKED.value, 0) - len(ready_ids))
    lists = (tuple(doing[:keep]), ready, tuple(blocked[:keep]))
    if any(complete and len(rows_) != min(total, keep)
           for complete, rows_, total in zip((doing_complete, True, blocked_complete), lists, totals, strict=True)):
        return None  # the kept facts disagree with each other: compute
    stamps = [s for s in (kept.last_update, *(t.updated_at for t in after.values())) if s is not None]
    return Board(*lists, totals, sum(counts.values()),
                 counts.get(Status.COMPLETED.value, 0) + counts.get(Status.CANCELLED.value, 0),
                 max(stamps, default=None))


def _raw(found: Board) -> tuple[Any, ...]:
    return (*(tuple(tuple(r) for r in rows) for rows in found[:3]), *found[3:])


def _cooked(raw: tuple[Any, ...]) -> Board:
    doing, ready, blocked, totals, live, done, last_update = raw
    def rows(raw_rows: tuple[tuple[Any, ...], ...]) -> tuple[Row, ...]:
        return tuple(Row._make(r) for r in raw_rows)

    return Board(rows(doing), rows(ready), rows(blocked), totals, live, done, last_update)


class _Reader:
    """Tasks of one memory read on demand by id (``graph.Lookup``), as summaries."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        self.found: dict[str, TaskSummary | None] = {}

    def get(self, task_id: str, /) -> TaskSummary | None:
        if task_id not in self.found:
            self.found[task_id] = TaskSummary.of(self.snap.task(task_id)) if self.snap.has_task(task_id) else None
        return self.found[task_id]


def _changed_ids(snap: Snapshot, old: Snapshot) -> list[str] | None:
    """The tasks whose blobs differ between two tasks trees of one layout (None: a task was
    removed, the layouts differ, or more than MAX_CARRIED changed)."""
    repo = snap.repo
    new_tree, old_tree = snap.tasks_tree(), old.tasks_tree()
    if new_tree is None or old_tree is None or snap.meta.format != old.meta.format:
        return None
    new_dirs, old_dirs = repo.tree_entries(new_tree), repo.tree_entries(old_tree)
    changed: list[str] = []
    for name in sorted(set(new_dirs) | set(old_dirs)):
        if new_dirs.get(name) == old_dirs.get(name):
            continue
        now, then = repo.tree_entries(new_tree, name), repo.tree_entries(old_tree, name)
        if set(then) - set(now):
            return None
        changed.extend(n[: -len(".toml")] for n, entry in now.items() if then.get(n) != entry and n.endswith(".toml"))
        if len(changed) > MAX_CARRIED:
            return None
    return changed


def _carry(snap: Snapshot) -> Board | None:
    """The board of ``snap``'s tasks tree carried from that of a recent memory commit."""
    new = reads.kept_fact(snap, graph.OVERVIEW)
    if new is None or snap.commit is None:
        return None
    store, commit = MemoryStore(snap.repo), snap.commit
    for _ in range(LOOK_BACK):
        parents = snap.repo.commit_info(commit).parents
        old_snap = store.load_commit(snap.ref, parents[0]) if parents else None
        if old_snap is None:
            return None
        commit = parents[0]
        old = reads.kept_fact(old_snap, graph.OVERVIEW)  # the smaller file first: no board is read in vain
        kept = reads.kept_fact(old_snap, BOARD) if old is not None else None
        if kept is not None and old is not None:
            break
    else:
        return None
    changed = _changed_ids(snap, old_snap)
    if changed is None:
        return None
    reader = _Reader(snap)
    before = {t: TaskSummary.of(old_snap.task(t)) if old_snap.has_task(t) else None for t in changed}
    after = {t: found for t in changed if (found := reader.get(t)) is not None}
    waiting_on_children = frozenset(graph.Overview(*new).parents)

    def row_for(task_id: str, with_reasons: bool) -> Row:
        summary = reader.get(task_id)
        assert summary is not None
        short = graph.short_id(task_id, snap.fanout_ids(task_id))
        return row_of(summary, short, reader if with_reasons else None, waiting_on_children)

    return carried(_cooked(kept), graph.Overview(*old), graph.Overview(*new), before, after, row_for)


def kept_board(snap: Snapshot, cap: int) -> Board:
    """The board of ``snap``'s tasks tree with the first ``cap`` rows of every list: kept, else
    carried, else computed (which keeps the overview too when none is kept, so that writes
    carry it and the next board is carried). Over ``KEEP`` rows it is computed."""

    def compute() -> Board:
        fresh = board(reads.summaries(snap), max(cap, KEEP))
        carry.overview(snap)
        return fresh

    if cap > KEEP:
        return compute()
    made: list[Board] = []  # a board carried or computed here is not rebuilt from its raw form

    def carried_or_computed() -> tuple[Any, ...]:
        made.append(_carry(snap) or compute())
        return _raw(made[0])

    raw = reads.fact(snap, BOARD, carried_or_computed)
    found = made[0] if made else _cooked(raw)
    if not _enough(found, cap):  # a carried board that lost rows from the end of a list
        found = compute()
        reads.keep_fact(snap, BOARD, _raw(found))
    return found


def _enough(found: Board, cap: int) -> bool:
    """Whether ``found`` has the first ``cap`` rows of every list (or all of a shorter one)."""
    return all(len(rows) >= min(cap, total) for rows, total in zip(found[:3], found.totals, strict=True))
