"""``fsck``: check every memory, claims and notes ref; repair what is safe to repair.

Checks: the schema of every blob (``shape.check_memory``), unknown format versions, task
ids that are duplicated, misplaced or dangling (``depends_on`` / ``parent`` naming a task
that is not there), dependency cycles, refs that point at something other than a commit,
claim records, notes that do not parse or sit on commits the object database lacks, and
ref lock files left by killed writers. ``--repair`` removes stale locks and orphan notes
(after a backup ref) and lists what it left for a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gitmem.core.constants import CLAIMS_REF, FORMAT_VERSION, MEMORY_PREFIX, NOTES_REF, REMOTE_PREFIX
from gitmem.core.errors import MALFORMED, GitmemError, InvalidInput
from gitmem.core.graph import find_cycles
from gitmem.core.models import Task
from gitmem.engine import branches
from gitmem.engine.workspace import Workspace
from gitmem.git.repo import Repo
from gitmem.services import history
from gitmem.store import claims, locks, notes, records, shape
from gitmem.store.cas import update_ref
from gitmem.store.codec import loads
from gitmem.store.memory import META_PATH, TASKS_DIR, task_path

REMOTE_NOTES_PREFIX = "refs/notes/codex-remotes/"


@dataclass(frozen=True, slots=True)
class Problem:
    ref: str
    path: str
    problem: str
    repair: str | None = None
    """What ``--repair`` does about it ('lock', 'orphan-note', 'tip': recover a memory ref that
    points at no commit from its reflog or a backup); None: left for a person."""

    def __str__(self) -> str:
        return f"{self.ref}{':' + self.path if self.path else ''}: {self.problem}"


@dataclass
class Report:
    checked: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    left: list[Problem] = field(default_factory=list)
    backups: list[str] = field(default_factory=list)
    stale_locks: list[locks.Lock] = field(default_factory=list)
    did_repair: bool = False

    @property
    def ok(self) -> bool:
        """Nothing wrong (after a repair: nothing left)."""
        return not (self.left if self.did_repair else self.problems)


def history_incomplete(repo: Repo) -> bool:
    """Shallow and partial clones lack commits on purpose: absence proves nothing there."""
    return repo.is_shallow or repo.is_partial_clone


def _split(ref: str, message: str, paths: list[str]) -> Problem:
    """Turn a ``ref:path: why`` line from shape.check_memory into a Problem."""
    rest = message[len(ref) + 1 :] if message.startswith(ref + ":") else message
    for path in paths:
        if rest.startswith(path) and rest[len(path) : len(path) + 1] in (":", " "):
            return Problem(ref, path, rest[len(path) :].lstrip(": ").strip())
    return Problem(ref, "", rest.strip())


class Checker:
    """One fsck run: remembers blobs already found good, so shared blobs are checked once."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.good_blobs: set[str] = set()
        self.report = Report()

    def add(self, ref: str, path: str, problem: str, repair: str | None = None) -> None:
        self.report.problems.append(Problem(ref, path, problem, repair))

    def commit_of(self, ref: str, target: str) -> bool:
        kind = self.repo.object_kind(target)
        if kind != "commit":
            self.add(ref, "", f"points at {'a missing object' if kind is None else 'a ' + kind} ({target[:12]}), not a commit",
                     "tip" if ref.startswith(MEMORY_PREFIX) else None)
            return False
        return True

    def memory(self, ref: str, commit: str) -> None:
        repo = self.repo
        self.report.checked.append(ref)
        try:
            entries = dict(repo.iter_blobs(repo.commit_info(commit).tree, ""))
        except GitmemError as exc:
            self.add(ref, "", exc.message)
            return
        found = shape.check_memory(repo, ref, commit, known_blobs=set(self.good_blobs))
        paths = sorted(entries, key=len, reverse=True)
        bad = set()
        for line in found:
            problem = _split(ref, line, paths)
            bad.add(problem.path)
            self.report.problems.append(problem)
        self.good_blobs.update(oid for path, oid in entries.items() if path not in bad)
        meta = entries.get(META_PATH)
        version = None
        if meta and META_PATH not in bad:
            version = loads(repo.read_blob(meta), META_PATH).get("format")
            if not isinstance(version, int) or version < 1:
                self.add(ref, META_PATH, f"unknown memory format {version!r} (this gitmem knows 1 to {FORMAT_VERSION})")
        layout = version if isinstance(version, int) and 1 <= version <= FORMAT_VERSION else FORMAT_VERSION
        self.graph(ref, {p: oid for p, oid in entries.items() if p not in bad}, layout)

    def graph(self, ref: str, entries: dict[str, str], memory_format: int) -> None:
        tasks: dict[str, Task] = {}
        for path, oid in sorted(entries.items()):
            if not (path.startswith(TASKS_DIR + "/") and path.endswith(".toml")):
                continue
            try:
                task = records.decode_task(self.repo.read_blob(oid), f"{ref}:{path}")
            except GitmemError as exc:
                self.add(ref, path, exc.message)
                continue
            except MALFORMED as exc:  # records.decode_task lets a few of these through
                self.add(ref, path, f"not a valid task record ({type(exc).__name__}: {exc})")
                continue
            expected = task_path(task.id, memory_format)
            if task.id in tasks:
                self.add(ref, path, f"duplicate task id {task.id} (also at {expected})")
            elif path != expected:
                self.add(ref, path, f"task {task.id} is misplaced (expected at {expected})")
            tasks.setdefault(task.id, task)
        for task_id, task in tasks.items():
            where = task_path(task_id, memory_format)
            for other in task.depends_on:
                if other not in tasks:
                    self.add(ref, where, f"depends_on names a missing task {other}")
            if task.parent and task.parent not in tasks:
                self.add(ref, where, f"parent names a missing task {task.parent}")
        for cycle in find_cycles(tasks):
            self.add(ref, task_path(cycle[0], memory_format), "dependency cycle: " + " -> ".join(cycle))

    def claims(self, ref: str, commit: str) -> None:
        from gitmem.store.schema import errors

        self.report.checked.append(ref)
        try:
            blobs = list(self.repo.iter_blobs(self.repo.commit_info(commit).tree, claims.CLAIMS_DIR))
        except GitmemError as exc:
            self.add(ref, "", exc.message)
            return
        for path, oid in blobs:
            try:
                data = self.repo.read_blob(oid)
                problems = errors("claim", loads(data, f"{ref}:{path}"))
                task, _events = claims.decode_events(data, f"{ref}:{path}")
            except GitmemError as exc:
                self.add(ref, path, exc.message)
                continue
            if problems:
                self.add(ref, path, problems[0])
            elif path != claims.claim_path(task):
                self.add(ref, path, f"holds the claims of {task}, not of the task its name says")

    def notes(self, ref: str, commit: str) -> None:
        self.report.checked.append(ref)
        try:
            found = notes.notes_in(self.repo, commit)
        except GitmemError as exc:
            self.add(ref, "", exc.message)
            return
        unsure = history_incomplete(self.repo)
        for annotated, (path, oid) in sorted(found.items()):
            try:
                notes.parse_note(self.repo.read_blob(oid), f"{ref}:{path}")
            except GitmemError as exc:
                self.add(ref, path, exc.message)
            if self.repo.object_kind(annotated) is None:
                if unsure:
                    continue
                self.add(ref, path, f"orphan note: commit {annotated[:12]} is not in this repository",
                         "orphan-note" if ref == NOTES_REF else None)

    def locks(self) -> None:
        for lock in locks.find(self.repo):
            if lock.stale:
                self.report.stale_locks.append(lock)
                self.add(lock.ref, "", f"stale lock {lock.path} ({int(lock.age)} s old)", "lock")
            else:
                self.report.notices.append(f"{lock.path} is held right now ({lock.age:.1f} s): a writer is busy")


def check(repo: Repo) -> Report:
    """Check everything; nothing is written."""
    checker = Checker(repo)
    for ref, target in sorted(_refs(repo).items()):
        if not checker.commit_of(ref, target):
            continue
        if ref.startswith(MEMORY_PREFIX) or (ref.startswith(REMOTE_PREFIX) and "/branches/" in ref):
            checker.memory(ref, target)
        elif ref == CLAIMS_REF or (ref.startswith(REMOTE_PREFIX) and ref.endswith("/claims")):
            checker.claims(ref, target)
        elif ref == NOTES_REF or ref.startswith(REMOTE_NOTES_PREFIX):
            checker.notes(ref, target)
    checker.locks()
    if history_incomplete(repo):
        checker.report.notices.append("shallow or partial clone: notes on commits not present here were not judged")
    return checker.report


def _refs(repo: Repo) -> dict[str, str]:
    found: dict[str, str] = {}
    for prefix in ("refs/codex/", REMOTE_PREFIX, NOTES_REF):
        found.update(repo.refs_under(prefix))
    return found


def repair(ws: Workspace) -> Report:
    """Check, then fix what is safe: stale locks, orphan notes (after a backup of the notes ref),
    memory tips that are not commits (back to the newest good memory they had)."""
    report = check(ws.repo)
    report.did_repair = True
    for lock in report.stale_locks:
        if locks.remove(lock):
            report.repaired.append(f"removed the stale lock {lock.path}")
        else:
            report.notices.append(f"{lock.path} was taken again or removed meanwhile; left alone")
    orphans = [p for p in report.problems if p.repair == "orphan-note"]
    if orphans:
        saved = branches.backup(ws, NOTES_REF, "fsck --repair: orphan notes")
        if saved:
            report.backups.append(saved)
        dropped = drop_notes(ws.repo, {p.path for p in orphans}, "fsck --repair: drop orphan notes")
        report.repaired.append(f"dropped {dropped} orphan note(s) from {NOTES_REF}")
    for problem in (p for p in report.problems if p.repair == "tip"):
        try:
            outcome = history.recover(ws, problem.ref)
        except InvalidInput as exc:
            report.left.append(Problem(problem.ref, "", exc.message))
            continue
        report.repaired.append(f"{problem.ref}: back to the memory of {outcome.restored[:12]} "
                               f"(from {outcome.recovered_from})")
    report.left.extend(p for p in report.problems if p.repair is None)
    return report


def drop_notes(repo: Repo, paths: set[str], message: str) -> int:
    """Remove the notes at ``paths`` from the notes ref, in one notes commit by CAS."""

    def attempt(current: str | None) -> tuple[str, str, int] | None:
        if current is None:
            return None
        tree = repo.commit_info(current).tree
        present = {p for p in paths if repo.blob_at_exists(tree, p)}
        if not present:
            return None
        new_tree = repo.update_tree(tree, dict.fromkeys(present))
        return repo.create_commit(new_tree, [current], message + "\n"), message, len(present)

    return update_ref(repo, NOTES_REF, attempt) or 0

