"""``git codex push|fetch|sync [REMOTE]``: share memory through the remotes you already have."""

from __future__ import annotations

import click

from gitmem.cli.common import CONTEXT, json_option, workspace
from gitmem.cli.output import emit, emit_json, note
from gitmem.core.errors import LeftOut
from gitmem.core.text import flat
from gitmem.engine.inbound import SyncReport
from gitmem.engine.workspace import Workspace
from gitmem.services import sync as svc


def _report(report: SyncReport, as_json: bool) -> None:
    if as_json:
        emit_json("sync", {"remote": report.remote, "fetched_refs": report.fetched, "merged": report.merged,
                           "pushed": report.pushed, "problems": report.problems, "lost_claims": report.lost_claims,
                           "unsent": report.unsent})
    else:
        for line in report.merged:
            emit(f"merged  {flat(line)}")
        for ref in report.pushed:
            emit(f"pushed  {ref}")
        for line in report.lost_claims:
            note(f"gitmem: claim lost: {flat(line)}")
        for line in report.problems:
            note(f"gitmem: left out (invalid): {flat(line)}")
        for line in report.unsent:
            note(f"gitmem: not pushed (fails fsck): {flat(line)}")
        if not (report.merged or report.pushed or report.problems or report.unsent):
            note("memory already up to date")
    if report.problems:
        # As git fetch does when it rejects a ref: the rest landed, but the command did not do all it was asked.
        raise LeftOut(f"{len(report.problems)} problem(s) in {flat(report.remote)}'s memory: those refs were left out, "
                      "the rest was merged",
                      hint="ask whoever pushed them to run 'git codex fsck'; local memory is unchanged by what was left out")
    if report.unsent:
        raise LeftOut(f"{len(report.unsent)} problem(s) in local memory: those refs were not pushed, the rest was",
                      hint="run 'git codex fsck' to see them; 'git codex undo' or 'git codex restore' goes back "
                           "to memory that passes")


remote_argument = click.argument("remote", required=False)
all_option = click.option("--all", "everything", is_flag=True, help="Also branches without an upstream on REMOTE.")


def _open() -> Workspace:
    ws = workspace()
    ws.require_snapshot()
    return ws


@click.command(context_settings=CONTEXT)
@remote_argument
@all_option
@json_option
def push(remote: str | None, everything: bool, as_json: bool) -> None:
    """Push memory: the roadmap, branches with an upstream on REMOTE, claims, notes.

    Atomic and never forced: if the remote moved, fetch, merge and retry. Backups and
    local-only branches stay local unless --all.
    """
    ws = _open()
    _report(svc.push(ws, remote or svc.default_remote(ws), everything), as_json)


@click.command(context_settings=CONTEXT)
@remote_argument
@json_option
def fetch(remote: str | None, as_json: bool) -> None:
    """Fetch REMOTE's memory, check it, and merge it into local memory."""
    ws = _open()
    _report(svc.fetch(ws, remote or svc.default_remote(ws)), as_json)


@click.command(context_settings=CONTEXT)
@remote_argument
@all_option
@json_option
def sync(remote: str | None, everything: bool, as_json: bool) -> None:
    """Fetch, merge and push memory (the everyday command for teams).

    \b
    Example:
      git codex sync origin
    """
    ws = _open()
    _report(svc.sync(ws, remote or svc.default_remote(ws), everything), as_json)
