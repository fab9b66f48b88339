"""Drift: compare this worktree's seen point with the live repository, and follow it.

Every command checks first, because ``reset --hard``, ``rebase --abort``, cherry-pick,
``branch -m`` and libgit2 writers fire no hook. Automatic actions (fork, rename, folding
merged branches back, an upstream's fetched memory) are applied and reported; a diverged
history is only reported until ``git codex cache reconcile`` says what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gitmem.core import inputs
from gitmem.core.errors import MALFORMED, GitmemError
from gitmem.engine.workspace import Workspace, utc_now
from gitmem.store import aliases, events, local
from gitmem.store.refnames import remote_memory_ref

if TYPE_CHECKING:
    from gitmem.engine.branches import Source

# Patterns as strings: ``re`` compiles each on first use, and a command that needs none pays nothing.
_MERGE_MESSAGE = r"^Merge (?:remote-tracking )?branch(?:es)? '([^']+)'"


@dataclass
class Drift:
    kind: str
    """none | first | ahead | branch-switch | rewritten | diverged | detached | unknown"""
    branch: str
    head: str | None
    seen_branch: str | None = None
    seen_head: str | None = None
    actions: list[str] = field(default_factory=list)
    warning: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "branch": self.branch, "head": self.head, "seen_branch": self.seen_branch,
                "seen_head": self.seen_head, "actions": self.actions, "warning": self.warning}


def read_seen(ws: Workspace) -> dict[str, str]:
    seen = local.read_json(local.seen_path(ws.repo)) or {}
    return {k: v for k, v in seen.items() if isinstance(v, str)}


def write_seen(ws: Workspace) -> None:
    """Record HEAD as seen, for this branch and as the worktree's current point."""
    if ws.detached or ws.head is None:
        return
    raw = local.read_json(local.seen_path(ws.repo)) or {}
    previous = raw.get("heads")
    heads: dict[str, str] = dict(previous) if isinstance(previous, dict) else {}
    heads[ws.branch] = ws.head
    local.write_json(local.seen_path(ws.repo), {"branch": ws.branch, "head": ws.head, "at": utc_now(), "heads": heads})


def seen_head_of(ws: Workspace, branch: str) -> str | None:
    raw = local.read_json(local.seen_path(ws.repo)) or {}
    heads = raw.get("heads")
    value = heads.get(branch) if isinstance(heads, dict) else None
    return value if isinstance(value, str) else None


def _rewritten_away(ws: Workspace, last: str) -> bool:
    """Whether ``last``, the head last seen on this branch, left its history unmapped."""
    repo = ws.repo
    if ws.head is None or not repo.has_object(last) or repo.is_ancestor(last, ws.head):
        return False
    snap = ws.snapshot()
    known = snap.aliases() if snap else {}
    return not (aliases.resolve(known, last) != last and _in_history(ws, known, last))


def _in_history(ws: Workspace, known: dict[str, str], commit: str) -> bool:
    """``commit``, or what a rewrite made of it (``aliases``), is in HEAD's history."""
    mapped = aliases.resolve(known, commit)
    return ws.repo.has_object(mapped) and ws.repo.is_ancestor(mapped, ws.head or "")


def classify(ws: Workspace, seen: dict[str, str]) -> str:
    repo = ws.repo
    old = seen.get("head")
    if ws.detached:
        return "detached"
    if not seen or not old:
        return "first"
    if seen.get("branch") != ws.branch:
        return "branch-switch"
    if old == ws.head or ws.head is None:
        return "none"
    if not repo.has_object(old):
        return "unknown" if repo.is_shallow else "diverged"
    if repo.is_ancestor(old, ws.head):
        return "ahead"
    snap = ws.snapshot()
    known = snap.aliases() if snap else {}
    if aliases.resolve(known, old) != old and _in_history(ws, known, old):
        return "rewritten"
    # A merge commit a rebase dropped (``pull`` then ``pull --rebase``): it is rewritten when
    # each of its parents is in HEAD's history, or was rewritten into it.
    parents = repo.commit_info(old).parents
    if len(parents) > 1 and all(_in_history(ws, known, p) for p in parents) \
            and any(aliases.resolve(known, p) != p for p in parents):
        return "rewritten"
    if repo.is_shallow:
        return "unknown"
    return "diverged"


_FAST_FORWARD = r"merge (.+): Fast-forward"
FAST_FORWARD_LOOKBACK = 50
"""Reflog entries of the branch read back to the last head seen."""


def merged_branch(ws: Workspace, parent: str, message: str) -> Source | None:
    """The memory of the branch a merge commit brought in through ``parent``."""
    from gitmem.engine import branches

    found = branches.memory_at(ws, parent)
    if found:
        return found
    named = re.match(_MERGE_MESSAGE, message)
    return branches.memory_of(ws, named.group(1)) if named else None


def _fold(ws: Workspace, source: Source | None, how: str = "") -> list[str]:
    """Merge ``source`` (another branch's memory) into this branch's; what was done, if anything."""
    if source is None or source.ref == ws.ref:
        return []
    from gitmem.engine.fold import merge_into

    result = merge_into(ws, ws.ref, source.commit, source.label)
    return [] if result.outcome == "up-to-date" else [f"merged the memory of {source.label} ({result.outcome}{how})"]


def fold_merges(ws: Workspace, old: str, new: str) -> list[str]:
    """Merge the memory of every branch merged in ``old..new`` into this branch's memory."""
    done = []
    for commit in ws.repo.commits_between(old, new, limit=2000):
        for parent in commit.parents[1:]:
            done.extend(_fold(ws, merged_branch(ws, parent, commit.message)))
    return done


def fold_fast_forwards(ws: Workspace, old: str) -> list[str]:
    """Merge the memory of every local branch fast-forwarded into this one since ``old``.

    A fast-forward leaves no merge commit; the branch's reflog names what it took
    (``merge NAME: Fast-forward``), newest first back to ``old``. A pull's fast-forward is
    the upstream's, whose memory ``fold_upstream`` adopts after checking it."""
    from gitmem.engine import branches

    local = ws.repo.branches()
    done = []
    for message, target in ws.repo.reflog(f"refs/heads/{ws.branch}")[:FAST_FORWARD_LOOKBACK]:
        if target == old:
            break
        named = re.fullmatch(_FAST_FORWARD, message.strip())
        if named is not None and named.group(1) in local:
            done.extend(_fold(ws, branches.memory_of(ws, named.group(1)), ", fast-forward"))
    return done


def fold_upstream(ws: Workspace) -> list[str]:
    """Memory fetched for the upstream (by ``git codex fetch`` or a plain ``git fetch`` with
    the memory refspec): checked once per tip, then merged into this branch's memory."""
    upstream = ws.repo.upstream(ws.branch)
    if upstream is None:
        return []
    remote, branch = upstream
    tip = ws.repo.ref_target(remote_memory_ref(remote, branch))
    mine = ws.repo.ref_target(ws.ref)
    if tip is None or mine is None or tip == mine:  # merge_remote_memory checks tip is a commit
        return []
    from gitmem.engine.inbound import SyncReport, merge_remote_memory

    report = SyncReport(remote)
    try:
        merge_remote_memory(ws, remote, branch, report, quiet_if_known=True)
    except (GitmemError, *MALFORMED) as exc:  # no remote may make a local command fail
        report.problems.append(f"{remote_memory_ref(remote, branch)}: {getattr(exc, 'message', None) or exc}")
    return [f"merged the memory of {line}" for line in report.merged] + [f"left out (invalid): {p}" for p in report.problems]


def check(ws: Workspace) -> Drift:
    """Classify drift and apply the automatic reconciliations; records an event if any."""
    seen = read_seen(ws)
    if ws.elsewhere:  # --branch: this worktree's seen point is the checked-out branch's
        return Drift("none", ws.branch, ws.head, seen.get("branch"), seen.get("head"))
    kind = classify(ws, seen)
    drift = Drift(kind, ws.branch, ws.head, seen.get("branch"), seen.get("head"))
    if not ws.initialised or not ws.enabled:
        return drift
    if kind == "none":
        drift.actions.extend(fold_upstream(ws))
        return drift
    if kind == "detached":
        drift.warning = f"HEAD is detached: using the memory of {ws.branch}"
        return drift
    if kind == "diverged":
        # The roadmap has no other branch's memory to fork from.
        choices = "--rebase|--rebuild|--ignore" if ws.branch == ws.default_branch else "--rebase|--fork|--ignore|--rebuild"
        drift.warning = (f"history changed under the memory ({(seen.get('head') or '')[:12]} is no longer an ancestor"
                         f" of HEAD); run 'git codex cache reconcile {choices}'")
        events.record(ws.repo, "drift", drift=kind, branch=ws.branch)
        return drift
    if kind == "unknown":
        drift.warning = "cannot tell how history moved (shallow clone); memory left as is"
        events.record(ws.repo, "drift", drift=kind, branch=ws.branch)
        return drift
    from gitmem.engine import branches

    memory_before = ws.repo.ref_target(ws.ref)
    drift.actions.extend(branches.ensure_memory(ws))
    last = seen.get("head") if kind == "ahead" else seen_head_of(ws, ws.branch)
    if kind == "branch-switch" and last and memory_before and ws.repo.ref_target(ws.ref) == memory_before \
            and _rewritten_away(ws, last):
        # Back on a branch whose history changed while this worktree was elsewhere, with no
        # hook to say how: a divergence, to reconcile from the head last seen on it.
        drift.kind = "diverged"
        drift.warning = (f"history of {ws.branch} changed while away ({last[:12]} is no longer an ancestor of HEAD);"
                         " run 'git codex cache reconcile --rebase|--fork|--ignore|--rebuild'")
        events.record(ws.repo, "drift", drift="diverged", branch=ws.branch, away=True)
        return drift
    if last and ws.head and last != ws.head and ws.repo.has_object(last) and ws.repo.is_ancestor(last, ws.head):
        drift.actions.extend(fold_merges(ws, last, ws.head))
        drift.actions.extend(fold_fast_forwards(ws, last))
    drift.actions.extend(fold_upstream(ws))
    write_seen(ws)
    events.record(ws.repo, "drift", drift=kind, branch=ws.branch, actions=drift.actions)
    return drift


def open_workspace(path: str, branch: str | None = None, agent: str | None = None, *,
                   follow: bool = True, conversation: str | None = None) -> tuple[Workspace, list[str]]:
    """The repository at ``path`` opened as every front end opens it (the CLI, the MCP server):
    the branch name and agent checked, then drift followed (fork, fold merges). Returns the
    workspace and what following did, one line per action or warning, for the caller to report."""
    ws = Workspace.open(path, agent=agent, branch=inputs.branch_name(branch) if branch is not None else None,
                        conversation=conversation)
    inputs.agent(ws.agent)  # from --agent or $GITMEM_AGENT; it ends up in commit trailers
    if not follow:
        return ws, []
    found = check(ws)
    ws.drift = found.kind
    return ws, [*found.actions, *([found.warning] if found.warning else [])]
