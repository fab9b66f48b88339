"""``git codex hooks install|uninstall|status``."""

from __future__ import annotations

import click

from gitmem.cli.common import CONTEXT, json_option, workspace
from gitmem.cli.output import emit, emit_json, table
from gitmem.services import hook_install as svc


@click.group(context_settings=CONTEXT)
def hooks() -> None:
    """Install the git hooks that make memory follow the branch.

    \b
    Existing hooks keep running: each is kept as <hook>.gitmem-orig and called first,
    with the same arguments and stdin; uninstall puts it back byte for byte.
    """


@hooks.command(context_settings=CONTEXT)
def install() -> None:
    """Install post-checkout, post-rewrite, post-merge and post-commit shims (idempotent)."""
    done = svc.install(workspace(follow=False).repo)
    emit("\n".join(done) if done else "hooks already installed")


@hooks.command(context_settings=CONTEXT)
def uninstall() -> None:
    """Remove the shims and restore the hooks they replaced."""
    done = svc.uninstall(workspace(follow=False).repo)
    emit("\n".join(done) if done else "no gitmem hooks installed")


@hooks.command(name="status", context_settings=CONTEXT)
@json_option
def status_(as_json: bool) -> None:
    """Which hooks are installed, chained, missing or wrapped by another manager."""
    states = svc.status(workspace(follow=False).repo)
    if as_json:
        emit_json("hooks", {"hooks": [{"hook": s.hook, "state": s.state, "chained": s.chained, "detail": s.detail}
                                      for s in states]})
        return
    rows = [[s.hook, s.state, "chains your hook" if s.chained else "", s.detail] for s in states]
    emit(table(rows))
