"""Which hook events need nothing from gitmem, told before the CLI is imported.

Hook managers (pre-commit, lefthook, husky) call ``git codex hook NAME`` for every event;
gitmem's own shims make these checks in shell. Standard library and ``git.cli`` only."""

from __future__ import annotations

import os

from gitmem.git.cli import head_is_merge


def framework_args(name: str, args: list[str]) -> list[str]:
    """The pre-commit framework passes hook arguments in PRE_COMMIT_* variables instead."""
    if args:
        return args
    env = os.environ
    if name == "post-checkout" and "PRE_COMMIT_CHECKOUT_TYPE" in env:
        return [env.get("PRE_COMMIT_FROM_REF", ""), env.get("PRE_COMMIT_TO_REF", ""), env["PRE_COMMIT_CHECKOUT_TYPE"]]
    if name == "post-rewrite" and "PRE_COMMIT_REWRITE_COMMAND" in env:
        return [env["PRE_COMMIT_REWRITE_COMMAND"]]
    return args


def idle(argv: list[str]) -> bool:
    """Whether ``hook NAME ARGS...`` has nothing to do: a file checkout, or a commit that is
    not a merge (only a merge finished by hand has memory to fold)."""
    if not argv:
        return False
    name, args = argv[0], framework_args(argv[0], argv[1:])
    if name == "post-checkout":
        return len(args) >= 3 and args[2] != "1"
    if name == "post-commit":
        return not head_is_merge(".")
    return False
