"""``git codex prune``: tidy the memories of deleted branches."""

from __future__ import annotations

import click

from gitmem.cli.common import CONTEXT, json_option, workspace
from gitmem.cli.output import emit, emit_json, note
from gitmem.core.text import flat
from gitmem.services import prune as svc


@click.command(context_settings=CONTEXT)
@click.option("--yes", is_flag=True, help="Do it (without --yes, only list what would happen).")
@click.option("--merge", is_flag=True, help="Merge unmerged memories into the roadmap before archiving.")
@click.option("--force", is_flag=True, help="Archive unmerged memories without merging them.")
@json_option
def prune(yes: bool, merge: bool, force: bool, as_json: bool) -> None:
    """Archive (under refs/codex/backups/) the memory of branches that no longer exist.

    \b
    Examples:
      git codex prune                 # list
      git codex prune --merge --yes   # fold into the roadmap, then archive
    """
    ws = workspace()
    ws.require_snapshot()
    if not yes:
        found = svc.orphans(ws)
        if as_json:
            emit_json("prune", {"dry_run": True, "memories": [
                {"branch": o.branch, "ref": o.ref, "merged": o.merged} for o in found]})
            return
        for o in found:
            name = flat(o.branch)
            emit(f"{name}: {'merged' if o.merged else 'has work the roadmap lacks (git codex merge ' + name + ')'}")
        note("nothing to prune" if not found else "run with --yes (and --merge) to archive them")
        return
    done = svc.prune(ws, merge=merge, force=force)
    if as_json:
        emit_json("prune", {"dry_run": False, "actions": done})
    else:
        emit("\n".join(map(flat, done)) if done else "nothing to prune")
