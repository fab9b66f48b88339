"""The reads that derived data answers faster: a snapshot's summaries, plan keys, kept task
and session documents and the facts kept per tasks tree. Each is a function of git alone
(``Snapshot``), kept under ``.git/codex/cache`` and recomputed from git when not kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gitmem.core.models import Session, Task
from gitmem.derived import index
from gitmem.derived.index import TaskSummary
from gitmem.store.codec import loads
from gitmem.store.memory import Snapshot
from gitmem.store.sessions import session_path, session_record

TASK_DOCUMENTS = "task-documents"
SESSION_DOCUMENTS = "session-documents"
KEPT_TASKS = 16
"""Task documents kept (the few tasks agents read and write turn after turn)."""
KEPT_SESSIONS = 8
"""Session documents kept (the open sessions of a few agents: they are rewritten every turn)."""

PLAN_KEYS_READ = "plan-keys-read"
"""Set in ``snap.derived`` once the plan keys were read: a write on it carries them (``writes``)."""


def summaries(snap: Snapshot) -> dict[str, TaskSummary]:
    """What reads need of every task (tombstones included), read once per snapshot."""
    found: dict[str, TaskSummary] | None = snap.derived.get("summaries")
    if found is None:
        found = snap.derived["summaries"] = index.summaries(snap.repo, snap.tasks_tree(), lambda: snap.task_blobs,
                                                            snap.task)
    return found


def plan_keys(snap: Snapshot) -> dict[str, tuple[str, bool]]:
    """task id -> (plan_key, deleted) of the tasks that have one (the index ``plan sync`` reads)."""
    snap.derived[PLAN_KEYS_READ] = True
    return index.plan_keys(snap.repo, snap.tasks_tree(), lambda: snap.task_blobs, snap.task)


def tasks(snap: Snapshot, task_ids: list[str]) -> list[Task]:
    """Tasks by id, their parsed documents kept by blob id: a read that prints a few tasks
    (``tasks next``) parses no TOML (nor imports the parser) while they are unchanged."""
    docs = index.per_blob(snap.repo, TASK_DOCUMENTS, {t: snap.blob_id(t) for t in task_ids},
                          lambda t: (snap.document(t),), limit=KEPT_TASKS)
    return [snap.task_from(t, docs[t][0]) for t in task_ids]


def task(snap: Snapshot, task_id: str) -> Task:
    """``snap.task(task_id)`` for the one task a command edits: see ``tasks``."""
    return tasks(snap, [task_id])[0]


def open_session(snap: Snapshot, session_id: str) -> Session:
    """``snap.session(session_id)`` through documents kept by blob id: the open session was
    usually written by the previous command, which kept its document (``writes``)."""
    oid = snap.session_blob(session_id)
    if oid is None:
        raise KeyError(session_id)
    where = f"{snap.ref}:{session_path(session_id)} (blob {oid[:12]})"
    docs = index.per_blob(snap.repo, SESSION_DOCUMENTS, {session_id: oid},
                          lambda _: (loads(snap.repo.read_blob(oid), where),), limit=KEPT_SESSIONS)
    return snap.session_from(session_id, session_record(docs[session_id][0], where))


def fact(snap: Snapshot, name: str, compute: Callable[[], tuple[Any, ...]]) -> tuple[Any, ...]:
    """A fact of the whole task graph, kept per ``tasks/`` tree (see ``index.derived``)."""
    return index.derived(snap.repo, name, snap.tasks_tree(), compute)


def kept_fact(snap: Snapshot, name: str) -> tuple[Any, ...] | None:
    """The fact ``name`` if it is kept for this tasks tree; never computes it."""
    tree = snap.tasks_tree()
    return index.kept_derived(snap.repo, name, tree) if tree is not None else None


def keep_fact(snap: Snapshot, name: str, value: tuple[Any, ...]) -> None:
    """Keep ``value`` as the fact ``name`` of this memory's tasks tree."""
    tree = snap.tasks_tree()
    if tree is not None:
        index.keep_derived(snap.repo, name, tree, value)


def session_facts(snap: Snapshot, name: str, session_ids: list[str],
                  compute: Callable[[str], tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
    """session id -> ``compute(id)``, kept by blob id (see ``index.per_blob``)."""
    return index.per_blob(snap.repo, name, {s: snap.session_blobs[s] for s in session_ids}, compute)
