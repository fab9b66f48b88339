"""``git codex plan sync``: an agent's plan payload in, tasks out."""

from __future__ import annotations

import click

from gitmem.commands.common import CONTEXT, json_option, runs
from gitmem.services import plans as svc


@click.group(context_settings=CONTEXT)
def plan() -> None:
    """Mirror agent plans into tasks."""


@plan.command(context_settings=CONTEXT)
@click.argument("source", metavar="[FILE|-]", default="-")
@click.option("--format", "fmt", type=click.Choice(svc.FORMATS), help="Payload format (default: detected).")
@click.option("--agent", help="Agent session the plan belongs to (default: $GITMEM_AGENT, else the format).")
@json_option
@runs("gitmem.actions:plan_sync")
def sync() -> None:
    """Mirror a Codex update_plan, Claude TodoWrite or Gemini write_todos payload.

    \b
    Examples:
      echo '{"plan":[{"step":"Fix parser","status":"in_progress"}]}' | git codex plan sync
      git codex plan sync todos.json --format claude
    """
