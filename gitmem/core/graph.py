"""The task graph's rules: ids and prefixes, readiness, cycles, and graph rendering."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from typing import NamedTuple, Protocol, TypeVar

from gitmem.core.constants import ID_LENGTH, ID_PREFIX, MIN_PREFIX
from gitmem.core.errors import AmbiguousId, CycleError, UnknownId
from gitmem.core.models import Status
from gitmem.core.text import flat, random_base32

# Patterns as strings: ``re`` compiles each on first use, and a command that needs none pays nothing.
_ID_CHARS = r"^[a-z2-7]*$"


class TaskView(Protocol):
    """What the graph rules read of a task: a full ``Task`` or a cached ``TaskSummary``."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def status(self) -> Status: ...
    @property
    def priority(self) -> int: ...
    @property
    def parent(self) -> str | None: ...
    @property
    def created_at(self) -> str: ...
    @property
    def deleted(self) -> bool: ...
    @property
    def depends_on(self) -> Sequence[str]: ...


T = TypeVar("T", bound=TaskView)


def mint_id(taken: Callable[[str], bool] = lambda _: False) -> str:
    """A fresh random id (50 bits: collisions are astronomically rare, and checked anyway)."""
    while True:
        task_id = ID_PREFIX + random_base32(ID_LENGTH)
        if not taken(task_id):
            return task_id


def resolve(ids: Iterable[str], given: str) -> str:
    """The one id that ``given`` (a full id or unique prefix, ``t-`` optional) names."""
    text = given.strip().lower()
    if not text.startswith(ID_PREFIX):
        text = ID_PREFIX + text
    if len(text) <= len(ID_PREFIX) or not re.match(_ID_CHARS, text[len(ID_PREFIX) :]):
        raise UnknownId(f"not a task id: {given!r}", hint="task ids look like t-4kq9z2ab7m; see 'git codex tasks list'")
    matches = sorted(i for i in ids if i.startswith(text))
    if not matches:
        raise UnknownId(f"no task matches {given!r}", hint="see 'git codex tasks list --all'")
    if len(matches) > 1 and text not in matches:
        raise AmbiguousId(
            f"{given!r} is ambiguous: it matches {', '.join(matches[:10])}"
            + (f" and {len(matches) - 10} more" if len(matches) > 10 else ""),
            hint="give more characters of the id",
        )
    return text if text in matches else matches[0]


def short_ids(ids: Iterable[str]) -> dict[str, str]:
    """Shortest unique prefix of each id, at least MIN_PREFIX characters after ``t-``."""
    pending = list(ids)
    out: dict[str, str] = {}
    length = len(ID_PREFIX) + MIN_PREFIX
    while pending:
        counts = Counter(i[:length] for i in pending)
        rest = []
        for task_id in pending:
            if counts[task_id[:length]] == 1 or length >= len(task_id):
                out[task_id] = task_id[:length]
            else:
                rest.append(task_id)
        pending, length = rest, length + 1
    return out


def live(tasks: Mapping[str, T]) -> dict[str, T]:
    return {k: t for k, t in tasks.items() if not t.deleted}


class Lookup(Protocol):
    """Finds a task by id: a mapping of tasks, or a reader of a memory's blobs on demand."""

    def get(self, task_id: str, /) -> TaskView | None: ...


def open_parents(tasks: Mapping[str, TaskView]) -> frozenset[str]:
    """The tasks with a live child not done: an epic (or any parent) waits for its children."""
    return frozenset(t.parent for t in tasks.values() if t.parent and not t.deleted and not t.status.terminal)


def blockers(task: TaskView, tasks: Lookup, claims: Mapping[str, str], agent: str,
             parents: Container[str] = frozenset()) -> list[str]:
    """Why ``task`` is not ready, one reason per line; empty when it is ready. ``parents``:
    the tasks with children not done (``open_parents``)."""
    reasons = []
    if task.deleted:
        reasons.append("it is deleted")
    status = task.status
    if status not in (Status.PENDING, Status.IN_PROGRESS):
        reasons.append(f"its status is {status.value}")
    for dep in task.depends_on:
        other = tasks.get(dep)
        if other is None or other.deleted:
            continue
        if not other.status.terminal:
            reasons.append(f"it depends on {dep} ({other.title!r}), which is {other.status.value}")
    parent = tasks.get(task.parent) if task.parent else None
    if parent is not None and parent.status is Status.CANCELLED:
        reasons.append(f"its parent {parent.id} is cancelled")
    if task.id in parents:
        reasons.append("its children are not all done")
    holder = claims.get(task.id)
    if holder is not None and holder != agent:
        reasons.append(f"it is claimed by {holder}")
    return reasons


OPEN = (Status.PENDING, Status.IN_PROGRESS)
"""The statuses of a task that can be ready."""


def held(task: TaskView, tasks: Mapping[str, TaskView], parents: Container[str] = frozenset()) -> bool:
    """Whether a dependency not done, a cancelled parent or a child not done (``parents``)
    keeps ``task`` from being ready."""
    if task.id in parents:
        return True
    for dep in task.depends_on:
        other = tasks.get(dep)
        if other is not None and not other.deleted and not other.status.terminal:
            return True
    parent = tasks.get(task.parent) if task.parent else None
    return parent is not None and parent.status is Status.CANCELLED


def is_ready(task: TaskView, tasks: Mapping[str, TaskView], claims: Mapping[str, str], agent: str,
             parents: Container[str] = frozenset()) -> bool:
    """``not blockers(...)``, without building the reasons (the hot loop of ``next``)."""
    if task.deleted or task.status not in OPEN or held(task, tasks, parents):
        return False
    holder = claims.get(task.id)
    return holder is None or holder == agent


def ready_key(task: TaskView) -> tuple[bool, int, str, str]:
    """The ``next`` order: in progress first, then by priority, then oldest first."""
    return task.status is not Status.IN_PROGRESS, task.priority, task.created_at, task.id


def ready(tasks: Mapping[str, T], claims: Mapping[str, str], agent: str) -> list[T]:
    """Ready tasks in ``next`` order (``ready_key``)."""
    parents = open_parents(tasks)
    return sorted((t for t in tasks.values() if is_ready(t, tasks, claims, agent, parents)), key=ready_key)


OVERVIEW = "overview-v4"
"""Name (and rules version) of the kept ``Overview`` of a tasks tree."""


class Overview(NamedTuple):
    """What ``status`` and ``tasks next`` need of the whole graph; it depends on the tasks alone,
    so it is kept per tasks tree and those reads decode no summary at all."""

    counts: dict[str, int]
    """Live tasks by status value, sorted by status."""
    order: tuple[tuple[bool, int, str, str], ...]
    """``ready_key`` of each task ready while nobody holds a claim, sorted; claims only remove tasks."""
    unblocked: tuple[str, ...] = ()
    """The blocked tasks that would be ready if reopened (sorted): reopening one needs no more facts."""
    parents: tuple[str, ...] = ()
    """The tasks with a live child not done (``open_parents``, sorted): never ready."""

    @property
    def ready(self) -> list[str]:
        """The ids of ``order``."""
        return [key[3] for key in self.order]


def overview(tasks: Mapping[str, TaskView]) -> Overview:
    counts = Counter(t.status.value for t in live(tasks).values())
    parents = open_parents(tasks)
    unblocked = sorted(t.id for t in tasks.values()
                       if t.status is Status.BLOCKED and not t.deleted and not held(t, tasks, parents))
    return Overview(dict(sorted(counts.items())), tuple(ready_key(t) for t in ready(tasks, {}, "")), tuple(unblocked),
                    tuple(sorted(parents)))


def children(tasks: Mapping[str, TaskView], parent: str) -> list[str]:
    """The live tasks whose parent is ``parent``, sorted."""
    return sorted(t.id for t in tasks.values() if t.parent == parent and not t.deleted)


def short_id(task_id: str, fanout: Iterable[str]) -> str:
    """``short_ids(all ids)[task_id]``, from the ids of its fan-out directory alone: any id
    sharing its first MIN_PREFIX (>= 2) characters is in that directory."""
    return short_ids({task_id, *fanout})[task_id]


def find_path(tasks: Mapping[str, TaskView], start: str, goal: str, edges: str = "depends_on") -> list[str] | None:
    """A path start -> ... -> goal following ``edges`` (depends_on or parent), if any."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen = set()
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        if node in seen:
            continue
        seen.add(node)
        task = tasks.get(node)
        if task is None:
            continue
        nexts = task.depends_on if edges == "depends_on" else ([task.parent] if task.parent else [])
        stack.extend((n, [*path, n]) for n in nexts if n not in seen)
    return None


def check_new_edge(tasks: Mapping[str, TaskView], task_id: str, on: str, edges: str = "depends_on") -> None:
    """Refuse an edge task_id -> on that would close a cycle, naming the cycle."""
    if task_id == on:
        raise CycleError(f"{task_id} cannot depend on itself" if edges == "depends_on" else f"{task_id} cannot be its own parent")
    path = find_path(tasks, on, task_id, edges)
    if path is not None:
        cycle = " -> ".join([task_id, *path])
        raise CycleError(f"that would close a cycle: {cycle}", hint="remove one of those links first")


def find_cycles(tasks: Mapping[str, TaskView]) -> list[list[str]]:
    """Dependency cycles (merges can create them); each reported once, never looping."""
    color: dict[str, int] = {}
    cycles = []
    for root in sorted(tasks):
        if color.get(root):
            continue
        stack = [(root, iter(tasks[root].depends_on))]
        path = [root]
        color[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                color[node] = 2
                stack.pop()
                path.pop()
            elif child in tasks and color.get(child) == 1:
                cycles.append([*path[path.index(child) :], child])
            elif child in tasks and not color.get(child):
                color[child] = 1
                path.append(child)
                stack.append((child, iter(tasks[child].depends_on)))
    return cycles


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _mermaid_label(text: str) -> str:
    cleaned = "".join(c if c.isprintable() else " " for c in text)
    return '"' + cleaned.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;") + '"'


def render(tasks: Mapping[str, TaskView], fmt: str) -> str:
    """The dependency graph as text, Graphviz dot or Mermaid."""
    nodes = live(tasks)
    short = short_ids(tasks)
    order = sorted(nodes.values(), key=lambda t: (t.created_at, t.id))
    if fmt == "dot":
        lines = ["digraph tasks {", "  rankdir=LR;"]
        for t in order:
            shown = "\n".join(map(flat, t.title.split("\n")))  # dot shows a newline; nothing else raw
            label = f"{short[t.id]} {shown}\n[{t.status.value}]"
            lines.append(f"  {_dot_quote(t.id)} [label={_dot_quote(label)}];")
        for t in order:
            lines.extend(f"  {_dot_quote(dep)} -> {_dot_quote(t.id)};" for dep in t.depends_on if dep in nodes)
            if t.parent in nodes:  # membership: an undirected dashed line from the epic or milestone
                lines.append(f"  {_dot_quote(t.parent)} -> {_dot_quote(t.id)} [style=dashed, arrowhead=none];")
        lines.append("}")
        return "\n".join(lines) + "\n"
    if fmt == "mermaid":
        lines = ["graph LR"]
        for t in order:
            node = t.id.replace("-", "_")
            lines.append(f"  {node}[{_mermaid_label(f'{short[t.id]} {t.title} [{t.status.value}]')}]")
        for t in order:
            lines.extend(f"  {dep.replace('-', '_')} --> {t.id.replace('-', '_')}" for dep in t.depends_on if dep in nodes)
            if t.parent in nodes:
                lines.append(f"  {t.parent.replace('-', '_')} -.- {t.id.replace('-', '_')}")
        return "\n".join(lines) + "\n"
    lines = []
    for t in order:
        deps = [short.get(d, d) for d in t.depends_on if d in nodes]
        after = f"  (after {', '.join(deps)})" if deps else ""
        part_of = f"  (part of {short[t.parent]})" if t.parent in nodes else ""
        lines.append(f"{short[t.id]}  [{t.status.value}]  {flat(t.title)}{after}{part_of}")
    return "\n".join(lines) + ("\n" if lines else "")
