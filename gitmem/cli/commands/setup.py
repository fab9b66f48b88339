"""``git codex setup codex|claude|gemini [--check] [--remove]``."""

from __future__ import annotations

import click

from gitmem.cli.common import CONTEXT, json_option, workspace
from gitmem.cli.output import emit, emit_json, note


@click.command(context_settings=CONTEXT)
@click.argument("agent", type=click.Choice(["codex", "claude", "gemini"]))
@click.option("--check", is_flag=True, help="Only report what is missing or stale (exit 1 if anything is).")
@click.option("--remove", is_flag=True, help="Take out exactly what setup wrote.")
@json_option
def setup(agent: str, check: bool, remove: bool, as_json: bool) -> None:
    """Connect AGENT to this memory: the brief at session start, its plan and turns mirrored live.

    \b
    Each agent gets hooks running the installed gitmem (at session start: the brief, and
    the conversation's session opened; after its plan tool: the plan mirrored; at the end
    of each turn: the turn logged from the conversation's own file; at session end, where
    the agent has one: the session ended), the MCP server gitmem, and a three-line block
    in this repository's AGENTS.md, CLAUDE.md or GEMINI.md:
      codex   $CODEX_HOME/hooks.json (SessionStart, PostToolUse update_plan, Stop),
              trusted in $CODEX_HOME/config.toml (the hash Codex's app server reports),
              with [mcp_servers.gitmem] required = true, [tools.update_plan] enabled = true
      claude  ~/.claude/settings.json (SessionStart, PostToolUse on
              TaskCreate|TaskUpdate|TodoWrite, Stop, SessionEnd); the user-scope MCP
              server in ~/.claude.json
      gemini  ~/.gemini/settings.json (SessionStart, AfterTool write_todos, AfterAgent,
              SessionEnd, and mcpServers.gitmem)
    Your own settings, hooks and servers are kept; running it again updates only gitmem's
    entries. --check also reports an agent missing from PATH or older than the version
    gitmem is tested with, Codex hooks it does not trust yet, and a 'git codex' the
    model's shell could not run.

    \b
    Examples:
      git codex setup codex
      git codex setup claude --check
      git codex setup gemini --remove
    """
    from gitmem.core.errors import GitmemError
    from gitmem.services import agent_setup

    if check and remove:
        raise GitmemError("--check and --remove do not go together", hint="run one, then the other")
    report = agent_setup.run(workspace(follow=False), agent, remove=remove, check=check)
    if as_json:
        emit_json("setup", {"agent": agent, "done": report.done, "problems": report.problems})
    else:
        for line in report.done:
            emit(line)
        for line in report.problems:
            note(f"{'missing' if check else 'warning'}: {line}")
        if not report.done and not report.problems:
            emit(f"{agent}: {'nothing of gitmem to remove' if remove else 'set up, nothing to change'}")
    if report.problems:
        raise SystemExit(1)
