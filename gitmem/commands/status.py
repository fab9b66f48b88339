"""``git codex status``."""

from __future__ import annotations

import click

from gitmem.commands.common import CONTEXT, json_option, runs


@click.command(context_settings=CONTEXT)
@click.option("--dirty", is_flag=True, help="Also say whether the working tree has uncommitted changes.")
@json_option
@runs("gitmem.views:status")
def status() -> None:
    """Branch, memory tip, task counts, drift, and memories waiting to be merged."""
