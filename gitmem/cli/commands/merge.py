"""``git codex merge BRANCH``: fold a branch's memory into this branch's by hand."""

from __future__ import annotations

import click

from gitmem.cli.common import CONTEXT, json_option, workspace
from gitmem.cli.output import emit, emit_json
from gitmem.core.errors import InvalidInput
from gitmem.core.text import flat
from gitmem.engine import branches
from gitmem.engine.fold import merge_into
from gitmem.store.refnames import memory_ref


@click.command(context_settings=CONTEXT)
@click.argument("branch")
@json_option
def merge(branch: str, as_json: bool) -> None:
    """Merge BRANCH's memory into the current branch's (after a squash or server-side merge).

    \b
    Example:
      git switch main && git merge --squash feature && git commit -m feature
      git codex merge feature
    """
    ws = workspace()
    ws.require_snapshot()
    source = branches.memory_of(ws, branch)
    if source is None:
        commit = ws.repo.ref_target(memory_ref(branch))
        if commit is None:
            raise InvalidInput(f"branch {branch!r} has no memory", hint="see 'git for-each-ref refs/codex/branches'")
        source = branches.Source(memory_ref(branch), commit, branch)
    if source.ref == ws.ref:
        raise InvalidInput(f"{branch!r} is the current branch's own memory")
    result = merge_into(ws, ws.ref, source.commit, source.label)
    if as_json:
        emit_json("merge", {"into": result.into, "source": source.ref, "outcome": result.outcome,
                            "tasks_changed": result.tasks_changed, "commit": result.commit})
    else:
        emit(f"memory of {flat(source.label)} into {flat(ws.branch)}: {result.outcome}"
             + (f" ({result.tasks_changed} tasks changed)" if result.outcome == "merged" else ""))
