"""``git codex init``."""

from __future__ import annotations

import click

from gitmem.cli.common import CONTEXT, workspace
from gitmem.cli.output import emit, note
from gitmem.services import initialise


@click.command(context_settings=CONTEXT)
@click.option("--no-hooks", is_flag=True, help="Do not install the git hooks (memory still follows lazily).")
@click.option("--fetch-refspec", "fetch_refspec", metavar="REMOTE",
              help="Make a plain 'git fetch REMOTE' bring memory too (never adds a push refspec).")
@click.option("--shared-hooks", is_flag=True, help="Install the hooks into a core.hooksPath outside this repository "
              "(other repositories use it too).")
def init(no_hooks: bool, fetch_refspec: str | None, shared_hooks: bool) -> None:
    """Enable gitmem here, create the roadmap memory and install hooks (safe to run twice).

    \b
    Where the hooks cannot go (another hook manager owns them, or core.hooksPath is
    shared with other repositories), init stops before writing anything and says why.

    \b
    Example:
      cd my-project && git codex init
    """
    result = initialise.init(workspace(follow=False), install_hooks=not no_hooks,
                         shared_hooks=shared_hooks, fetch_refspec=fetch_refspec)
    for line in result.actions:
        note(line)
    verb = "created" if result.created else "already present"
    emit(f"memory for {result.default_branch}: {verb} ({result.ref})")
