"""Carrying the graph facts of a tasks tree across a task write, so the next read computes none.

``status`` and ``tasks next`` read the ``Overview`` kept for the tasks tree (``graph.py``).
A task write that can tell the overview of the tree it writes from the one kept for the
tree it built on keeps it too, and the next read finds it:

- without more facts, for a new task with neither dependency nor parent, and for any move
  between pending, in progress and blocked (the overview lists the blocked tasks nothing
  holds up, so a reopened blocked task is ready exactly when it is among them);
- with the task ``Links`` of the tree it built on, also for a completion, a cancellation
  and a reopening of a done task: the links say which tasks wait on which, so the tasks a
  change frees or holds are found without the summaries of all the others.

Anything else (a changed dependency or parent, a deletion, several tasks of which one
needs the links) leaves the overview to be computed on read. Property tests hold every
carried overview and every carried ``Links`` to a fresh computation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, NamedTuple

from gitmem.core import graph
from gitmem.core.errors import CorruptMemory
from gitmem.core.graph import OPEN, TaskView
from gitmem.core.models import Status, Task
from gitmem.derived import index, reads

if TYPE_CHECKING:
    from gitmem.store.memory import Change, Snapshot

LINKS = "links-v1"
"""Name (and rules version) of the kept ``Links`` of a tasks tree."""


class Links(NamedTuple):
    """Who waits on whom, among the live tasks that are not done (completed or cancelled)."""

    waiting: dict[str, int]
    """Task -> how many of its dependencies are live and not done (only tasks with one or more)."""
    dependents: dict[str, tuple[str, ...]]
    """Task -> the live, not done tasks that list it as a dependency (sorted)."""
    children: dict[str, tuple[str, ...]]
    """Task -> its live, not done children (sorted)."""
    orphaned: tuple[str, ...]
    """Live, not done tasks whose parent is cancelled (sorted): never ready."""


def _pending(task: TaskView | None) -> bool:
    """Whether ``task`` holds up its dependents: it exists, is live and is not done."""
    return task is not None and not task.deleted and not task.status.terminal


def links(tasks: Mapping[str, TaskView]) -> Links:
    waiting: dict[str, int] = {}
    dependents: dict[str, list[str]] = {}
    children: dict[str, list[str]] = {}
    orphaned = []
    for task in tasks.values():
        if not _pending(task):
            continue
        count = 0
        for dep in task.depends_on:
            dependents.setdefault(dep, []).append(task.id)
            count += _pending(tasks.get(dep))
        if count:
            waiting[task.id] = count
        if task.parent:
            children.setdefault(task.parent, []).append(task.id)
            parent = tasks.get(task.parent)
            if parent is not None and parent.status is Status.CANCELLED:
                orphaned.append(task.id)
    return Links(waiting, _frozen(dependents), _frozen(children), tuple(sorted(orphaned)))


def _frozen(table: Mapping[str, list[str]]) -> dict[str, tuple[str, ...]]:
    """``table`` as stored: sorted tuples, no empty entry."""
    return {k: tuple(sorted(v)) for k, v in table.items() if v}


class _Graph:
    """An overview and the links being moved together through one task's change."""

    def __init__(self, kept: graph.Overview, lookup: Callable[[str], TaskView | None]) -> None:
        self.counts = dict(kept.counts)
        self.order = {key[3]: key for key in kept.order}
        self.unblocked = set(kept.unblocked)
        self.parents = set(kept.parents)
        self.lookup = lookup
        self.known: Links | None = None
        """The links of the tree before the write, once ``use`` loaded them."""
        self.waiting: dict[str, int] = {}
        self.dependents: dict[str, list[str]] = {}
        self.children: dict[str, list[str]] = {}
        self.orphaned: set[str] = set()
        self.changed = False

    def use(self, known: Links) -> None:
        """Work with ``known``, read as it is until a change needs copies of it (``_own``)."""
        self.known = known
        self.waiting = known.waiting
        self.orphaned = set(known.orphaned)

    def _own(self) -> None:
        """Copy the tables before the first change (a move that frees nothing copies none)."""
        if not self.changed and self.known is not None:
            self.changed = True
            self.waiting = dict(self.known.waiting)
            self.dependents = {k: list(v) for k, v in self.known.dependents.items()}
            self.children = {k: list(v) for k, v in self.known.children.items()}

    def free(self, task_id: str) -> bool:
        """Nothing it depends on holds it up, its parent is not cancelled, its children are done."""
        return task_id not in self.waiting and task_id not in self.orphaned and task_id not in self.parents

    def place(self, task: TaskView, free: bool) -> None:
        """Put ``task`` in the ready order, or among the unblocked, as its status and ``free`` say."""
        self.order.pop(task.id, None)
        self.unblocked.discard(task.id)
        if free and not task.deleted:
            if task.status in OPEN:
                self.order[task.id] = graph.ready_key(task)
            elif task.status is Status.BLOCKED:
                self.unblocked.add(task.id)

    def consider(self, task_id: str) -> None:
        """Place ``task_id``, which the write left alone, now that what held it may be gone."""
        task = self.lookup(task_id)
        if task is not None:
            self.place(task, self.free(task_id))

    def finish(self, task: TaskView) -> None:
        """``task``, live and not done, is now completed or cancelled."""
        self._own()
        self.waiting.pop(task.id, None)
        self.orphaned.discard(task.id)
        for dep in task.depends_on:
            _remove(self.dependents, dep, task.id)
        if task.parent:
            _remove(self.children, task.parent, task.id)
            if not self.children.get(task.parent):  # its last child not done: the parent may be ready
                self.parents.discard(task.parent)
                self.consider(task.parent)
        for other in self.dependents.get(task.id, []):
            left = self.waiting.get(other, 0) - 1
            if left > 0:
                self.waiting[other] = left
            else:
                self.waiting.pop(other, None)
                self.consider(other)
        if task.status is Status.CANCELLED:
            for child in self.children.get(task.id, []):
                self.orphaned.add(child)
                self.order.pop(child, None)
                self.unblocked.discard(child)

    def reopen(self, old: TaskView, task: TaskView) -> None:
        """``task`` was done (``old``) and is now live and not done."""
        self._own()
        for other in self.dependents.get(task.id, []):
            self.waiting[other] = self.waiting.get(other, 0) + 1
            self.order.pop(other, None)
            self.unblocked.discard(other)
        count = 0
        for dep in task.depends_on:
            self.dependents.setdefault(dep, []).append(task.id)
            count += _pending(self.lookup(dep))
        if count:
            self.waiting[task.id] = count
        if task.parent:
            self.children.setdefault(task.parent, []).append(task.id)
            self.parents.add(task.parent)  # a child not done again: the parent waits for it
            self.order.pop(task.parent, None)
            self.unblocked.discard(task.parent)
            parent = self.lookup(task.parent)
            if parent is not None and parent.status is Status.CANCELLED:
                self.orphaned.add(task.id)
        if old.status is Status.CANCELLED:
            for child in self.children.get(task.id, []):
                self.orphaned.discard(child)
                if child != task.id:
                    self.consider(child)

    def result(self) -> tuple[graph.Overview, Links | None]:
        """The overview, and the links if the change moved them (None: as they were)."""
        counts = dict(sorted((s, n) for s, n in self.counts.items() if n > 0))
        overview = graph.Overview(counts, tuple(sorted(self.order.values())), tuple(sorted(self.unblocked)),
                                  tuple(sorted(self.parents)))
        if not self.changed:
            return overview, None
        return overview, Links(self.waiting, _frozen(self.dependents), _frozen(self.children), tuple(sorted(self.orphaned)))


def _remove(table: dict[str, list[str]], key: str, value: str) -> None:
    values = table.get(key)
    if values is not None and value in values:
        values.remove(value)


def advanced(kept: graph.Overview, before: Mapping[str, TaskView | None], after: Mapping[str, TaskView],
             links: Callable[[], Links | None] = lambda: None,
             lookup: Callable[[str], TaskView | None] = lambda _: None) -> tuple[graph.Overview, Links | None] | None:
    """The overview (and the links, if it moved them; None: as they were) of the tasks after a
    write that changed only the tasks of ``after`` (as they were in ``before``; None: new),
    from those kept for the tasks before it; None when that takes the whole graph. ``links``
    gives the links before the write, asked for only when a task is done or reopened;
    ``lookup`` the tasks the write left alone (None: no such task), for the few whose
    readiness it changes."""
    work = _Graph(kept, lambda i: after[i] if i in after else lookup(i))
    for task_id, new in after.items():
        old = before.get(task_id)
        if new.deleted or (old is not None and old.deleted):
            return None
        if old is None:
            if new.depends_on or new.parent or new.status.terminal:
                return None
            free = True
        else:
            if (tuple(old.depends_on) != tuple(new.depends_on) or old.parent != new.parent
                    or old.created_at != new.created_at):
                return None
            was_done, done = old.status.terminal, new.status.terminal
            if not was_done and not done:
                # Free now as before: a task not done is free exactly when it is ready or unblocked.
                free = task_id in work.order or task_id in work.unblocked
            else:
                known = None if len(after) > 1 or (was_done and done) else links()
                if known is None:
                    return None  # it frees or holds up other tasks, or its own dependencies decide
                work.use(known)
                if done:
                    work.finish(new)
                    free = False
                else:
                    work.reopen(old, new)
                    free = work.free(task_id)
            work.counts[old.status.value] -= 1
        work.counts[new.status.value] = work.counts.get(new.status.value, 0) + 1
        work.place(new, free)
    return work.result()


def overview(snap: Snapshot) -> graph.Overview:
    """Counts and the claim-free ready order of ``snap``'s tasks, kept per tasks tree. Computed
    from the summaries, it is kept with the tree's ``Links`` for the writes that follow."""

    def compute() -> tuple[object, ...]:
        summaries = reads.summaries(snap)
        reads.keep_fact(snap, LINKS, tuple(links(summaries)))
        return tuple(graph.overview(summaries))

    return graph.Overview(*reads.fact(snap, graph.OVERVIEW, compute))


def after_write(base: Snapshot, before: Mapping[str, Task | None], change: Change, tree: str | None) -> None:
    """After a write built on ``base`` made the tasks tree ``tree``, keep its overview (and
    links) when they follow from those kept for ``base`` (``advanced``): the next ``status``
    or ``tasks next`` then reads no summary. Any doubt leaves them to be computed when read."""
    kept = reads.kept_fact(base, graph.OVERVIEW)
    base_tree = base.tasks_tree()
    if kept is None or base_tree is None or tree is None:
        return

    def links() -> Links | None:
        stored = reads.kept_fact(base, LINKS)
        return Links(*stored) if stored is not None else None

    def lookup(task_id: str) -> Task | None:
        return base.task(task_id) if base.has_task(task_id) else None

    try:
        found = advanced(graph.Overview(*kept), before, change.tasks, links, lookup)
    except CorruptMemory:  # a damaged neighbour: the next read reports it
        return
    if found is None:
        return
    index.keep_derived(base.repo, graph.OVERVIEW, tree, tuple(found[0]))
    if found[1] is None:  # the write moved no link: the same facts under the new tree's name
        index.link_derived(base.repo, LINKS, base_tree, tree)
    else:
        index.keep_derived(base.repo, LINKS, tree, tuple(found[1]))
