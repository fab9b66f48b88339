"""Session digests as git notes on code commits (``refs/notes/codex``), merged per commit.

Notes trees may be fanned out (``ab/cdef…``) by git; libgit2 and the git CLI fan out
differently, so a note is looked up under every layout and rewritten where it was found.
Several digests on one commit merge by session id; nothing replaces a note wholesale.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from gitmem.core.constants import NOTES_REF
from gitmem.core.errors import CorruptMemory
from gitmem.git.repo import Repo
from gitmem.store.cas import update_ref
from gitmem.store.codec import dumps, loads


def _candidates(commit: str) -> list[str]:
    return [commit, f"{commit[:2]}/{commit[2:]}", f"{commit[:2]}/{commit[2:4]}/{commit[4:]}"]


def _find(repo: Repo, tree: str, commit: str) -> tuple[str, bytes] | None:
    for path in _candidates(commit):
        data = repo.blob_at(tree, path)
        if data is not None:
            return path, data
    return None


def read_digests(repo: Repo, commit: str, ref: str = NOTES_REF) -> dict[str, dict[str, Any]]:
    """Session digests noted on ``commit``: session id -> digest."""
    tip = repo.ref_target(ref)
    if tip is None:
        return {}
    found = _find(repo, repo.commit_info(tip).tree, commit)
    if found is None:
        return {}
    return parse_note(found[1], f"{ref}:{found[0]}")


def parse_note(data: bytes, where: str) -> dict[str, dict[str, Any]]:
    return parse_note_document(loads(data, where), where)


def parse_note_document(doc: Mapping[str, Any], where: str) -> dict[str, dict[str, Any]]:
    sessions = doc.get("sessions", {})
    if not isinstance(sessions, dict) or not all(isinstance(v, dict) for v in sessions.values()):
        raise CorruptMemory(f"{where} is not a gitmem note", hint="run 'git codex fsck'")
    return sessions


def merge_digests(a: Mapping[str, dict[str, Any]], b: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Union by session id; the same session twice keeps the later-ended digest."""
    out = dict(a)
    for sid, digest in b.items():
        mine = out.get(sid)
        if mine is None or (str(digest.get("ended_at", "")), repr(digest)) > (str(mine.get("ended_at", "")), repr(mine)):
            out[sid] = digest
    return out


def encode_note(digests: Mapping[str, dict[str, Any]]) -> bytes:
    return dumps({"sessions": {k: digests[k] for k in sorted(digests)}}).encode("utf-8")


def add_digest(repo: Repo, commit: str, session_id: str, digest: dict[str, Any], trailers: Mapping[str, str]) -> None:
    """Merge one session's digest into the note on ``commit``, by CAS on the notes ref."""

    def attempt(current: str | None) -> tuple[str, str, bool] | None:
        tree = repo.commit_info(current).tree if current else None
        found = _find(repo, tree, commit) if tree else None
        existing = parse_note(found[1], f"{NOTES_REF}:{found[0]}") if found else {}
        merged = merge_digests(existing, {session_id: digest})
        if merged == existing:
            return None
        path = found[0] if found else commit
        new_tree = repo.update_tree(tree, {path: encode_note(merged)})
        message = f"Notes added by 'git codex session end' for {commit[:12]}\n\n" + "".join(
            f"{k}: {v}\n" for k, v in trailers.items() if v
        )
        new = repo.create_commit(new_tree, [current] if current else [], message)
        return new, f"notes: session {session_id}", True

    update_ref(repo, NOTES_REF, attempt)


def copy_notes(repo: Repo, mapping: Mapping[str, str], trailers: Mapping[str, str]) -> int:
    """Copy (merge) the note of each old commit onto its new commit, in one notes commit.

    Old notes stay: a teammate may still have the old commit (gc removes them once the
    commit is unreachable from every ref). Squashed commits' digests merge on the new one.
    """
    copied: list[int] = []

    def attempt(current: str | None) -> tuple[str, str, int] | None:
        if current is None:
            return None
        tree = repo.commit_info(current).tree
        targets: dict[str, tuple[str, dict[str, dict[str, Any]]]] = {}
        for old, new in mapping.items():
            found = _find(repo, tree, old)
            if found is None:
                continue
            digests = parse_note(found[1], f"{NOTES_REF}:{found[0]}")
            if new not in targets:
                existing = _find(repo, tree, new)
                base = parse_note(existing[1], f"{NOTES_REF}:{existing[0]}") if existing else {}
                targets[new] = (existing[0] if existing else new, base)
            path, merged = targets[new]
            targets[new] = (path, merge_digests(merged, digests))
        blobs: dict[str, bytes | None] = {path: encode_note(d) for path, d in targets.values()}
        if not blobs:
            return None
        new_tree = repo.update_tree(tree, blobs)
        if new_tree == tree:
            return None
        message = "Notes copied by gitmem after a rewrite\n\n" + "".join(f"{k}: {v}\n" for k, v in trailers.items() if v)
        return repo.create_commit(new_tree, [current], message), "notes: copy after rewrite", len(blobs)

    result = update_ref(repo, NOTES_REF, attempt)
    copied.append(result or 0)
    return copied[0]


def notes_in(repo: Repo, commit: str | None) -> dict[str, tuple[str, str]]:
    """Every note in a notes commit: annotated commit id -> (path in the tree, blob id)."""
    if commit is None:
        return {}
    out = {}
    for path, oid in repo.iter_blobs(repo.commit_info(commit).tree, ""):
        annotated = path.replace("/", "")
        if len(annotated) in (40, 64) and all(c in "0123456789abcdef" for c in annotated):
            out[annotated] = (path, oid)
    return out


def merged_note_blobs(repo: Repo, ours: str | None, theirs: str, label: str, *, skip: Collection[str] = (),
                      check: Callable[[Mapping[str, Any], str], str | None] | None = None,
                      ) -> tuple[dict[str, bytes | None], list[str]]:
    """Blobs that make ``ours`` hold both sides' digests, per annotated commit (never per
    path: fan-outs differ between writers); and the notes of ``theirs`` left out as invalid
    (``skip``: paths already refused; ``check``: why a parsed note is refused, if it is)."""
    mine = notes_in(repo, ours)
    blobs: dict[str, bytes | None] = {}
    problems = []
    for commit, (path, oid) in notes_in(repo, theirs).items():
        local = mine.get(commit)
        if path in skip or (local is not None and local[1] == oid):
            continue
        where = f"{label}:{path}"
        try:
            doc = loads(repo.read_blob(oid), where)
            incoming = parse_note_document(doc, where)
        except CorruptMemory as exc:
            problems.append(exc.message)
            continue
        if check is not None and (why := check(doc, where)) is not None:
            problems.append(why)
            continue
        current = parse_note(repo.read_blob(local[1]), f"{NOTES_REF}:{local[0]}") if local else {}
        merged = merge_digests(current, incoming)
        if merged != current:
            blobs[local[0] if local else commit] = encode_note(merged)
    return blobs, problems
