"""``git codex setup claude [--check] [--remove]``."""

from __future__ import annotations

import click

from gitmem.cli.common import CONTEXT, json_option, workspace
from gitmem.cli.output import emit, emit_json, note


@click.command(context_settings=CONTEXT)
@click.argument("agent", type=click.Choice(["claude"]))
@click.option("--check", is_flag=True, help="Only report what is missing or stale (exit 1 if anything is).")
@click.option("--remove", is_flag=True, help="Take out exactly what setup wrote.")
@json_option
def setup(agent: str, check: bool, remove: bool, as_json: bool) -> None:
    """Connect AGENT to this memory: the brief at session start, its plan mirrored live.

    \b
    For claude it writes, to ~/.claude/settings.json, a SessionStart hook (the brief) and a
    PostToolUse hook on TaskCreate|TaskUpdate|TodoWrite (the task list mirrored), both
    running the installed gitmem; the MCP server gitmem in ~/.claude.json (user scope); and
    a short block in this repository's CLAUDE.md. Your own settings, hooks and servers are
    kept; running it again updates only gitmem's entries.

    \b
    Examples:
      git codex setup claude
      git codex setup claude --check
      git codex setup claude --remove
    """
    from gitmem.core.errors import GitmemError
    from gitmem.services import agent_setup

    if check and remove:
        raise GitmemError("--check and --remove do not go together", hint="run one, then the other")
    report = agent_setup.claude(workspace(follow=False), remove=remove, check=check)
    if as_json:
        emit_json("setup", {"agent": agent, "done": report.done, "problems": report.problems})
    else:
        for line in report.done:
            emit(line)
        for line in report.problems:
            note(f"missing: {line}")
        if not report.done and not report.problems:
            emit(f"{agent}: {'nothing of gitmem to remove' if remove else 'set up, nothing to change'}")
    if report.problems:
        raise SystemExit(1)
