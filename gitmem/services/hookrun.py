"""What ``git codex hook NAME`` does when a shim calls it: follow the repository, quietly."""

from __future__ import annotations

import time

from gitmem.services import drift, rewrite
from gitmem.services.workspace import Workspace
from gitmem.store import events


def run(path: str, name: str, args: list[str], stdin: str) -> str | None:
    """Handle one hook event; returns the one line to print, if any. Errors propagate."""
    started = time.perf_counter()
    ws = Workspace.open(path)
    if not ws.enabled or not ws.initialised:
        return None
    done: list[str] = []
    if name == "post-rewrite" and args:
        state = rewrite.capture_state(ws.repo.git_dir)
        done.extend(rewrite.apply(ws, args[0], rewrite.parse_pairs(stdin), state))
    found = drift.check(ws)
    done.extend(found.actions)
    events.record(ws.repo, "hook", hook=name, ms=round((time.perf_counter() - started) * 1000, 1), actions=done)
    if found.warning:
        return f"gitmem: {found.warning}"
    return "gitmem: " + "; ".join(done) if done else None
