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
@click.option("--shared", is_flag=True, help="Install into a core.hooksPath outside this repository, which "
              "other repositories use too (refused without it).")
def install(shared: bool) -> None:
    """Install post-checkout, post-rewrite, post-merge and post-commit shims (idempotent).

    \b
    Refused, before anything is written, where another hook manager owns the hooks
    (a core.hooksPath inside the work tree, lefthook, husky): 'git codex hooks recipe
    MANAGER' prints what to add to it instead.
    """
    done = svc.install(workspace(follow=False).repo, shared=shared)
    emit("\n".join(done) if done else "hooks already installed")


@hooks.command(context_settings=CONTEXT)
def uninstall() -> None:
    """Remove the shims and restore the hooks they replaced."""
    done = svc.uninstall(workspace(follow=False).repo)
    emit("\n".join(done) if done else "no gitmem hooks installed")


@hooks.command(name="status", context_settings=CONTEXT)
@json_option
def status_(as_json: bool) -> None:
    """Which hooks are installed, chained, missing, foreign, wrapped (a hook manager runs gitmem's part),
    or not run (this environment points git's hooks elsewhere: Gemini CLI's shell does)."""
    repo = workspace(follow=False).repo
    where = svc.place(repo)
    states = svc.as_run_here(repo, where, svc.status(repo, where))
    if as_json:
        emit_json("hooks", {"path": where.path, "kind": where.kind,
                            "hooks": [{"hook": s.hook, "state": s.state, "chained": s.chained, "detail": s.detail,
                                       "manager": s.manager or None} for s in states]})
        return
    rows = [[s.hook, s.state, "chains your hook" if s.chained else "", s.detail] for s in states]
    emit(table(rows))


@hooks.command(context_settings=CONTEXT)
@click.argument("manager", type=click.Choice(svc.MANAGERS))
def recipe(manager: str) -> None:
    """Print what makes MANAGER (pre-commit, lefthook or husky) run gitmem's hooks.

    \b
    Example:
      git codex hooks recipe lefthook >> lefthook.yml && lefthook install
    """
    emit(svc.recipe(manager).rstrip("\n"))
