"""``git codex mcp``: an MCP server over stdio."""

from __future__ import annotations

import os

import click

from gitmem.cli.common import CONTEXT


@click.command(context_settings=CONTEXT)
@click.option("--agent", help="Agent name for claims and sessions (default: $GITMEM_AGENT, else 'mcp').")
@click.pass_context
def mcp(ctx: click.Context, agent: str | None) -> None:
    """Serve this repository's memory to an agent over MCP (stdio).

    Tools: context_brief, tasks_list, task_show, next, add, update, release,
    session_log, session_end, follow_up_done, plan_sync. Every result is a JSON object;
    a bad call is a tool error with the CLI's error: and hint: lines.

    \b
    Examples:
      codex mcp add gitmem -- git codex mcp --agent codex
      claude mcp add gitmem -- git codex mcp --agent claude
    """
    from gitmem.mcp import server

    server.serve(ctx.find_root().obj.path, agent or os.environ.get("GITMEM_AGENT") or "mcp")
