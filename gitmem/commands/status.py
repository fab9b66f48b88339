"""``git codex status``."""

from __future__ import annotations

import click

from gitmem import views
from gitmem.commands.common import CONTEXT, json_option, workspace


@click.command(context_settings=CONTEXT)
@click.option("--dirty", is_flag=True, help="Also say whether the working tree has uncommitted changes.")
@json_option
def status(dirty: bool, as_json: bool) -> None:
    """Branch, memory tip, task counts, drift, and memories waiting to be merged."""
    views.show_status(workspace(), dirty=dirty, as_json=as_json)
