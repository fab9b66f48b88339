"""Task graph operations: each write is one memory commit built from the newest memory."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from gitmem.core import edits, graph, inputs
from gitmem.core.constants import ID_LENGTH, ID_PREFIX
from gitmem.core.errors import GitmemError, InvalidInput, InvalidState
from gitmem.core.models import Claim, Kind, Stamp, Status, Task
from gitmem.core.text import random_base32
from gitmem.derived import carry, reads
from gitmem.derived.index import TaskSummary
from gitmem.engine.workspace import Workspace, utc_now
from gitmem.store import claims as claim_store
from gitmem.store.memory import Change, Snapshot


class TaskSet(NamedTuple):
    """Task summaries read from one memory (full records on demand), with display ids."""

    snapshot: Snapshot
    tasks: dict[str, TaskSummary]
    short: dict[str, str]
    claims: dict[str, Claim]

    def full(self, task_id: str) -> Task:
        return self.snapshot.task(task_id)



def resolve_id(snap: Snapshot, given: str) -> str:
    """``resolve`` against a memory: a full id is looked up directly, a prefix via the summaries."""
    text = given.strip().lower()
    full = text if text.startswith(ID_PREFIX) else ID_PREFIX + text
    if len(full) == len(ID_PREFIX) + ID_LENGTH and snap.has_task(full):
        return full
    return graph.resolve(reads.summaries(snap), given)

def read_all(ws: Workspace) -> TaskSet:
    snap = ws.require_snapshot()
    tasks = reads.summaries(snap)
    return TaskSet(snap, tasks, graph.short_ids(tasks), claim_store.load_claims(ws.repo))


def _live_task(snap: Snapshot, given: str) -> Task:
    task = reads.task(snap, resolve_id(snap, given))
    if task.deleted:
        raise InvalidState(f"task {task.id} is deleted", hint="see 'git codex tasks show " + task.id + "'")
    return task


def _commit_for(ws: Workspace, rev: str) -> str:
    commit = ws.repo.resolve_commit(rev)
    if commit is None:
        raise InvalidInput(f"not a commit: {rev!r}", hint="give a commit id, branch or tag")
    return commit


def _labels(name: str, values: Iterable[str]) -> list[str]:
    return [inputs.label(name, v) for v in values]


def _kind(value: str) -> str:
    try:
        return Kind(value).value
    except ValueError:
        raise InvalidInput(f"unknown kind {value!r}", hint="use task, epic or milestone") from None


def add(
    ws: Workspace,
    title: str,
    *,
    description: str = "",
    after: Sequence[str] = (),
    parent: str | None = None,
    priority: int = 2,
    labels: Sequence[str] = (),
    adr: Sequence[str] = (),
    kind: str = "task",
    owner: str | None = None,
) -> Task:
    """Add one task; prints nothing, returns the new record."""
    title = inputs.title(title)
    description = inputs.text("description", description)
    fields: dict[str, Any] = {
        "description": description,
        "kind": _kind(kind),
        "priority": inputs.priority(priority),
        "owner": inputs.text("owner", owner, limit=200) if owner else None,
    }
    sets = {"labels": _labels("label", labels), "adr": _labels("adr id", adr)}
    def build(snap: Snapshot) -> Change:
        deps = [_live_task(snap, d).id for d in after]
        parent_id = _live_task(snap, parent).id if parent else None
        task_id = graph.mint_id(snap.has_task)
        stamp = snap.stamp(ws.actor)
        task = edits.new_task(
            task_id, title, stamp=stamp, now=utc_now(),
            fields={**fields, "parent": parent_id}, sets={**sets, "depends_on": deps},
        )
        return Change(f"tasks add {task_id}: {_one_line(title)}", {task_id: task}, clock=stamp.lamport)

    change, _ = ws.write(build)
    assert change is not None
    return next(iter(change.tasks.values()))


def _one_line(text: str, limit: int = 72) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _update(ws: Workspace, given: str, verb: str, apply: Any, *, allow_deleted: bool = False) -> Task:
    """Resolve ``given``, apply ``apply(snap, task, stamp, now) -> Task`` and commit if changed."""
    result: list[Task] = []

    def build(snap: Snapshot) -> Change | None:
        result.clear()
        task = reads.task(snap, resolve_id(snap, given)) if allow_deleted else _live_task(snap, given)
        stamp = snap.stamp(ws.actor)
        updated = apply(snap, task, stamp, utc_now())
        result.append(updated)
        if updated == task:
            return None
        return Change(f"tasks {verb} {task.id}: {_one_line(task.title)}", {task.id: updated}, clock=stamp.lamport)

    ws.write(build)
    return result[0]


_TRANSITIONS: dict[str, tuple[set[Status], Status]] = {
    "start": ({Status.PENDING, Status.BLOCKED, Status.IN_PROGRESS}, Status.IN_PROGRESS),
    "complete": ({Status.PENDING, Status.IN_PROGRESS, Status.BLOCKED, Status.COMPLETED}, Status.COMPLETED),
    "block": ({Status.PENDING, Status.IN_PROGRESS, Status.BLOCKED}, Status.BLOCKED),
    "cancel": ({Status.PENDING, Status.IN_PROGRESS, Status.BLOCKED, Status.CANCELLED}, Status.CANCELLED),
    "reopen": ({Status.COMPLETED, Status.CANCELLED, Status.BLOCKED, Status.PENDING}, Status.PENDING),
}


def transition(
    ws: Workspace, given: str, verb: str, *, evidence: Sequence[str] = (), reason: str | None = None
) -> Task:
    """start | complete | block | cancel | reopen, with optional evidence commits and reason."""
    allowed, target = _TRANSITIONS[verb]
    if verb == "block" and not (reason and reason.strip()):
        raise InvalidInput("block needs --reason", hint="say what the task is waiting for")
    note = inputs.text("reason", reason) if reason else None
    commits = [_commit_for(ws, rev) for rev in evidence]

    def apply(snap: Snapshot, task: Task, stamp: Stamp, now: str) -> Task:
        if task.status not in allowed:
            hint = "reopen it first: git codex tasks reopen " + task.id if task.status.terminal else None
            raise InvalidState(f"cannot {verb} {task.id}: it is {task.status.value}", hint=hint)
        updated = edits.set_fields(task, {"status": target.value}, stamp=stamp, now=now)
        for commit in commits:
            updated = edits.add_element(updated, "evidence", commit, stamp=stamp, now=now, value={"commit": commit})
        if note:
            updated = edits.append_log(updated, f"{verb}: {note}", entry_id=_log_id(), stamp=stamp, now=now)
        return updated

    # A started task is held (another agent's --claim passes it by): taken before the memory
    # write, which is refused if another agent holds it, and given back if the write fails.
    took = hold(ws, resolve_id(ws.require_snapshot(), given)) if verb == "start" else None
    try:
        task = _update(ws, given, verb, apply)
    except GitmemError:
        if took:
            release_claim(ws, took)
        raise
    if verb != "start":
        release_claim(ws, task.id)  # done, blocked or back in the pool: anyone may take it next
    return task


def hold(ws: Workspace, task_id: str) -> str | None:
    """Claim ``task_id`` for this agent, atomically; InvalidState if another agent holds it.
    Returns ``task_id`` when this call took the claim, None when the agent held it already."""

    def choose(claims: Mapping[str, Claim]) -> tuple[dict[str, Claim | None], str] | None:
        held = claims.get(task_id)
        if held is not None and held.agent != ws.agent:
            raise InvalidState(f"{task_id} is claimed by {held.agent}",
                               hint=f"if {held.agent} no longer works on it: git codex tasks release {task_id}")
        return None if held is not None else ({task_id: _new_claim(ws, task_id, claims)}, f"claim {task_id} for {ws.agent}")

    return task_id if claim_store.update_claims(ws.repo, choose, ws.trailers()) else None


def _new_claim(ws: Workspace, task_id: str, claims: Mapping[str, Claim]) -> Claim:
    """This agent's claim of ``task_id``, stamped past every claim held now."""
    stamp = Stamp(max((c.stamp.lamport for c in claims.values()), default=0) + 1, ws.actor_id)
    return Claim(task_id, ws.agent, ws.actor_id, ws.branch, utc_now(), stamp)


def release(ws: Workspace, given: str) -> Claim | None:
    """Release whoever holds ``given`` (an agent that died, or one done with it): the claim it
    released, or None when nobody held it."""
    task_id = resolve_id(ws.require_snapshot(), given)
    released: list[Claim] = []

    def choose(claims: Mapping[str, Claim]) -> tuple[dict[str, Claim | None], str] | None:
        released[:] = [claims[task_id]] if task_id in claims else []
        return ({task_id: None}, f"release {task_id} (held by {claims[task_id].agent})") if released else None

    claim_store.update_claims(ws.repo, choose, ws.trailers())
    return released[0] if released else None


def _log_id() -> str:
    return "l-" + random_base32(12)


def edit(ws: Workspace, given: str, changes: Mapping[str, Any]) -> Task:
    """Edit fields by flag: title, description, priority, kind, owner, parent, labels, adr."""
    values: dict[str, Any] = {}
    if "title" in changes:
        values["title"] = inputs.title(changes["title"])
    if "description" in changes:
        values["description"] = inputs.text("description", changes["description"])
    if "priority" in changes:
        values["priority"] = inputs.priority(changes["priority"])
    if "kind" in changes:
        values["kind"] = _kind(changes["kind"])
    if "owner" in changes:
        values["owner"] = inputs.text("owner", changes["owner"], limit=200) or None
    if "target_commit" in changes:
        values["target_commit"] = _commit_for(ws, changes["target_commit"]) if changes["target_commit"] else None
    add_sets = {k: _labels(k, changes.get(f"add_{k}", ())) for k in ("labels", "adr")}
    rm_sets = {k: list(changes.get(f"remove_{k}", ())) for k in ("labels", "adr")}

    def apply(snap: Snapshot, task: Task, stamp: Stamp, now: str) -> Task:
        fields = dict(values)
        if "parent" in changes:
            parent = changes["parent"]
            if parent:
                parent_id = _live_task(snap, parent).id
                graph.check_new_edge(snap.tasks(), task.id, parent_id, edges="parent")
                fields["parent"] = parent_id
            else:
                fields["parent"] = None
        updated = edits.set_fields(task, fields, stamp=stamp, now=now)
        for name, keys in add_sets.items():
            for key in keys:
                updated = edits.add_element(updated, name, key, stamp=stamp, now=now)
        for name, keys in rm_sets.items():
            for key in keys:
                updated = edits.remove_element(updated, name, key, stamp=stamp, now=now)
        return updated

    return _update(ws, given, "edit", apply)


def dependency(ws: Workspace, given: str, on: str, *, remove: bool = False) -> Task:
    """``dep add`` refuses an edge that would close a cycle; ``dep rm`` drops one."""

    def apply(snap: Snapshot, task: Task, stamp: Stamp, now: str) -> Task:
        other = resolve_id(snap, on)
        if remove:
            if other not in task.depends_on:
                raise InvalidState(f"{task.id} does not depend on {other}")
            return edits.remove_element(task, "depends_on", other, stamp=stamp, now=now)
        _live_task(snap, other)
        graph.check_new_edge(graph.live(snap.tasks()), task.id, other)
        return edits.add_element(task, "depends_on", other, stamp=stamp, now=now)

    return _update(ws, given, "dep rm" if remove else "dep add", apply)


def remove(ws: Workspace, given: str, reason: str | None = None) -> Task:
    """Tombstone a task: it disappears from lists, its id and plan_key stay reserved."""
    note = inputs.text("reason", reason or "")

    def apply(snap: Snapshot, task: Task, stamp: Stamp, now: str) -> Task:
        return edits.tombstone(task, note, stamp=stamp, now=now)

    task = _update(ws, given, "rm", apply)
    release_claim(ws, task.id)
    return task


def find(ws: Workspace, given: str) -> tuple[Task, TaskSet]:
    found = read_all(ws)
    return found.full(graph.resolve(found.tasks, given)), found


def select(found: TaskSet, statuses: Sequence[str] = (), label: str | None = None,
           everything: bool = False) -> list[TaskSummary]:
    """Tasks to list: live ones; open ones unless --all or --status says otherwise."""
    wanted = {Status(s) for s in statuses}
    out = []
    for task in graph.live(found.tasks).values():
        if wanted and task.status not in wanted:
            continue
        if not wanted and not everything and task.status.terminal:
            continue
        if label and label not in task.labels:
            continue
        out.append(task)
    return sorted(out, key=lambda t: (t.status.terminal, t.priority, t.created_at, t.id))


def claim_holders(found: TaskSet) -> dict[str, str]:
    return {k: c.agent for k, c in found.claims.items()}


def next_ready(ws: Workspace, n: int = 1) -> tuple[list[Task], dict[str, str]]:
    """The first ``n`` ready tasks (claims of other agents left out) and their display ids."""
    snap = ws.require_snapshot()
    holders = {k: c.agent for k, c in claim_store.load_claims(ws.repo).items()}
    ids = [i for i in carry.overview(snap).ready if holders.get(i, ws.agent) == ws.agent][:n]
    return reads.tasks(snap, ids), {i: graph.short_id(i, snap.fanout_ids(i)) for i in ids}


def explain(ws: Workspace, given: str) -> tuple[Task, list[str]]:
    task, found = find(ws, given)
    return task, graph.blockers(found.tasks[task.id], found.tasks, claim_holders(found), ws.agent,
                                graph.open_parents(found.tasks))


def claim_next(ws: Workspace) -> Task | None:
    """Claim the first ready task for this agent, atomically across branches and worktrees."""
    snap = ws.require_snapshot()
    tasks = reads.summaries(snap)
    won: list[str] = []

    def choose(claims: Mapping[str, Claim]) -> tuple[dict[str, Claim | None], str] | None:
        won.clear()
        holders = {k: c.agent for k, c in claims.items()}
        for task in graph.ready(tasks, holders, ws.agent):
            if holders.get(task.id) == ws.agent:
                won.append(task.id)
                return None
            won.append(task.id)
            return {task.id: _new_claim(ws, task.id, claims)}, f"claim {task.id} for {ws.agent}"
        return None

    claim_store.update_claims(ws.repo, choose, ws.trailers())
    if not won:
        return None
    allowed, target = _TRANSITIONS["start"]

    def apply(snap: Snapshot, task: Task, stamp: Stamp, now: str) -> Task:
        if task.status not in allowed:
            raise InvalidState(f"cannot claim {task.id}: it is {task.status.value}")
        # Start and own it in one memory commit: a claim is one logical change.
        return edits.set_fields(task, {"status": target.value, "owner": ws.agent}, stamp=stamp, now=now)

    try:
        return _update(ws, won[0], "claim", apply)
    except GitmemError:
        release_claim(ws, won[0])
        raise


def release_claim(ws: Workspace, task_id: str) -> None:
    def choose(claims: Mapping[str, Claim]) -> tuple[dict[str, Claim | None], str] | None:
        return ({task_id: None}, f"release {task_id}") if task_id in claims else None

    claim_store.update_claims(ws.repo, choose, ws.trailers())
