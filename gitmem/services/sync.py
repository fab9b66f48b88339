"""Sharing memory through remotes: fetch (check, then merge), push (atomic, never forced), sync."""

from __future__ import annotations

from gitmem.core.constants import CLAIMS_REF, NOTES_REF
from gitmem.core.errors import MALFORMED, ConcurrentUpdate, GitmemError, InvalidInput
from gitmem.core.text import flat
from gitmem.engine import trust
from gitmem.engine.inbound import (
    SyncReport,
    fold_ref,
    forged_claims,
    merge_remote_memory,
    merge_remote_notes,
    remote_claims_ref,
    tracking_ref,
)
from gitmem.engine.workspace import Workspace
from gitmem.git import transport
from gitmem.git.repo import Repo
from gitmem.services import tasks as task_service
from gitmem.store import claims as claim_store
from gitmem.store import shape
from gitmem.store.refnames import branch_of, memory_ref

PUSH_ATTEMPTS = 5


def check_remote(ws: Workspace, remote: str) -> None:
    names = (ws.repo.config_get(f"remote.{remote}.url"), ws.repo.config_get(f"remote.{remote}.pushurl"))
    if not any(names) or "/" in remote or remote.startswith("-"):
        raise InvalidInput(f"no remote named {remote!r}", hint="see 'git remote -v'")


def default_remote(ws: Workspace) -> str:
    upstream = ws.repo.upstream(ws.branch) or ws.repo.upstream(ws.default_branch)
    return upstream[0] if upstream else "origin"


def merge_remote_claims(ws: Workspace, remote: str, report: SyncReport) -> None:
    repo = ws.repo
    ref = remote_claims_ref(remote)
    theirs_tip = repo.ref_target(ref)
    if theirs_tip is None:
        return
    problems = shape.check_claims(repo, ref, theirs_tip)
    try:
        theirs = {} if problems else claim_store.load_events(repo, theirs_tip)
        mine_tip = repo.ref_target(CLAIMS_REF)
        if not problems and mine_tip is not None:
            problems = forged_claims(repo, ref, mine_tip, theirs_tip)
    except (GitmemError, *MALFORMED) as exc:  # anything unreadable from a remote is reported, not merged
        problems = [f"{ref}: {getattr(exc, 'message', None) or exc}"]
    if problems:
        report.problems.extend(problems)
        return
    before = claim_store.load_claims(repo)

    def blobs_for(current: str | None) -> tuple[dict[str, bytes | None], bool]:
        mine = claim_store.load_events(repo, current) if current else {}
        return claim_store.merged_blobs(mine, theirs), True

    if fold_ref(repo, CLAIMS_REF, theirs_tip, "claims", remote, blobs_for):
        report.merged.append(f"{remote} claims")
    after = claim_store.load_claims(repo)
    for task, held in before.items():
        now = after.get(task)
        if held.actor == ws.actor_id and now is not None and now.agent != held.agent:
            report.lost_claims.append(f"{task}: {held.agent}'s claim lost to {now.agent}'s earlier claim")
            _give_owner(ws, task, now.agent, report)


def _give_owner(ws: Workspace, task_id: str, agent: str, report: SyncReport) -> None:
    """After a lost claim the task's owner names the winner: a concurrent claim also set the
    owner field, and the field merge (latest stamp) may have picked the loser."""
    try:
        snap = ws.snapshot()
        if snap is not None and task_id in snap.task_blobs and snap.task(task_id).owner != agent:
            task_service.edit(ws, task_id, {"owner": agent})
    except GitmemError as exc:
        report.problems.append(f"{task_id}: could not record {agent} as its owner ({exc.message})")


def fetch(ws: Workspace, remote: str) -> SyncReport:
    """Fetch the remote's memory into refs/codex-remotes/<remote>/, check it, merge it."""
    check_remote(ws, remote)
    report = SyncReport(remote)
    workdir = ws.repo.workdir or ws.repo.git_dir
    found = transport.ls_remote(workdir, remote, ["refs/codex/*", NOTES_REF])
    refspecs = [f"+{name}:{dst}" for name in sorted(found) if (dst := tracking_ref(remote, name))]
    transport.fetch(workdir, remote, refspecs)
    report.fetched = len(refspecs)
    for name in sorted(found):
        branch = branch_of(name)
        if branch is not None:
            merge_remote_memory(ws, remote, branch, report)
    merge_remote_claims(ws, remote, report)
    merge_remote_notes(ws, remote, report)
    return report


def push_refspecs(ws: Workspace, remote: str, everything: bool) -> list[str]:
    """Never forced: the roadmap, branches with an upstream on ``remote`` (or all), claims, notes."""
    repo = ws.repo
    specs: dict[str, str] = {}
    for local in sorted(repo.branches()):
        src = memory_ref(local)
        if repo.ref_target(src) is None:
            continue
        upstream = repo.upstream(local)
        if upstream and upstream[0] == remote:
            specs.setdefault(memory_ref(upstream[1]), src)
        elif everything or local == ws.default_branch:
            specs.setdefault(memory_ref(local), src)
    roadmap = memory_ref(ws.default_branch)
    if repo.ref_target(roadmap) is not None:
        specs.setdefault(roadmap, roadmap)
    for ref in (CLAIMS_REF, NOTES_REF):
        if repo.ref_target(ref) is not None:
            specs[ref] = ref
    return [f"{src}:{dst}" for dst, src in sorted(specs.items())]


def push(ws: Workspace, remote: str, everything: bool = False, report: SyncReport | None = None) -> SyncReport:
    """Push atomically; on rejection fetch, merge and retry (bounded). A ref whose remote
    side holds memory that was refused is left out of the push (it could never fast-forward)."""
    check_remote(ws, remote)
    report = report or SyncReport(remote)
    workdir = ws.repo.workdir or ws.repo.git_dir
    for _ in range(PUSH_ATTEMPTS):
        specs = [s for s in push_refspecs(ws, remote, everything) if not _refused(remote, s, report.problems)]
        specs = [s for s in specs if _sendable(ws.repo, s.partition(":")[0], report)]
        if not specs:
            return report
        result = transport.push(workdir, remote, specs)
        if result.ok:
            report.pushed = list(result.updated)
            return report
        merged = fetch(ws, remote)
        report.merged.extend(merged.merged)
        new_problems = [p for p in merged.problems if p not in report.problems]
        report.problems.extend(new_problems)
        report.lost_claims.extend(merged.lost_claims)
        if merged.problems and not merged.merged and not new_problems:
            # The remote's memory cannot be merged, so it can never be fast-forwarded: stop.
            raise InvalidInput(
                f"{remote} rejected the push and its memory cannot be merged: {flat(merged.problems[0])}",
                hint="ask whoever pushed it to run 'git codex fsck'; 'git codex push' works again once it is fixed",
            )
    raise ConcurrentUpdate(f"{remote} kept rejecting the memory push after {PUSH_ATTEMPTS} attempts",
                           hint="someone is pushing memory at the same moment; run 'git codex sync' again")


def _sendable(repo: Repo, ref: str, report: SyncReport) -> bool:
    """Does the local ``ref`` pass the checks a teammate's fetch makes? Only the blobs changed
    since the last tip that passed are read; what fails is named in ``report.unsent``."""
    tip = repo.ref_target(ref)
    if tip is None or trust.trusted(repo, ref, tip):
        return True
    if ref == CLAIMS_REF:
        problems = shape.check_claims(repo, ref, tip)
    elif ref == NOTES_REF:
        problems = shape.check_notes_tree(repo, ref, tip)
    else:
        last = trust.last_good(repo, ref)
        known = {e.path: e.oid for e in repo.walk_tree(repo.commit_info(last).tree, shape.MAX_ENTRIES)} \
            if last and repo.has_object(last) else {}
        problems = shape.check_memory(repo, ref, tip, set(), known_paths=known)
    if problems:
        report.unsent.extend(p for p in problems if p not in report.unsent)
        return False
    trust.remember(repo, ref, tip)
    return True


def _refused(remote: str, spec: str, problems: list[str]) -> bool:
    """Does ``spec`` push to a ref whose fetched remote side was left out?"""
    tracking = tracking_ref(remote, spec.rpartition(":")[2])
    return tracking is not None and any(p.startswith((tracking + ":", tracking + " ")) for p in problems)


def sync(ws: Workspace, remote: str, everything: bool = False) -> SyncReport:
    report = fetch(ws, remote)
    return push(ws, remote, everything, report)
