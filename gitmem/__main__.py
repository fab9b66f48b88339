"""``python -m gitmem`` and the ``git-codex`` executable: a kept answer if one is still
valid (``derived.answers``, standard library only), a hook event with nothing to do
(``services.hook_gate``), else the full CLI (``cli.main``)."""

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
    from gitmem.cli.main import main

    sys.exit(main())


if __name__ == "__main__":
    main_exit()
