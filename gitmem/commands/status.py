"""``git codex status``."""

from __future__ import annotations

import click

from gitmem.commands.common import CONTEXT, json_option, workspace
from gitmem.output import emit, emit_json
from gitmem.services import status as svc


@click.command(context_settings=CONTEXT)
@json_option
def status(as_json: bool) -> None:
    """Branch, memory tip and task counts."""
    report = svc.status(workspace())
    if as_json:
        emit_json("status", {
            "branch": report.branch, "detached": report.detached, "head": report.head, "ref": report.ref,
            "memory_tip": report.memory_tip, "forked": report.forked, "counts": report.counts,
            "ready": report.ready, "enabled": report.enabled,
        })
        return
    where = f"{report.branch} (detached HEAD: using its last branch's memory)" if report.detached else report.branch
    tip = report.memory_tip[:12] if report.memory_tip else "none yet (reads its fork source; the first write forks)"
    counts = ", ".join(f"{n} {s}" for s, n in report.counts.items()) or "no tasks"
    emit(f"branch: {where}\nmemory: {report.ref} @ {tip}\ntasks:  {counts}; {report.ready} ready")
