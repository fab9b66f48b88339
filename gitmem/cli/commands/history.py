"""``git codex log``, ``undo`` and ``restore REV``: a memory's history, and going back in it."""

from __future__ import annotations

import click

from gitmem.cli.common import CONTEXT, json_option, workspace
from gitmem.cli.output import emit, emit_json, note
from gitmem.core.text import flat

branch_option = click.option("--branch", "-b", metavar="BRANCH", help="A branch's memory (default: the current one).")


@click.command(context_settings=CONTEXT)
@branch_option
@click.option("-n", "limit", type=click.IntRange(1), default=50, show_default=True, help="At most N commits.")
@json_option
def log(branch: str | None, limit: int, as_json: bool) -> None:
    """The memory's history, newest first: operation, author, date and trailers.

    \b
    Examples:
      git codex log
      git codex log --branch feature/login -n 5
      git codex log --json
    """
    from gitmem.services import history

    ws = workspace(follow=False)
    ref, entries = history.log(ws, branch, limit)
    if as_json:
        emit_json("log", {"ref": ref, "commits": [
            {"commit": e.commit, "operation": e.operation, "author": e.author, "email": e.email, "date": e.date,
             "parents": list(e.parents), "trailers": e.trailers} for e in entries]})
        return
    for e in entries:
        extra = "".join(f"  [{k.removeprefix('Codex-').lower()} {v[:12]}]" for k, v in e.trailers.items()
                        if k in (history.UNDO_OF, history.RESTORED_FROM))
        emit(f"{e.commit[:12]}  {e.date}  {flat(e.author)}  {flat(e.operation)}{extra}")


def _report(outcome: object) -> None:
    from gitmem.services.history import Outcome

    assert isinstance(outcome, Outcome)
    for commit in outcome.skipped:
        note(f"gitmem: skipped {commit[:12]}: its memory fails the checks (see 'git codex fsck')")
    if outcome.recovered_from:
        note(f"gitmem: the tip was not a usable commit; recovered from {outcome.recovered_from}")
    if outcome.backup:
        note(f"gitmem: the previous tip is kept as {outcome.backup}")
    if outcome.taken_back or outcome.kept:
        emit(f"{outcome.ref} @ {outcome.commit[:12]}: took back {outcome.restored[:12]}")
        for line in outcome.taken_back:
            emit(f"  {flat(line)}")
        for line in outcome.kept:
            note(f"gitmem: kept (changed since): {flat(line)}")
        if not outcome.taken_back:
            note("gitmem: nothing of it was left to take back; the next undo goes further back")
        return
    emit(f"{outcome.ref} @ {outcome.commit[:12]}: memory of {outcome.restored[:12]}")


@click.command(context_settings=CONTEXT)
@branch_option
def undo(branch: str | None) -> None:
    """Take back this clone's last memory change, and say what it took back.

    The change is reverted field by field as new writes on top: what a teammate merged in,
    and what was changed again since, stays. Run it again to take back the change before.
    A corrupt tip goes back to the last memory that passes the checks; a tip that is missing
    or not a commit, to the newest good one in the ref's reflog or the backups. Nothing
    moves backwards, so a later sync carries the undo to every clone.

    \b
    Examples:
      git codex undo
      git codex undo --branch main
    """
    from gitmem.services import history

    _report(history.undo(workspace(follow=False), branch))


@click.command(context_settings=CONTEXT)
@click.argument("rev")
@branch_option
def restore(rev: str, branch: str | None) -> None:
    """Bring back the memory of REV as a new commit on top (after a backup ref).

    \b
    Examples:
      git codex restore 1a2b3c4d5e6f
      git codex restore refs/codex/branches/main~3
    """
    from gitmem.services import history

    _report(history.restore(workspace(follow=False), rev, branch))
