"""``git codex cache show|reconcile``: drift in detail, and the choice after divergence."""

from __future__ import annotations

import click

from gitmem.cli.common import CONTEXT, json_option, workspace
from gitmem.cli.output import emit, emit_json
from gitmem.core.errors import InvalidInput
from gitmem.core.text import flat
from gitmem.engine import drift
from gitmem.services import reconcile


@click.group(context_settings=CONTEXT)
def cache() -> None:
    """Drift between memory and the repository."""


@cache.command(context_settings=CONTEXT)
@json_option
def show(as_json: bool) -> None:
    """Where memory last saw this worktree, and how HEAD moved since (no changes made)."""
    ws = workspace(follow=False)
    seen = drift.read_seen(ws)
    kind = drift.classify(ws, seen)
    if as_json:
        emit_json("drift", {"drift": kind, "branch": ws.branch, "head": ws.head, "detached": ws.detached,
                            "seen_branch": seen.get("branch"), "seen_head": seen.get("head"), "seen_at": seen.get("at"),
                            "memory_ref": ws.ref, "memory_tip": ws.repo.ref_target(ws.ref)})
        return
    emit(f"drift:  {kind}\nbranch: {flat(ws.branch)}{' (detached HEAD)' if ws.detached else ''} at {(ws.head or '')[:12]}\n"
         f"seen:   {flat(str(seen.get('branch', '-')))} at {(seen.get('head') or '-')[:12]} ({seen.get('at', 'never')})\n"
         f"memory: {ws.ref} @ {(ws.repo.ref_target(ws.ref) or 'none')[:12]}")


@cache.command(name="reconcile", context_settings=CONTEXT)
@click.option("--ignore", "choice", flag_value="ignore", help="Accept HEAD as the new seen point.")
@click.option("--rebase", "choice", flag_value="rebase", help="Merge the memory HEAD is now based on; remap by patch id.")
@click.option("--fork", "choice", flag_value="fork", help="Fresh fork of that memory (the old kept as a backup ref).")
@click.option("--rebuild", "choice", flag_value="rebuild", help="Re-link evidence by patch id; mark the rest orphaned.")
def reconcile_(choice: str | None) -> None:
    """Resolve a diverged history (after reset --hard, a force-pull, ...)."""
    if choice is None:
        raise InvalidInput("say how to reconcile", hint="use one of --ignore, --rebase, --fork, --rebuild")
    for line in reconcile.reconcile(workspace(follow=False), choice):
        emit(line)
