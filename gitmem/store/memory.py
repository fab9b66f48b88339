"""Memory commits: load a memory ref into a snapshot, write one commit per change by CAS."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, NamedTuple

from gitmem.core.constants import FORMAT_VERSION, ID_PREFIX, MAX_BLOB
from gitmem.core.errors import CORRUPT_HINT, MALFORMED, CorruptMemory
from gitmem.core.models import Meta, Session, Stamp, Task
from gitmem.git.repo import Repo
from gitmem.store import aliases, records
from gitmem.store.cas import update_ref
from gitmem.store.codec import dumps, loads
from gitmem.store.sessions import SESSIONS_DIR, decode_session, session_document, session_path

META_PATH = "meta.toml"
TASKS_DIR = "tasks"


_NOTHING: Mapping[str, Any] = MappingProxyType({})
"""An empty, read-only default for ``Change``'s mappings."""


def task_path(task_id: str, memory_format: int = FORMAT_VERSION) -> str:
    """Where a task's blob lives: ``tasks/<c>/<id>.toml``, fanned out by the first character
    of the id after ``t-`` (32 directories: every write rewrites its directory and
    ``tasks/``, which stay about the square root of the task count up to 32,000 tasks).
    Format 1 fanned out by two characters (1,024 directories: ``tasks/`` alone was 25 KiB to
    rewrite on every write at 2,000 tasks)."""
    fan = task_id[2:4] if memory_format == 1 else task_id[2:3]
    return f"{TASKS_DIR}/{fan}/{task_id}.toml"


def _relocated(repo: Repo, tree: str) -> dict[str, str | None]:
    """The moves that bring a format 1 memory's tasks into this format's layout (its first
    write by this gitmem does it): every task blob at its new path; other files stay put."""
    moves: dict[str, str | None] = {TASKS_DIR: None}
    for path, oid in repo.iter_blobs(tree, TASKS_DIR):
        name = path.rsplit("/", 1)[-1]
        is_task = name.startswith(ID_PREFIX) and name.endswith(".toml") and len(name) > len(ID_PREFIX) + len(".toml")
        moves[task_path(name[: -len(".toml")]) if is_task else path] = oid
    return moves


@dataclass
class Snapshot:
    """One memory commit, read lazily: task ids come from the tree, records on demand."""

    repo: Repo
    ref: str
    commit: str | None
    tree: str | None
    meta: Meta
    _session_blobs: dict[str, str] | None = None
    _task_blobs: dict[str, str] | None = None
    _tasks: dict[str, Task] = field(default_factory=dict)
    _sessions: dict[str, Session] = field(default_factory=dict)
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """What the derived layer learnt of this snapshot while it lives (never read here)."""

    @property
    def task_blobs(self) -> dict[str, str]:
        """task id -> blob id, listed from the tree on first use (many writes never need it)."""
        if self._task_blobs is None:
            blobs = {}
            if self.tree is not None:
                for path, oid in self.repo.iter_blobs(self.tree, TASKS_DIR):
                    name = path.rsplit("/", 1)[-1]
                    if name.endswith(".toml"):
                        blobs[name[: -len(".toml")]] = oid
            self._task_blobs = blobs
        return self._task_blobs

    @property
    def session_blobs(self) -> dict[str, str]:
        """session id -> blob id, listed from the tree on first use (``session log`` needs one)."""
        if self._session_blobs is None:
            entries = self.repo.tree_entries(self.tree, SESSIONS_DIR) if self.tree is not None else {}
            self._session_blobs = {name[: -len(".toml")]: oid for name, (oid, is_tree) in entries.items()
                                   if not is_tree and name.endswith(".toml")}
        return self._session_blobs

    def task_path(self, task_id: str) -> str:
        """Where ``task_id`` lives in this memory (its format's layout)."""
        return task_path(task_id, self.meta.format)

    def entry(self, path: str) -> str | None:
        """The id of the entry at ``path`` in this memory's tree, if any."""
        return self.repo.entry_id(self.tree, path) if self.tree is not None else None

    def session_blob(self, session_id: str) -> str | None:
        """The blob of ``session_id``, found by path (no listing unless one was already made)."""
        if self._session_blobs is not None:
            return self._session_blobs.get(session_id)
        return None if "/" in session_id else self.entry(session_path(session_id))

    def blob_id(self, task_id: str) -> str:
        """The blob of ``task_id``, found by path (no listing unless one was already made)."""
        oid = self._task_blobs.get(task_id) if self._task_blobs is not None else None
        oid = oid or self.entry(self.task_path(task_id))
        if oid is None and self._task_blobs is None:  # not at its place: a misplaced blob is still read
            oid = self.task_blobs.get(task_id)
        if oid is None:
            raise KeyError(task_id)
        return oid

    def document(self, task_id: str) -> dict[str, Any]:
        """The parsed TOML document of ``task_id``'s blob."""
        oid = self.blob_id(task_id)
        where = f"{self.ref}:{self.task_path(task_id)} (blob {oid[:12]})"
        data = self.repo.read_blob(oid)
        if len(data) > MAX_BLOB:
            raise CorruptMemory(f"{where} is larger than {MAX_BLOB} bytes", hint=CORRUPT_HINT)
        return loads(data, where)

    def tasks_tree(self) -> str | None:
        if self.tree is None:
            return None
        entry = self.repo.tree_entries(self.tree).get(TASKS_DIR)
        return entry[0] if entry and entry[1] else None

    def fanout_ids(self, task_id: str) -> list[str]:
        """The ids in ``task_id``'s fan-out directory: every id that shares its first two
        characters, so all that a shortest unique prefix (four or more) depends on."""
        if self.tree is None:
            return []
        folder = self.task_path(task_id).rsplit("/", 1)[0]
        return [name[: -len(".toml")] for name, (_, is_tree) in self.repo.tree_entries(self.tree, folder).items()
                if not is_tree and name.endswith(".toml")]

    def has_task(self, task_id: str) -> bool:
        """Whether ``task_id`` exists, without listing the whole tree."""
        if self._task_blobs is not None:
            return task_id in self._task_blobs
        return self.tree is not None and self.repo.blob_at_exists(self.tree, self.task_path(task_id))

    def task(self, task_id: str) -> Task:
        cached = self._tasks.get(task_id)
        if cached is None:
            cached = self.task_from(task_id, self.document(task_id))
        return cached

    def task_from(self, task_id: str, doc: dict[str, Any]) -> Task:
        """``task(task_id)`` from its document parsed elsewhere (kept by ``derived``)."""
        cached = self._tasks.get(task_id)
        if cached is not None:
            return cached
        where = f"{self.ref}:{self.task_path(task_id)} (blob {self.blob_id(task_id)[:12]})"
        try:
            task = records.task_from_document(doc)
        except MALFORMED as exc:
            raise CorruptMemory(f"{where} is not a valid task record ({exc})", hint=CORRUPT_HINT) from exc
        if task.id != task_id:
            raise CorruptMemory(f"{where} holds task {task.id!r}", hint=CORRUPT_HINT)
        self._tasks[task_id] = task
        return task

    def tasks(self) -> dict[str, Task]:
        """Every task record, tombstones included."""
        for task_id in self.task_blobs:
            self.task(task_id)
        return {k: self._tasks[k] for k in sorted(self.task_blobs)}

    def session(self, session_id: str) -> Session:
        cached = self._sessions.get(session_id)
        if cached is None:
            oid = self.session_blobs[session_id]
            where = f"{self.ref}:{session_path(session_id)} (blob {oid[:12]})"
            cached = decode_session(self.repo.read_blob(oid), where)
            self._sessions[session_id] = cached
        return cached

    def session_from(self, session_id: str, session: Session) -> Session:
        """``session(session_id)`` decoded elsewhere (from a document kept by ``derived``)."""
        return self._sessions.setdefault(session_id, session)

    def sessions(self) -> dict[str, Session]:
        return {k: self.session(k) for k in sorted(self.session_blobs)}

    def aliases(self) -> dict[str, str]:
        if self.tree is None:
            return {}
        return aliases.decode(self.repo.blob_at(self.tree, aliases.ALIASES_PATH), f"{self.ref}:{aliases.ALIASES_PATH}")

    def stamp(self, actor: str) -> Stamp:
        """The stamp for the next write: one past everything this memory has seen."""
        return Stamp(self.meta.clock + 1, actor)


class Change(NamedTuple):
    """What one command writes: one memory commit (a named tuple: cheap to define at start-up)."""

    message: str
    tasks: Mapping[str, Task] = _NOTHING
    blobs: Mapping[str, bytes | None] = _NOTHING
    sessions: Mapping[str, Session] = _NOTHING
    """Sessions written whole (encoded by the store, which keeps their documents for the next reader)."""
    clock: int | None = None
    parents: tuple[str, ...] = ()
    """Extra parents (memory merges)."""


class Written(NamedTuple):
    """One memory commit that landed, for the derived data to follow (``derived.writes``)."""

    base: Snapshot
    """The memory the change was built on."""
    change: Change
    commit: str
    tree: str
    documents: Mapping[str, dict[str, Any]]
    """path -> the document of each task and session written whole."""
    blob_ids: Mapping[str, str]
    """path -> the id of each blob written."""


def empty_meta(default_branch: str, now: str) -> Meta:
    return Meta(format=FORMAT_VERSION, default_branch=default_branch, created_at=now, clock=0)


class MemoryStore:
    """Reads and writes memory commits on ``refs/codex/*`` for one repository."""

    def __init__(self, repo: Repo, after_write: Callable[[Written], None] | None = None) -> None:
        self.repo = repo
        self.after_write = after_write
        """Called once for each commit ``transact`` lands (the derived data's door)."""

    def load_commit(self, ref: str, commit: str | None) -> Snapshot | None:
        if commit is None:
            return None
        try:
            info = self.repo.commit_info(commit)
        except CorruptMemory as exc:
            raise CorruptMemory(f"{ref}: {exc.message}", hint="its reflog or a backup holds the way back: "
                                "'git codex undo' (or 'git codex fsck --repair')") from exc
        meta_data = self.repo.blob_at(info.tree, META_PATH)
        if meta_data is None:
            raise CorruptMemory(f"{ref} ({commit[:12]}) has no {META_PATH}", hint=CORRUPT_HINT)
        try:
            meta = records.decode_meta(meta_data, f"{ref}:{META_PATH}")
        except (CorruptMemory, *MALFORMED) as exc:
            blob = (self.repo.entry_id(info.tree, META_PATH) or "?")[:12]
            if isinstance(exc, CorruptMemory):
                hint = exc.hint if "upgrade" in (exc.hint or "") else CORRUPT_HINT
                raise CorruptMemory(f"{exc.message} (blob {blob})", hint=hint) from exc
            raise CorruptMemory(f"{ref}:{META_PATH} (blob {blob}) is not a valid meta record ({exc})",
                                hint=CORRUPT_HINT) from exc
        return Snapshot(self.repo, ref, commit, info.tree, meta)

    def load(self, ref: str) -> Snapshot | None:
        return self.load_commit(ref, self.repo.ref_target(ref))

    def tree_with(self, base: Snapshot | None, blobs: Mapping[str, bytes | None], meta: Meta | None
                  ) -> tuple[str, dict[str, str]]:
        """``base``'s tree with ``blobs`` (task paths in this format's layout) and ``meta``, in
        this format: a memory of format 1 has its tasks moved now, by its first write here.
        Returns the tree and the id of each blob written, by path."""
        moves: dict[str, str | None] = {}
        if base is not None and base.tree is not None and base.meta.format < FORMAT_VERSION:
            moves = _relocated(self.repo, base.tree)
            meta = replace(meta or base.meta, format=FORMAT_VERSION)
        if meta is not None and (base is None or base.tree is None or meta != base.meta):
            blobs = {**blobs, META_PATH: records.encode_meta(meta)}
        return self.repo.update_tree_blobs(base.tree if base else None, blobs, moves)

    def write_commit(self, base: Snapshot | None, change: Change, trailers: Mapping[str, str]
                     ) -> tuple[str, str, dict[str, dict[str, Any]], dict[str, str]]:
        """Write the change's tree and commit on top of ``base``; no ref moves. Returns the
        commit, its tree, the documents written whole and the blob ids, by path."""
        blobs: dict[str, bytes | None] = dict(change.blobs)
        documents = {task_path(task_id): records.task_document(task) for task_id, task in change.tasks.items()}
        documents.update({session_path(s.id): session_document(s) for s in change.sessions.values()})
        for path, doc in documents.items():
            blobs[path] = dumps(doc).encode("utf-8")
        meta = base.meta if base is not None else None
        if meta is not None and change.clock is not None and change.clock > meta.clock:
            meta = replace(meta, clock=change.clock)
        tree, ids = self.tree_with(base, blobs, meta)
        lines = [change.message, ""]
        lines.extend(f"{k}: {v}" for k, v in trailers.items() if v)
        parents = ([base.commit] if base and base.commit else []) + list(change.parents)
        return self.repo.create_commit(tree, parents, "\n".join(lines) + "\n"), tree, documents, ids

    def transact(
        self,
        ref: str,
        build: Callable[[Snapshot], Change | None],
        *,
        start: Callable[[], Snapshot],
        trailers: Mapping[str, str],
    ) -> tuple[Change | None, str | None]:
        """Run ``build`` on the newest memory and commit its change by CAS, retrying on races.

        ``start`` gives the snapshot to build on when ``ref`` does not exist yet (a fork or a
        fresh memory). Returns the change written (None: nothing to write) and the new commit.
        """

        def attempt(current: str | None) -> tuple[str, str, Written] | None:
            snapshot = self.load_commit(ref, current) if current else start()
            assert snapshot is not None
            change = build(snapshot)
            if change is None:
                return None
            commit, tree, documents, ids = self.write_commit(snapshot, change, trailers)
            return commit, change.message.splitlines()[0], Written(snapshot, change, commit, tree, documents, ids)

        written = update_ref(self.repo, ref, attempt)
        if written is None:
            return None, self.repo.ref_target(ref)
        if self.after_write is not None:
            self.after_write(written)
        return written.change, written.commit
