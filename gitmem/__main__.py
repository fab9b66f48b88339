"""``python -m gitmem`` and the ``git-codex`` executable: a kept answer if one is still
valid (``derived.answers``, standard library only), a hook event with nothing to do
(``services.hook_gate``), the MCP server (``mcp.server``: its first answers must not wait
for the CLI), else the full CLI (``cli.main``)."""

from __future__ import annotations

import sys


def main_exit() -> None:
    from gitmem.derived import answers

    if answers.answer(sys.argv[1:]):
        sys.exit(0)
    if sys.argv[1:2] == ["hook"]:
        from gitmem.services import hook_gate

        if hook_gate.idle(sys.argv[2:]):
            sys.exit(0)
    agent = mcp_agent(sys.argv[1:])
    if agent is not None:
        from gitmem.mcp import server

        server.serve(".", agent)
        sys.exit(0)
    from gitmem.cli.main import main

    sys.exit(main())


def mcp_agent(argv: list[str]) -> str | None:
    """The agent of a plain ``mcp [--agent NAME]`` command line, None for any other (click's)."""
    import os

    if argv[:1] != ["mcp"] or len(argv) not in (1, 3) or (len(argv) == 3 and argv[1] != "--agent"):
        return None
    return argv[2] if len(argv) == 3 else os.environ.get("GITMEM_AGENT") or "mcp"


if __name__ == "__main__":
    main_exit()
