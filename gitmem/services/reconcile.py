"""``cache reconcile``: the user's choice after a diverged history (design §5)."""

from __future__ import annotations

from gitmem.core.errors import InvalidInput
from gitmem.engine import branches, drift
from gitmem.engine.fold import merge_into
from gitmem.engine.rewrite import amended, remap_memory
from gitmem.engine.workspace import Workspace
from gitmem.git.cli import patch_ids
from gitmem.store import events, local, notes

CHOICES = ("ignore", "rebase", "fork", "rebuild")


def base_branch(ws: Workspace) -> branches.Source | None:
    """The memory of the branch HEAD is now based on: the newest other branch tip in HEAD's history."""
    best: tuple[int, branches.Source] | None = None
    for name, tip in ws.repo.branches().items():
        if name == ws.branch or ws.head is None or not ws.repo.is_ancestor(tip, ws.head):
            continue
        source = branches.memory_of(ws, name)
        when = ws.repo.commit_info(tip).time
        if source and (best is None or when > best[0]):
            best = (when, source)
    return best[1] if best else None


def relink(ws: Workspace, old_head: str | None) -> tuple[int, int]:
    """Map evidence commits no longer in HEAD's history to HEAD's commits: by the amends the
    branch's reflog records (content changes included), then by patch id."""
    repo = ws.repo
    snap = ws.require_snapshot()
    head = ws.head or ""
    referenced = {k for t in snap.tasks().values() for k in t.members("evidence")}
    lost = [c for c in referenced if not repo.has_object(c) or not repo.is_ancestor(c, head)]
    if not lost:
        return 0, 0
    amends = amended(ws, f"refs/heads/{ws.branch}")
    mapping = {c: amends[c] for c in lost if c in amends and repo.has_object(amends[c]) and repo.is_ancestor(amends[c], head)}
    base = repo.merge_base(old_head, head) if old_head and repo.has_object(old_head) else None
    current = [c.id for c in repo.commits_between(base, head, limit=5000)] if base else []
    present = [c for c in lost if repo.has_object(c) and c not in mapping]
    ids = patch_ids(repo.workdir or repo.git_dir, [*present, *current])
    by_patch = {ids[c]: c for c in current if c in ids}
    mapping.update({c: by_patch[ids[c]] for c in present if c in ids and ids[c] in by_patch})
    orphans = {c for c in lost if c not in mapping}
    remap_memory(ws, mapping, orphans)
    notes.copy_notes(repo, mapping, ws.trailers())
    return len(mapping), len(orphans)


def reconcile(ws: Workspace, choice: str) -> list[str]:
    if choice not in CHOICES:
        raise InvalidInput(f"unknown reconcile choice {choice!r}", hint="use --ignore, --rebase, --fork or --rebuild")
    ws.require_snapshot()
    seen = drift.read_seen(ws)
    # The head last seen on this branch: the worktree's, or the one kept per branch when the
    # worktree was elsewhere while the branch was rewritten.
    old_head = seen.get("head") if seen.get("branch") == ws.branch else drift.seen_head_of(ws, ws.branch)
    done: list[str] = []
    source = base_branch(ws) if choice in ("rebase", "fork") else None
    if choice == "fork" and source is None:
        raise InvalidInput(f"no other branch with memory is in HEAD's history: nothing to fork {ws.branch}'s memory from",
                           hint="--rebase or --rebuild re-link evidence by patch id; --ignore accepts HEAD as it is")
    if choice == "rebase" and source is None:  # the default branch, rebased onto its upstream
        mapped, orphaned = relink(ws, old_head)
        done.append(f"no other branch's memory to merge; remapped {mapped} commits by patch id; {orphaned} left orphaned")
    elif choice in ("rebase", "fork") and source is not None:
        if choice == "rebase":
            result = merge_into(ws, ws.ref, source.commit, source.label)
            done.append(f"merged the memory of {source.label} ({result.outcome})")
            mapped, orphaned = relink(ws, old_head)
            done.append(f"remapped {mapped} commits by patch id; {orphaned} left orphaned")
        else:
            saved = branches.backup(ws, ws.ref, "reconcile --fork")
            current = ws.repo.ref_target(ws.ref)
            local.new_actor_for(ws.repo, ws.ref)  # a new history: never reuse the old actor suffix
            ws.repo.cas_ref(ws.ref, source.commit, current, f"memory: fork from {source.label}")
            done.append(f"memory forked afresh from {source.label}; the old one is kept as {saved}")
    elif choice == "rebuild":
        mapped, orphaned = relink(ws, old_head)
        done.append(f"re-linked {mapped} commits by patch id; {orphaned} marked orphaned")
    drift.write_seen(ws)
    done.append(f"seen point is now {(ws.head or '')[:12]}")
    events.record(ws.repo, "reconcile", choice=choice, branch=ws.branch, actions=done)
    return done
