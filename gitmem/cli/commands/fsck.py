"""``git codex fsck [--json] [--repair]``."""

from __future__ import annotations

import click

from gitmem.cli.common import CONTEXT, json_option
from gitmem.cli.output import emit, emit_json, note
from gitmem.core.text import flat


@click.command(context_settings=CONTEXT)
@click.option("--repair", is_flag=True, help="Fix what is safe (stale locks, orphan notes) after a backup ref.")
@json_option
def fsck(repair: bool, as_json: bool) -> int:
    """Check every memory, the claims and the notes: schemas, ids, cycles, notes, refs, locks.

    Exits 1 when something is wrong, naming the ref, the path and the problem.

    \b
    Examples:
      git codex fsck
      git codex fsck --repair      # clear stale locks, drop orphan notes
      git codex fsck --json
    """
    from gitmem.cli.common import workspace
    from gitmem.services import fsck as svc

    ws = workspace(follow=False)
    report = svc.repair(ws) if repair else svc.check(ws.repo)
    if as_json:
        emit_json("fsck", {
            "ok": report.ok,
            "checked": report.checked,
            "problems": [{"ref": p.ref, "path": p.path, "problem": p.problem, "repair": p.repair} for p in report.problems],
            "repaired": report.repaired,
            "left": [{"ref": p.ref, "path": p.path, "problem": p.problem} for p in report.left],
            "backups": report.backups,
            "notices": report.notices,
        })
        return 0 if report.ok else 1
    for problem in report.problems:
        emit(flat(str(problem)))
    for line in report.notices:
        note(f"gitmem: {flat(line)}")
    for line in report.repaired:
        note(f"repaired: {flat(line)}")
    for name in report.backups:
        note(f"backup: {name}")
    for problem in report.left:
        note(f"left: {flat(str(problem))}")
    if report.ok:
        note(f"fsck: {len(report.checked)} ref(s) checked, no problems" + (" left" if repair else ""))
        return 0
    note("hint: a corrupt memory tip: 'git codex undo' (or 'git codex restore REV', see 'git codex log'); "
         + ("" if repair else "stale locks, orphan notes and tips that are not commits: 'git codex fsck --repair'"))
    return 1
