"""``git codex context``: the brief an agent reads at the start of every session."""

from __future__ import annotations

import click

from gitmem.cli.common import CONTEXT, json_option, workspace
from gitmem.cli.output import emit, emit_json
from gitmem.services.context import DEFAULT_BUDGET, brief


@click.command(context_settings=CONTEXT)
@click.option("--budget", type=click.IntRange(1), default=DEFAULT_BUDGET, show_default=True,
              help="Maximum characters (about 4 per token).")
@click.option("--agent", help="Agent name; its own claims count as ready.")
@json_option
def context(budget: int, agent: str | None, as_json: bool) -> None:
    """Print a Markdown brief: in-progress, ready, blocked, follow-ups, last session.

    \b
    Examples:
      git codex context
      git codex context --budget 2000 >> prompt.md
    """
    found = brief(workspace(agent), budget)
    if as_json:
        emit_json("context", {
            "budget": budget, "omitted": found.omitted, "markdown": found.text,
            "items": [{"section": i.section, "text": i.text, **i.data} for i in found.items],
        })
    else:
        emit(found.text)
