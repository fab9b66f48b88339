"""``git codex hook NAME ARGS...``: called by the hook shims; never fails a git command."""

from __future__ import annotations

import sys

import click

from gitmem.cli.common import CONTEXT


@click.command(context_settings={**CONTEXT, "ignore_unknown_options": True}, hidden=True)
@click.argument("name")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_obj
def hook(app: object, name: str, args: tuple[str, ...]) -> None:
    """Run gitmem's part of a git hook (prints at most one line, always exits 0)."""
    try:
        from gitmem.services import hook_run

        stdin = sys.stdin.read() if name == "post-rewrite" and not sys.stdin.isatty() else ""
        line = hook_run.run(getattr(app, "path", "."), name, list(args), stdin)
    except Exception as exc:
        line = f"gitmem: warning: {name} hook failed ({type(exc).__name__}: {str(exc).splitlines()[0][:160]})"
        try:
            from gitmem.git.repo import Repo
            from gitmem.store import events

            events.record(Repo.discover(getattr(app, "path", ".")), "hook-failure", hook=name, error=repr(exc)[:500])
        except Exception:
            pass
    if line:
        click.echo(line.replace("\n", " ")[:300], err=True)
