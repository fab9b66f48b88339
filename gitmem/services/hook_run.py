"""What ``git codex hook NAME`` does when a shim calls it: follow the repository, quietly."""

from __future__ import annotations

import time

from gitmem.engine import branches, drift, rewrite
from gitmem.engine.workspace import Workspace
from gitmem.services import hook_install
from gitmem.services.hook_gate import framework_args
from gitmem.store import events


def run(path: str, name: str, args: list[str], stdin: str) -> str | None:
    """Handle one hook event; returns the one line to print, if any. Errors propagate."""
    started = time.perf_counter()
    args = framework_args(name, args)
    ws = Workspace.open(path)
    if hook_install.refresh(ws.repo, name):
        events.record(ws.repo, "hook-refreshed", hook=name)
    if not ws.enabled or not ws.initialised:
        return None
    done: list[str] = []
    if name == "post-rewrite" and args:
        state = rewrite.capture_state(ws.repo.git_dir)
        pairs = rewrite.parse_pairs(stdin) or rewrite.recorded_pairs(ws, args[0])
        done.extend(rewrite.apply(ws, args[0], pairs, state))
    if name == "post-checkout" and args[2:3] == ["1"] and not ws.detached:
        done.extend(branches.ensure_memory(ws))  # a branch recreated at the same commit is no drift
    found = drift.check(ws)
    done.extend(found.actions)
    events.record(ws.repo, "hook", hook=name, ms=round((time.perf_counter() - started) * 1000, 1), actions=done)
    if found.warning:
        return f"gitmem: {found.warning}"
    return "gitmem: " + "; ".join(done) if done else None
