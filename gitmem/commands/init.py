"""``git codex init``."""

from __future__ import annotations

import click

from gitmem.commands.common import CONTEXT, workspace
from gitmem.output import emit
from gitmem.services import setup


@click.command(context_settings=CONTEXT)
def init() -> None:
    """Enable gitmem here and create the roadmap memory (safe to run twice).

    \b
    Example:
      cd my-project && git codex init
    """
    result = setup.init(workspace())
    verb = "created" if result.created else "already present"
    emit(f"memory for {result.default_branch}: {verb} ({result.ref})")
