"""The per-turn commands without click: the command line read by the table, the body run.

Agents run a few commands every turn (``status``, ``tasks next``, ``context``, ``tasks
add``, ``tasks start``, ``session log``, ``plan sync``), and importing click and building
its command tree costs about a seventh of the stack's floor. Each of these commands names a
click-free body (``views.py`` for reads, ``actions.py`` for writes) that its click command
calls too; ``grammar.py``, generated from the click commands, holds their parameters. When
``commandline.parse`` takes a command line, the body runs here with exactly the parameters
click would have passed; otherwise click takes it (``cli.py``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import NamedTuple


class App(NamedTuple):
    """Where a command runs: the root options ``-C PATH`` and ``--branch NAME``."""

    path: str
    branch: str | None = None


def body(target: str) -> Callable[..., None]:
    """The function a command names as its body, ``module:function``."""
    module, _, name = target.partition(":")
    function: Callable[..., None] = getattr(importlib.import_module(module), name)
    return function


def run(args: Sequence[str]) -> int | None:
    """Run ``args`` if the table takes it; None when click must."""
    from gitmem import commandline

    found = commandline.parse(args)
    if found is None:
        return None
    from gitmem.grammar import COMMANDS
    from gitmem.services import inputs

    path, words, params, _ = found
    target, fixed = COMMANDS[words][:2]
    body(target)(App(inputs.directory(path)), **fixed, **params)
    return 0
