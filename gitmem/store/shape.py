"""What a well-formed memory, claims or notes commit is: checked on memory from elsewhere before
it is adopted, and on what gitmem itself publishes (``push``, and every write under test).

One check of the whole structure, whatever path adopts it (fetch, sync, push's retry,
``init`` in a fresh clone, the lazy fold of a ``--fetch-refspec`` fetch), fast-forward and
merge alike: the tree's shape (``tasks/`` and ``sessions/`` are trees, every record a
regular blob at its canonical place, no ``..``, ``.git`` or control characters), bounded
sizes and counts (entries, blobs, new commits, parents per commit), the Lamport clock's
jump, and every record's schema. Only blobs the local memory does not already hold at the
same path are read, so a fetch that changed 200 of 10,000 tasks reads 200. Problems are
reported as ``ref:path: why``; a ref with any problem is left out and local memory is
untouched.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from collections.abc import Mapping

from gitmem.core.constants import BACKUP_PREFIX, CLAIMS_REF, FORMAT_VERSION, MAX_BLOB, MAX_CLOCK_JUMP, MEMORY_PREFIX, NOTES_REF
from gitmem.core.errors import MALFORMED, GitmemError
from gitmem.git.repo import Repo, TooLarge, TreeEntry
from gitmem.store import records
from gitmem.store.aliases import ALIASES_PATH
from gitmem.store.codec import loads
from gitmem.store.memory import META_PATH, TASKS_DIR, task_path
from gitmem.store.sessions import SESSIONS_DIR, session_from_document

MAX_ENTRIES = 200_000
MAX_HISTORY = 200_000
"""New commits one fetched tip may bring (each memory write is one commit)."""
MAX_PARENTS = 16
MAX_CLOCK = 2**62
"""No Lamport counter gitmem writes comes near this; a larger one is a clock bomb."""
BLOB_MODE = 0o100644
TASK_FILE = re.compile(r"t-[a-z2-7]{10}\.toml")
SESSION_FILE = re.compile(r"s-[0-9]{8}t[0-9]{12}-[a-z2-7]{6}\.toml")
ROOT_BLOBS = (META_PATH, ALIASES_PATH)
ROOT_TREES = (TASKS_DIR, SESSIONS_DIR)


def unsafe_name(name: str) -> str | None:
    """Why a tree entry name cannot be part of memory, if it cannot."""
    if name in ("", ".", ".."):
        return "not a file name"
    if name.casefold().rstrip(". ") in (".git", "git~1"):
        return "names git's own directory"
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") for c in name):
        return "has a control, format or undecodable character"
    return None


def shape_problems(ref: str, entries: list[TreeEntry], memory_format: int) -> list[str]:
    """Where the tree is not a memory's tree: unknown, misplaced or oddly typed entries."""
    problems = []
    previous = ("", b"")
    for entry in entries:
        parts = entry.path.split("/")
        where = f"{ref}:{entry.path}"
        why = next((w for p in parts if (w := unsafe_name(p))), None)
        is_tree = stat.S_ISDIR(entry.mode)
        # git sorts a tree's entries by name, a directory's as if it ended in "/"; a tree
        # out of that order or naming one entry twice reads differently by lookup and by walk.
        parent, _, name = entry.path.rpartition("/")
        key = name.encode("utf-8", "surrogateescape") + (b"/" if is_tree else b"")
        if previous[0] == parent and previous[1] and key <= previous[1]:
            why = why or ("appears twice in its tree" if key == previous[1] else "is out of git's tree order")
        previous = (parent, key)
        if why is None:
            why = _placement(parts, is_tree, entry.mode, memory_format)
        if why is not None:
            problems.append(f"{where}: {why}")
    return problems


def _placement(parts: list[str], is_tree: bool, mode: int, memory_format: int) -> str | None:
    kind = "a directory" if is_tree else f"a file of mode {mode:06o}"
    if len(parts) == 1:
        name = parts[0]
        if name in ROOT_TREES:
            return None if is_tree else f"is {kind}, not a directory"
        if name in ROOT_BLOBS:
            return None if mode == BLOB_MODE else f"is {kind}, not a regular file"
        return "is not part of a gitmem memory"
    if not is_tree and mode != BLOB_MODE:
        return f"is {kind}, not a regular file"
    top = parts[0]
    if top == SESSIONS_DIR:
        ok = len(parts) == 2 and not is_tree and SESSION_FILE.fullmatch(parts[1])
        return None if ok else "is not sessions/<session id>.toml"
    if top == TASKS_DIR:
        if len(parts) == 2:
            return None if is_tree else "is not tasks/<fan-out>/<task id>.toml"
        if len(parts) == 3 and not is_tree and TASK_FILE.fullmatch(parts[2]):
            expected = task_path(parts[2][: -len(".toml")], memory_format)
            if expected != "/".join(parts):
                return f"is misplaced: a task in the wrong fan-out directory (expected at {expected})"
            return None
        return "is not tasks/<fan-out>/<task id>.toml"
    return "is not part of a gitmem memory"


def _check_blob(repo: Repo, where: str, oid: str, schema_name: str | None) -> dict[str, object] | str:
    size = repo.blob_size(oid)
    if size > MAX_BLOB:
        return f"{where}: {size} bytes, over the {MAX_BLOB}-byte limit"
    data = repo.read_blob(oid)
    try:
        doc = loads(data, where)
    except GitmemError as exc:
        return exc.message
    if schema_name:
        from gitmem.store.schema import errors

        problems = errors(schema_name, doc)
        if problems:
            return f"{where}: {problems[0]}"
    return doc


def _meta(repo: Repo, ref: str, entries: list[TreeEntry], local_clock: int | None) -> tuple[int, list[str]]:
    """The memory's format, and what is wrong with its ``meta.toml``."""
    found = [e for e in entries if e.path == META_PATH]
    if not found:
        return FORMAT_VERSION, [f"{ref}:{META_PATH}: missing"]
    where = f"{ref}:{META_PATH}"
    doc = _check_blob(repo, where, found[0].oid, "meta")
    if isinstance(doc, str):
        return FORMAT_VERSION, [doc]
    version, clock = doc.get("format"), doc.get("clock")
    if not isinstance(version, int) or not isinstance(clock, int):
        return FORMAT_VERSION, [f"{where}: format and clock must be integers"]
    if version > FORMAT_VERSION:
        return FORMAT_VERSION, [f"{where}: memory format {version} is newer than this gitmem"]
    if clock > MAX_CLOCK:
        return version, [f"{where}: Lamport clock {clock} is beyond any real history"]
    if local_clock is not None and clock - local_clock > MAX_CLOCK_JUMP:
        return version, [f"{where}: Lamport clock {clock} is {clock - local_clock} ahead of local memory "
                         f"(at most {MAX_CLOCK_JUMP})"]
    return version, []


def _record_id(doc: Mapping[str, object], is_task: bool, is_session: bool) -> str | None:
    if is_task:
        return records.task_from_document(doc).id
    return session_from_document(doc).id if is_session else None


def check_memory(repo: Repo, ref: str, commit: str, known_blobs: set[str],
                 known_paths: Mapping[str, str] | None = None, *, local_tip: str | None = None,
                 local_clock: int | None = None, history: bool = False) -> list[str]:
    """Problems in the memory commit ``commit`` of ``ref``; empty when it is safe to adopt.

    Blobs in ``known_blobs`` (anywhere) or in ``known_paths`` (path -> blob id, at that
    path only) are already trusted and not read again. ``local_clock`` bounds the clock's
    jump; ``history`` also bounds the commits ``local_tip..commit`` would bring."""
    try:
        info = repo.commit_info(commit)
        entries = repo.walk_tree(info.tree, MAX_ENTRIES)
        if history and repo.history_shape(local_tip, commit, MAX_HISTORY) > MAX_PARENTS:
            return [f"{ref}: a commit with more than {MAX_PARENTS} parents"]
    except TooLarge as exc:
        return [f"{ref}: {exc}, over the limit"]
    except GitmemError as exc:
        return [f"{ref}: {exc.message}"]
    except (*MALFORMED, OSError) as exc:  # a missing parent or tree: not a history gitmem wrote
        return [f"{ref}: unreadable history ({exc})"]
    memory_format, problems = _meta(repo, ref, entries, local_clock)
    problems.extend(shape_problems(ref, entries, memory_format))
    bad = {p.split(": ", 1)[0][len(ref) + 1:] for p in problems}
    for path, oid, mode in entries:
        if stat.S_ISDIR(mode) or path in bad or path == META_PATH:
            continue
        if oid in known_blobs or (known_paths is not None and known_paths.get(path) == oid):
            continue
        where = f"{ref}:{path}"
        is_task, is_session = path.startswith(TASKS_DIR + "/"), path.startswith(SESSIONS_DIR + "/")
        schema_name = "task" if is_task else "session" if is_session else "aliases"
        try:
            doc = _check_blob(repo, where, oid, schema_name)
            if isinstance(doc, str):
                problems.append(doc)
            elif _record_id(doc, is_task, is_session) not in (None, os.path.basename(path)[: -len(".toml")]):
                problems.append(f"{where}: the record's id does not match its file name")
        except (GitmemError, *MALFORMED) as exc:
            problems.append(f"{where}: {getattr(exc, 'message', None) or exc}")
    if problems:
        from gitmem.store import events

        events.record(repo, "validation-failure", ref=ref, commit=commit, count=len(problems), first=problems[0][:300])
    return problems


MAX_NOTE = 256 * 1024
NOTE_NAME = re.compile(r"[0-9a-f]{2,64}")
CLAIM_FILE = re.compile(r"claims/(t-[a-z2-7]{10})\.toml")


def _entries_or_problem(repo: Repo, ref: str, commit: str) -> list[TreeEntry] | str:
    try:
        return repo.walk_tree(repo.commit_info(commit).tree, MAX_ENTRIES)
    except TooLarge as exc:
        return f"{ref}: {exc}, over the limit"
    except GitmemError as exc:
        return f"{ref}: {exc.message}"


def check_claims(repo: Repo, ref: str, commit: str) -> list[str]:
    """Problems in a fetched claims commit: only ``claims/<task id>.toml`` records that pass
    the claim schema, name the task of their file, and carry sane stamps."""
    entries = _entries_or_problem(repo, ref, commit)
    if isinstance(entries, str):
        return [entries]
    problems = []
    for path, oid, mode in entries:
        where = f"{ref}:{path}"
        if path == "claims" and stat.S_ISDIR(mode):
            continue
        found = CLAIM_FILE.fullmatch(path)
        if found is None or mode != BLOB_MODE:
            problems.append(f"{where}: is not claims/<task id>.toml")
            continue
        doc = _check_blob(repo, where, oid, "claim")
        if isinstance(doc, str):
            problems.append(doc)
        elif doc.get("task") != found.group(1):
            problems.append(f"{where}: the record's task does not match its file name")
        elif any(int(str(e["stamp"]).partition("@")[0]) > MAX_CLOCK for e in _events(doc)):
            problems.append(f"{where}: a Lamport stamp beyond any real history")
    return problems


def _events(doc: Mapping[str, object]) -> list[dict[str, object]]:
    found = doc.get("events")
    return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []


def check_notes_tree(repo: Repo, ref: str, commit: str) -> list[str]:
    """Entries of a fetched notes commit that are not notes on commits (fan-out of hex names)."""
    entries = _entries_or_problem(repo, ref, commit)
    if isinstance(entries, str):
        return [entries]
    problems = []
    for path, oid, mode in entries:
        if not all(NOTE_NAME.fullmatch(part) for part in path.split("/")):
            problems.append(f"{ref}:{path}: is not a note on a commit")
        elif not stat.S_ISDIR(mode):
            name = path.replace("/", "")
            if mode != BLOB_MODE or len(name) not in (40, 64):
                problems.append(f"{ref}:{path}: is not a note on a commit")
            elif (size := repo.blob_size(oid)) > MAX_NOTE:
                problems.append(f"{ref}:{path}: {size} bytes, over the {MAX_NOTE}-byte limit for a note")
    return problems


def check_note(doc: Mapping[str, object], where: str) -> str | None:
    """Why a fetched note document cannot be merged, if it cannot."""
    from gitmem.store.schema import errors

    problems = errors("note", doc)
    return f"{where}: {problems[0]}" if problems else None


def check_written(repo: Repo, ref: str, commit: str) -> list[str]:
    """Problems in a commit gitmem itself is about to put on ``ref``, reading only the blobs
    that changed since its first parent. Under test (``GITMEM_TEST_CHECK_WRITES``) every
    ref update runs it, so no write path can publish what fsck or a teammate would refuse."""
    parents = repo.commit_info(commit).parents
    before = {e.path: e.oid for e in repo.walk_tree(repo.commit_info(parents[0]).tree, MAX_ENTRIES)} if parents else {}
    if ref == CLAIMS_REF:
        return check_claims(repo, ref, commit)
    if ref == NOTES_REF:
        problems = check_notes_tree(repo, ref, commit)
        for path, oid, mode in repo.walk_tree(repo.commit_info(commit).tree, MAX_ENTRIES):
            if not stat.S_ISDIR(mode) and before.get(path) != oid:
                doc = _check_blob(repo, f"{ref}:{path}", oid, "note")
                if isinstance(doc, str):
                    problems.append(doc)
        return problems
    if ref.startswith((MEMORY_PREFIX, BACKUP_PREFIX)):
        return check_memory(repo, ref, commit, set(), known_paths=before)
    return [f"{ref}: not a ref gitmem writes"]
