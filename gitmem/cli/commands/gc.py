"""``git codex gc [--expire DAYS] [--json]``."""

from __future__ import annotations

import dataclasses

import click

from gitmem.cli.common import CONTEXT, json_option, workspace
from gitmem.cli.output import emit, emit_json, note
from gitmem.core.text import flat


@click.command(context_settings=CONTEXT)
@click.option("--expire", "days", type=click.IntRange(0), default=30, show_default=True, metavar="DAYS",
              help="Delete backup refs older than DAYS days.")
@json_option
def gc(days: int, as_json: bool) -> None:
    """Expire old backups, prune aliases of commits that are gone and notes on commits no ref
    reaches (rewrite leftovers), remove what earlier gitmem versions left in the local cache;
    then report memory and notes sizes.

    \b
    Examples:
      git codex gc
      git codex gc --expire 7
      git codex gc --json
    """
    from gitmem.services import gc as svc

    report = svc.gc(workspace(follow=False), expire_days=days)
    if as_json:
        emit_json("gc", dataclasses.asdict(report))
        return
    for line in report.problems:
        note(f"gitmem: {flat(line)}")
    s = report.sizes
    lines = [
        f"backups: {len(report.expired)} expired, {report.backups_kept} kept",
        f"aliases: {sum(report.aliases_pruned.values())} pruned",
        f"notes:   {report.notes_removed} removed from unreachable commits"
        + (f" (previous notes kept as {report.notes_backup})" if report.notes_backup else ""),
        f"memory:  {s['memories']} memories, {s['task_blobs']} task blobs, {s['memory_blobs']} distinct blobs, "
        f"{s['memory_bytes']} bytes, {s['memory_commits']} commits",
        f"notes:   {s['notes']} notes, {s['notes_bytes']} bytes, {s['notes_commits']} commits",
        f"cache:   {report.stale_cache_entries} entries of earlier versions removed ({report.stale_cache_bytes} bytes)",
    ]
    emit("\n".join(lines))
