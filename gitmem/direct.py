"""The hot reads without click: ``status``, ``tasks next``, ``tasks list`` and ``context``.

Agents run these every turn, and importing click and building its command tree costs
about a tenth of the stack's floor. Only the plainest spellings are taken here: an
optional leading ``-C PATH``, the command words, then ``--json`` (and ``--all`` for
``tasks list``). Anything else (help, other options, shell completion) goes to the click
CLI, whose commands call the same bodies in ``views.py``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

SHAPES: dict[tuple[str, ...], frozenset[str]] = {
    ("status",): frozenset({"--json"}),
    ("tasks", "next"): frozenset({"--json"}),
    ("tasks", "list"): frozenset({"--json", "--all"}),
    ("context",): frozenset({"--json"}),
}


def parse(args: Sequence[str]) -> tuple[str, tuple[str, ...], frozenset[str]] | None:
    """(path, command words, flags) when ``args`` is a read this module runs, else None."""
    rest = list(args)
    path = "."
    if rest[:1] == ["-C"] and len(rest) >= 2:
        path, rest = rest[1], rest[2:]
    words = tuple(a for a in rest if not a.startswith("-"))
    flags = rest[len(words):]
    if (words not in SHAPES or tuple(rest[: len(words)]) != words or not set(flags) <= SHAPES[words]
            or "_GIT_CODEX_COMPLETE" in os.environ):
        return None
    return path, words, frozenset(flags)


def run(args: Sequence[str]) -> int | None:
    """Run ``args`` if it is one of the hot reads; None when click must take it."""
    found = parse(args)
    if found is None:
        return None
    from gitmem import views
    from gitmem.services import inputs

    path, words, flags = found
    ws = views.open_workspace(inputs.directory(path))
    as_json = "--json" in flags
    if words == ("status",):
        views.show_status(ws, as_json=as_json)
    elif words == ("tasks", "next"):
        views.show_next(ws, as_json=as_json)
    elif words == ("tasks", "list"):
        views.show_list(ws, everything="--all" in flags, as_json=as_json)
    else:
        from gitmem.services.context import DEFAULT_BUDGET

        views.show_context(ws, budget=DEFAULT_BUDGET, as_json=as_json)
    return 0
