"""Folding what a fetch brought: each fetched memory and the notes, checked
(``store.shape``, remembered by ``trust``) and merged into the local refs that follow them.
Used by ``fetch``/``sync`` and by drift's lazy fold after a plain ``git fetch``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from gitmem.core.constants import CLAIMS_REF, MEMORY_PREFIX, NOTES_REF, REMOTE_PREFIX
from gitmem.core.errors import GitmemError
from gitmem.engine import trust
from gitmem.engine.fold import merge_into
from gitmem.engine.workspace import Workspace
from gitmem.git.repo import Repo
from gitmem.store import claims as claim_store
from gitmem.store import notes, shape
from gitmem.store.cas import update_ref
from gitmem.store.refnames import branch_of, memory_ref, remote_memory_ref
from gitmem.store.sessions import session_path


@dataclass
class SyncReport:
    remote: str
    fetched: int = 0
    merged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pushed: list[str] = field(default_factory=list)
    lost_claims: list[str] = field(default_factory=list)
    unsent: list[str] = field(default_factory=list)
    """Local refs left out of the push because they fail the checks a teammate's fetch makes."""


def remote_claims_ref(remote: str) -> str:
    return f"{REMOTE_PREFIX}{remote}/claims"


def remote_notes_ref(remote: str) -> str:
    return f"refs/notes/codex-remotes/{remote}"


def tracking_ref(remote: str, name: str) -> str | None:
    if name.startswith(MEMORY_PREFIX):
        return f"{REMOTE_PREFIX}{remote}/branches/{name[len(MEMORY_PREFIX):]}"
    if name == CLAIMS_REF:
        return remote_claims_ref(remote)
    if name == NOTES_REF:
        return remote_notes_ref(remote)
    return None


def targets(ws: Workspace, remote: str, branch: str) -> list[str]:
    """Local memories that follow ``remote``'s ``branch``: branches tracking it, and the roadmap."""
    refs = [memory_ref(local) for local in ws.repo.branches() if ws.repo.upstream(local) == (remote, branch)]
    if branch == ws.default_branch and memory_ref(branch) not in refs:
        refs.append(memory_ref(branch))
    return refs


def not_a_commit(repo: Repo, ref: str, tip: str) -> str | None:
    """Why a fetched ``tip`` of ``ref`` cannot be merged at all (a remote may point a ref anywhere)."""
    try:
        repo.commit_info(tip)
    except GitmemError as exc:
        return f"{ref}: {exc.message}"
    return None


def merge_remote_memory(ws: Workspace, remote: str, branch: str, report: SyncReport, *, quiet_if_known: bool = False) -> None:
    """Check the fetched memory of ``remote/branch``, then merge it into each local follower.

    A tip refused once stays refused (and is not read again) until the remote ref moves;
    ``quiet_if_known`` leaves such a known refusal out of the report (the lazy fold says it once)."""
    repo = ws.repo
    tracking = remote_memory_ref(remote, branch)
    tip = repo.ref_target(tracking)
    if tip is None:
        return
    if (problem := not_a_commit(repo, tracking, tip)) is not None:
        report.problems.append(problem)
        return
    for target in targets(ws, remote, branch):
        local_tip = repo.ref_target(target)
        if local_tip == tip or (local_tip and repo.is_ancestor(tip, local_tip)):
            continue
        if (known := trust.refusal(repo, tracking, tip)) is not None:
            if not quiet_if_known:
                report.problems.extend(known)
            return
        if not trust.trusted(repo, tracking, tip):
            mine = ws.store.load_commit(target, local_tip) if local_tip else None
            # Known blobs are skipped only where they already are: a known blob copied to
            # another task's path must still be checked (its id would not match).
            known_paths = {mine.task_path(t): oid for t, oid in mine.task_blobs.items()} if mine else {}
            known_paths.update({session_path(s): oid for s, oid in mine.session_blobs.items()} if mine else {})
            problems = shape.check_memory(repo, tracking, tip, set(), known_paths=known_paths, local_tip=local_tip,
                                          local_clock=mine.meta.clock if mine else None, history=True)
            if problems:
                trust.remember(repo, tracking, tip, problems)
                report.problems.extend(problems)
                return
            trust.remember(repo, tracking, tip)
        if local_tip is None and target != memory_ref(ws.default_branch):
            continue
        result = merge_into(ws, target, tip, f"{remote}/{branch}")
        report.merged.append(f"{remote}/{branch} -> {branch_of(target)}: {result.outcome}")


def forged_claims(repo: Repo, ref: str, mine_tip: str, theirs_tip: str) -> list[str]:
    """Claims stamped as if made before events their writer already held.

    An honest writer stamps a new event after every event it holds, and a merge only joins
    its parents' events; so in each fetched commit, every event new to a task must be
    stamped after all of that task's events in the commit's parents (a merge commit adds
    none). A forged early stamp on a claim made on top of ours breaks that rule."""
    problems: list[str] = []
    for commit in repo.commits_between(mine_tip, theirs_tip, limit=shape.MAX_HISTORY):
        tree = repo.tree_entries(commit.tree, claim_store.CLAIMS_DIR)
        parents = [repo.tree_entries(repo.commit_info(p).tree, claim_store.CLAIMS_DIR) for p in commit.parents]
        for name, (oid, _) in tree.items():
            before = {parent[name][0] for parent in parents if name in parent}
            if oid in before:
                continue
            path = f"{claim_store.CLAIMS_DIR}/{name}"
            held = {e for b in before for e in claim_store.decode_events(repo.read_blob(b), path)[1]}
            new = set(claim_store.decode_events(repo.read_blob(oid), path)[1]) - held
            latest = max((e.stamp for e in held), default=None)
            if new and (len(parents) > 1 or (latest is not None and min(e.stamp for e in new) <= latest)):
                problems.append(f"{ref}:{path}: commit {commit.id[:12]} adds a claim event stamped before "
                                "events it already held (a forged stamp)")
    return problems


def merge_remote_notes(ws: Workspace, remote: str, report: SyncReport) -> None:
    repo = ws.repo
    ref = remote_notes_ref(remote)
    theirs = repo.ref_target(ref)
    if theirs is None:
        return
    if (problem := not_a_commit(repo, ref, theirs)) is not None:
        report.problems.append(problem)
        return
    misshapen = shape.check_notes_tree(repo, ref, theirs)
    report.problems.extend(misshapen)
    skip = {p.split(": ", 1)[0][len(ref) + 1:] for p in misshapen}

    def blobs_for(current: str | None) -> tuple[dict[str, bytes | None], bool]:
        blobs, problems = notes.merged_note_blobs(repo, current, theirs, ref, skip=skip, check=shape.check_note)
        report.problems.extend(p for p in problems if p not in report.problems)
        return blobs, not (problems or misshapen)  # what was left out must never become an ancestor

    if fold_ref(repo, NOTES_REF, theirs, "notes", remote, blobs_for):
        report.merged.append(f"{remote} notes")


def fold_ref(repo: Repo, ref: str, theirs: str, what: str, remote: str,
              blobs_for: Callable[[str | None], tuple[dict[str, bytes | None], bool]]) -> bool:
    """Bring the fetched commit ``theirs`` into ``ref`` by CAS: nothing when already there, a
    fast-forward or a merge commit (both parents) when everything in it was accepted, else a
    commit on ``ref`` alone holding what was accepted (so what was refused is never pushed on)."""

    def attempt(current: str | None) -> tuple[str, str, bool] | None:
        if current == theirs or (current and repo.is_ancestor(theirs, current)):
            return None
        blobs, clean = blobs_for(current)
        if clean and (current is None or repo.is_ancestor(current, theirs)):
            return theirs, f"{what}: fast-forward to {remote}", True
        base = repo.commit_info(current).tree if current else None
        tree = repo.update_tree(base, blobs)
        if not clean and tree == base:
            return None
        parents = ([current] if current else []) + ([theirs] if clean else [])
        title = f"merge {what} of {remote}" if clean else f"{what}: the valid part of {remote}'s"
        return repo.create_commit(tree, parents, f"{title}\n"), f"{what}: merge {remote}", True

    return bool(update_ref(repo, ref, attempt))
