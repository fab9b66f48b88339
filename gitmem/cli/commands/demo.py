"""``git codex demo``: a guided tour in a throwaway repository."""

from __future__ import annotations

import click

from gitmem.cli.common import CONTEXT
from gitmem.cli.output import emit
from gitmem.services import demo as svc


@click.command(context_settings=CONTEXT)
@click.option("--keep", is_flag=True, help="Keep the demo repository and print its path.")
def demo(keep: bool) -> None:
    """Walk through gitmem in a new temporary repository (yours is never touched).

    \b
    Example:
      git codex demo --keep
    """
    with svc.sandbox(keep=keep) as path:
        emit(f"A tour of gitmem in a throwaway repository: {path}\n"
             "Every command below really runs there; this is what you would see.")
        for shown in svc.play(path, svc.tour()):
            say = f"\n# {shown.step.say}" if shown.step.say else ""
            emit(f"{say}\n$ {shown.command}\n{shown.output}".rstrip("\n"))
        if keep:
            emit(f"\nKept the demo repository: {path}\nTry more there (cd {path}); delete it when done.")
        else:
            emit("\nDone; the demo repository was removed (use --keep to explore it).")
