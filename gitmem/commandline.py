"""Command lines read by the generated table ``grammar.py``, exactly as click would read them.

``direct.py`` runs what this accepts without click; ``fastpath.py`` names kept answers by
it. A command line is taken only when the result is certain to equal click's parameters (a
property test checks it): an optional leading ``-C PATH``, the command words, then
arguments and options in any order, as ``--name value``, ``--name=value`` or ``-n value``.
Help, ``--``, clustered short options, a value that starts with ``-``, a bad number or
choice, a missing argument and shell completion all go to click. Standard library only,
and not even ``typing``: the kept-answer path imports this module.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from gitmem.grammar import COMMANDS, Option


def _convert(option: Option, text: str) -> str | int:
    """``text`` as click converts it for ``option``; ValueError when click would refuse it."""
    kind, _, _, _, choices, low, high = option
    if kind == "int":
        value = int(text)
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(text)
        return value
    if kind == "choice" and text not in choices:
        raise ValueError(text)
    return text


def _words(rest: list[str]) -> tuple[str, ...] | None:
    for size in (2, 1):
        if tuple(rest[:size]) in COMMANDS:
            return tuple(rest[:size])
    return None


def parse(args: Sequence[str]) -> tuple[str, tuple[str, ...], dict[str, object], frozenset[str]] | None:
    """(path, command words, click's parameters, the options given), or None: leave it to click."""
    rest = list(args)
    path = "."
    if rest[:1] == ["-C"] and len(rest) >= 2:
        path, rest = rest[1], rest[2:]
    words = _words(rest)
    if words is None or "_GIT_CODEX_COMPLETE" in os.environ:
        return None
    _, _, arguments, spellings, options = COMMANDS[words]
    params: dict[str, object] = {}
    positional: list[str] = []
    tokens = iter(rest[len(words):])
    for token in tokens:
        if not token.startswith("-") or token == "-":
            positional.append(token)
            continue
        name, equals, inline = token.partition("=") if token.startswith("--") else (token, "", "")
        dest = spellings.get(name)
        if dest is None:
            return None
        option = options[dest]
        if option[0] == "flag":
            if equals:
                return None
            params[dest] = True
            continue
        text = inline if equals else next(tokens, None)
        if text is None or (not equals and text.startswith("-")):
            return None
        try:
            value = _convert(option, text)
        except ValueError:
            return None
        params[dest] = (*params.get(dest, ()), value) if option[1] else value  # type: ignore[misc]
    if len(positional) > len(arguments):
        return None
    for index, (dest, required, default) in enumerate(arguments):
        if index < len(positional):
            params[dest] = positional[index]
        elif required:
            return None
        else:
            params[dest] = default
    given = frozenset(d for d in params if d in options)
    for dest, (_, multiple, required, default, _, _, _) in options.items():
        if dest not in params:
            if required:
                return None
            params[dest] = () if multiple else default
    return path, words, params, given
