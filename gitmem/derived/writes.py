"""After a memory commit lands: the one door through which writes keep derived data current.

``MemoryStore.transact`` calls ``after_write`` once per commit it lands, with the snapshot
the change was built on (``Written``). The documents it wrote are kept for their next
reader, the plan keys carried to the new tree when the writer read them, and the graph
facts carried when they follow from the old tree's (``carry``). A cache that cannot be
written only costs speed; nothing here can fail a write that landed."""

from __future__ import annotations

import contextlib

from gitmem.core.errors import CorruptMemory
from gitmem.core.models import Task
from gitmem.derived import carry, index, reads
from gitmem.store.codec import plain
from gitmem.store.memory import TASKS_DIR, Written, task_path

MAX_CARRIED_TASKS = 64
"""Writes of more tasks than this (imports) leave the graph facts to the next read."""


def after_write(written: Written) -> None:
    with contextlib.suppress(OSError, CorruptMemory):
        _keep_documents(written)
        _carry_plan_keys(written)
        _carry_graph_facts(written)


def _keep_documents(written: Written) -> None:
    """The next command usually reads what this one wrote: keep the documents it would parse."""
    base, repo = written.base, written.base.repo
    for name, prefix, limit in ((reads.SESSION_DOCUMENTS, "sessions/", reads.KEPT_SESSIONS),
                                (reads.TASK_DOCUMENTS, TASKS_DIR + "/", reads.KEPT_TASKS)):
        docs = {path: doc for path, doc in written.documents.items() if path.startswith(prefix)}
        if docs and len(docs) <= limit:
            replaced = [oid for oid in map(base.entry, docs) if oid]
            index.seed(repo, name, {written.blob_ids[path]: (plain(doc),) for path, doc in docs.items()},
                       replaces=replaced, limit=limit)


def _carry_plan_keys(written: Written) -> None:
    """Only a writer that read the plan keys (``plan sync``) pays for carrying them forward."""
    base, change = written.base, written.change
    old_tree = base.tasks_tree()
    if old_tree is None or not base.derived.get(reads.PLAN_KEYS_READ) or not change.tasks:
        return
    if any(p.startswith(TASKS_DIR) for p in change.blobs):
        return
    entries = {task_id: (written.blob_ids[task_path(task_id)], (task.plan_key, task.deleted))
               if task.plan_key else None for task_id, task in change.tasks.items()}
    index.advance(base.repo, index.PLAN_KEYS, old_tree, base.repo.entry_id(written.tree, TASKS_DIR), entries)


def _carry_graph_facts(written: Written) -> None:
    base, change = written.base, written.change
    if not change.tasks or len(change.tasks) > MAX_CARRIED_TASKS:
        return
    before: dict[str, Task | None] = {t: base.task(t) if base.has_task(t) else None for t in change.tasks}
    carry.after_write(base, before, change, base.repo.entry_id(written.tree, TASKS_DIR))
