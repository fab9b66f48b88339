"""``git codex mcp``: an MCP server over stdio (optional extra ``gitmem[mcp]``)."""

from __future__ import annotations

import os

import click

from gitmem.cli.common import CONTEXT
from gitmem.core.errors import GitmemError


@click.command(context_settings=CONTEXT)
@click.option("--agent", help="Agent name for claims and sessions (default: $GITMEM_AGENT, else 'mcp').")
@click.pass_context
def mcp(ctx: click.Context, agent: str | None) -> None:
    """Serve this repository's memory to an agent over MCP (stdio).

    Tools: context_brief, tasks_list, task_show, next, add, update, session_log, plan_sync.

    \b
    Examples:
      codex mcp add gitmem -- git codex mcp
      claude mcp add gitmem -- git codex mcp --agent claude
    """
    try:
        from gitmem.mcp import server as mcp_server
    except ImportError as exc:
        raise GitmemError("the MCP server needs the 'mcp' package", hint="pip install 'gitmem[mcp]'") from exc
    mcp_server.serve(ctx.find_root().obj.path, agent or os.environ.get("GITMEM_AGENT") or "mcp")
