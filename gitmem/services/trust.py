"""Checks on memory that came from elsewhere (a remote, a plain ``git fetch``) before it is merged.

Only blobs the local memory does not already hold are checked, so a fetch that changed
200 of 10,000 tasks checks 200. Problems are reported as ``ref:path: why``; a ref with any
problem is left out of the merge and local memory is untouched.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from gitmem.constants import FORMAT_VERSION, MAX_BLOB
from gitmem.errors import MALFORMED, GitmemError
from gitmem.git.repo import Repo
from gitmem.store import local, records
from gitmem.store.aliases import ALIASES_PATH
from gitmem.store.codec import loads
from gitmem.store.memory import META_PATH, TASKS_DIR
from gitmem.store.sessions import SESSIONS_DIR, session_from_document

MAX_ENTRIES = 200_000


def _check_blob(repo: Repo, where: str, oid: str, schema_name: str | None) -> dict[str, object] | str:
    data = repo.read_blob(oid)
    if len(data) > MAX_BLOB:
        return f"{where}: {len(data)} bytes, over the {MAX_BLOB}-byte limit"
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


def check_memory(repo: Repo, ref: str, commit: str, known_blobs: set[str],
                 known_paths: Mapping[str, str] | None = None) -> list[str]:
    """Problems in the memory commit ``commit`` of ``ref``; empty when it is safe to merge.

    Blobs in ``known_blobs`` (anywhere) or in ``known_paths`` (path -> blob id, at that
    path only) are already trusted and not read again."""
    try:
        info = repo.commit_info(commit)
        entries = list(repo.iter_blobs(info.tree, ""))
    except GitmemError as exc:
        return [f"{ref}: {exc.message}"]
    if len(entries) > MAX_ENTRIES:
        return [f"{ref}: {len(entries)} entries, over the {MAX_ENTRIES} limit"]
    problems = []
    paths = dict(entries)
    if META_PATH not in paths:
        problems.append(f"{ref}:{META_PATH}: missing")
    for path, oid in entries:
        if oid in known_blobs or (known_paths is not None and known_paths.get(path) == oid):
            continue
        where = f"{ref}:{path}"
        is_task = path.startswith(TASKS_DIR + "/") and path.endswith(".toml")
        is_session = path.startswith(SESSIONS_DIR + "/")
        schema_name = ("meta" if path == META_PATH else "task" if is_task else "session" if is_session
                       else "aliases" if path == ALIASES_PATH else None)
        try:
            doc = _check_blob(repo, where, oid, schema_name)
            if isinstance(doc, str):
                problems.append(doc)
            elif path == META_PATH and int(str(doc.get("format", 0))) > FORMAT_VERSION:
                problems.append(f"{where}: memory format {doc.get('format')} is newer than this gitmem")
            elif is_task and f"{records.task_from_document(doc).id}.toml" != os.path.basename(path):
                problems.append(f"{where}: the record's id does not match its file name")
            elif is_session:
                session_from_document(doc)
        except (GitmemError, *MALFORMED) as exc:
            problems.append(f"{where}: {getattr(exc, 'message', None) or exc}")
    if problems:
        from gitmem.store import events

        events.record(repo, "validation-failure", ref=ref, commit=commit, count=len(problems), first=problems[0][:300])
    return problems


def _trusted_path(repo: Repo) -> str:
    return os.path.join(local.clone_dir(repo), "trusted.json")


def trusted(repo: Repo, ref: str, commit: str) -> bool:
    """Was ``commit`` already checked for ``ref``? (a local hint; a miss just checks again)."""
    return (local.read_json(_trusted_path(repo)) or {}).get(ref) == commit


def remember(repo: Repo, ref: str, commit: str) -> None:
    seen = local.read_json(_trusted_path(repo)) or {}
    seen[ref] = commit
    local.write_json(_trusted_path(repo), seen)
