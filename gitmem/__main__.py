"""``python -m gitmem`` and the ``git-codex`` executable: a kept answer if one is still
valid (``derived.answers``, standard library only), else the full CLI (``cli.main``)."""

from __future__ import annotations

import sys


def main_exit() -> None:
    from gitmem.derived import answers

    if answers.answer(sys.argv[1:]):
        sys.exit(0)
    from gitmem.cli.main import main

    sys.exit(main())


if __name__ == "__main__":
    main_exit()
