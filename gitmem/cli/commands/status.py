"""``git codex status``."""

from __future__ import annotations

import click

from gitmem.cli.common import CONTEXT, json_option, workspace
from gitmem.cli.output import emit, emit_json
from gitmem.services.status import status as report_status


@click.command(context_settings=CONTEXT)
@click.option("--dirty", is_flag=True, help="Also say whether the working tree has uncommitted changes.")
@json_option
def status(dirty: bool, as_json: bool) -> None:
    """Branch, memory tip, task counts, drift, and memories waiting to be merged."""
    ws = workspace()
    report = report_status(ws)
    is_dirty = ws.repo.is_dirty() if dirty else None
    if as_json:
        emit_json("status", {
            "branch": report.branch, "detached": report.detached, "head": report.head, "ref": report.ref,
            "memory_tip": report.memory_tip, "forked": report.forked, "counts": report.counts,
            "ready": report.ready, "enabled": report.enabled, "drift": report.drift,
            "unmerged_memories": report.unmerged, "dirty": is_dirty,
        })
        return
    where = f"{report.branch} (detached HEAD: using its last branch's memory)" if report.detached else report.branch
    tip = report.memory_tip[:12] if report.memory_tip else "none yet (reads its fork source; the first write forks)"
    counts = ", ".join(f"{n} {s}" for s, n in report.counts.items()) or "no tasks"
    lines = [f"branch: {where}", f"memory: {report.ref} @ {tip}", f"tasks:  {counts}; {report.ready} ready"]
    if report.drift not in ("none", "first"):
        lines.append(f"drift:  {report.drift} (details: git codex cache show)")
    if dirty:
        lines.append("tree:   " + ("uncommitted changes" if is_dirty else "clean"))
    lines.extend(f"hint:   {b}'s memory has work the roadmap lacks: git codex merge {b}" for b in report.unmerged)
    emit("\n".join(lines))
