"""``gc``: expire old backups, prune aliases and notes nothing needs any more; report sizes.

Notes are removed only from commits that exist but are unreachable from every ref
(remote-tracking refs, stashes and every worktree's HEAD included): leftovers of rewrites
whose notes were already copied to the new commits. In shallow or partial clones a
missing commit proves nothing, so notes on missing commits are kept there.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from gitmem.core.constants import BACKUP_PREFIX, MEMORY_PREFIX, NOTES_REF, RESPONSES
from gitmem.core.errors import GitmemError, InvalidInput
from gitmem.derived import index
from gitmem.engine import branches
from gitmem.engine.workspace import Workspace
from gitmem.git.repo import RefMoved, Repo
from gitmem.services.fsck import drop_notes, history_incomplete
from gitmem.store import aliases, notes
from gitmem.store.memory import Change, Snapshot
from gitmem.store.refnames import branch_of

DEFAULT_EXPIRE_DAYS = 30


@dataclass
class GcReport:
    expired: list[str] = field(default_factory=list)
    backups_kept: int = 0
    aliases_pruned: dict[str, int] = field(default_factory=dict)
    notes_removed: int = 0
    notes_backup: str | None = None
    problems: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)
    stale_cache_entries: int = 0
    stale_cache_bytes: int = 0


def backup_time(repo: Repo, ref: str, target: str) -> _dt.datetime:
    """When a backup was taken: from its name, else from its commit."""
    stamp = ref[len(BACKUP_PREFIX) :][:22]
    try:
        return _dt.datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=_dt.UTC)
    except ValueError:
        return _dt.datetime.fromtimestamp(repo.commit_info(target).time, _dt.UTC)


def expire_backups(repo: Repo, days: int, report: GcReport, now: _dt.datetime) -> None:
    cutoff = now - _dt.timedelta(days=days)
    for ref, target in sorted(repo.refs_under(BACKUP_PREFIX).items()):
        try:
            old = backup_time(repo, ref, target) < cutoff
        except GitmemError:
            old = True  # a backup ref at a non-commit protects nothing
        if not old:
            report.backups_kept += 1
            continue
        try:
            repo.delete_ref(ref, target)
            report.expired.append(ref)
        except RefMoved:
            report.backups_kept += 1


def prune_aliases(ws: Workspace, report: GcReport) -> None:
    if history_incomplete(ws.repo):
        return
    for ref in sorted(ws.repo.refs_under(MEMORY_PREFIX)):
        try:
            count = _prune_aliases_of(ws, ref)
        except GitmemError as exc:
            report.problems.append(f"{ref}: aliases left as they are ({exc.message})")
            continue
        if count:
            report.aliases_pruned[ref] = count


def _prune_aliases_of(ws: Workspace, ref: str) -> int:
    """Drop the aliases of ``ref`` whose old commit is gone, in one memory commit."""
    repo = ws.repo

    def build(snap: Snapshot) -> Change | None:
        table = snap.aliases()
        keep = {old: new for old, new in table.items() if repo.object_kind(old) is not None}
        if len(keep) == len(table):
            return None
        return Change(f"gc: prune {len(table) - len(keep)} alias(es) of commits that are gone",
                      blobs={aliases.ALIASES_PATH: aliases.encode(keep) if keep else None})

    def missing() -> Snapshot:
        raise GitmemError(f"{ref} disappeared during gc")

    change, _ = ws.store.transact(ref, build, start=missing, trailers={**ws.trailers(), "Codex-Branch": branch_of(ref) or ""})
    return int(change.message.split()[2]) if change else 0


def prune_notes(ws: Workspace, report: GcReport) -> None:
    repo = ws.repo
    tip = repo.ref_target(NOTES_REF)
    if tip is None:
        return
    found = notes.notes_in(repo, tip)
    if not found:
        return
    reachable = repo.reachable_commits()
    unsure = history_incomplete(repo)
    stale = set()
    for commit, (path, _oid) in found.items():
        if commit in reachable:
            continue
        present = repo.object_kind(commit) is not None
        if present or not unsure:
            stale.add(path)
    if stale:
        report.notes_backup = branches.backup(ws, NOTES_REF, "gc: notes on unreachable commits")
        report.notes_removed = drop_notes(repo, stale, f"gc: drop {len(stale)} note(s) on unreachable commits")


def sizes(repo: Repo) -> dict[str, int]:
    """Memory and notes sizes: distinct blobs in the tips, and commits in the history."""
    seen: dict[str, int] = {}
    tasks = 0
    memories = repo.refs_under(MEMORY_PREFIX)
    for tip in memories.values():
        try:
            for path, oid in repo.iter_blobs(repo.commit_info(tip).tree, ""):
                tasks += path.startswith("tasks/")
                if oid not in seen:
                    seen[oid] = repo.blob_size(oid)
        except GitmemError:
            continue
    out = {"memories": len(memories), "task_blobs": tasks, "memory_blobs": len(seen), "memory_bytes": sum(seen.values())}
    tips = list(memories.values())
    out["memory_commits"] = repo.count_commits(tips)
    notes_tip = repo.ref_target(NOTES_REF)
    found = notes.notes_in(repo, notes_tip) if notes_tip else {}
    out["notes"] = len(found)
    out["notes_bytes"] = sum(repo.blob_size(oid) for _path, oid in found.values())
    out["notes_commits"] = repo.count_commits([notes_tip] if notes_tip else [])
    out["backups"] = len(repo.refs_under(BACKUP_PREFIX))
    return out


MAX_EXPIRE_DAYS = 36_500


def gc(ws: Workspace, *, expire_days: int = DEFAULT_EXPIRE_DAYS, now: _dt.datetime | None = None) -> GcReport:
    """Expire backups, prune aliases and notes nothing needs; then measure."""
    ws.require_enabled()
    if expire_days > MAX_EXPIRE_DAYS:
        raise InvalidInput(f"--expire {expire_days} is more days than any backup can be old",
                           hint=f"give at most {MAX_EXPIRE_DAYS} (a century); nothing was expired")
    report = GcReport()
    expire_backups(ws.repo, expire_days, report, now or _dt.datetime.now(_dt.UTC))
    prune_aliases(ws, report)
    prune_notes(ws, report)
    report.stale_cache_entries, report.stale_cache_bytes = index.remove_stale(ws.repo, {RESPONSES})
    report.sizes = sizes(ws.repo)
    return report
