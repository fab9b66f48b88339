"""``git codex agent-hook AGENT``: called by an agent's hooks; never fails the agent."""

from __future__ import annotations

import sys

import click

from gitmem.cli.common import CONTEXT


@click.command(context_settings=CONTEXT, hidden=True)
@click.argument("agent", type=click.Choice(["claude", "codex", "gemini"]))
@click.pass_obj
def agent_hook(app: object, agent: str) -> None:
    """Answer one hook event from AGENT on stdin (the brief, or mirror its plan); always exits 0."""
    path = getattr(app, "path", ".")
    try:
        from gitmem.services import agent_hook as svc

        out = svc.handle(path, agent, sys.stdin.read(svc.MAX_EVENT + 1))
    except Exception as exc:
        out = None
        try:
            from gitmem.git.repo import Repo
            from gitmem.store import events

            events.record(Repo.discover(path), "agent-hook-failure", agent=agent, error=repr(exc)[:500])
        except Exception:
            pass
    if out:
        click.echo(out)
