"""The ``git-codex`` executable: a kept answer if one is still valid, else the full CLI."""

from __future__ import annotations

import sys


def main_exit() -> None:
    from gitmem import fastpath

    if fastpath.answer(sys.argv[1:]):
        sys.exit(0)
    from gitmem.main import main

    sys.exit(main())
