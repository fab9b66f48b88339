#!/usr/bin/env python3
"""Codex CLI ``notify`` program: log each finished turn in gitmem and mirror its plan.

Codex runs the ``notify`` command from ``~/.codex/config.toml`` after every agent turn,
with one JSON argument: ``{"type": "agent-turn-complete", "thread-id", "turn-id", "cwd",
"input-messages": [...], "last-assistant-message": "..."}``. This script

1. runs ``git codex session log`` in that ``cwd`` with the prompt and the answer, and
2. finds the thread's rollout under ``$CODEX_HOME/sessions`` (in the day folders the
   thread id's own time names, so other conversations' files are never read or listed)
   and pipes its newest ``update_plan`` that Codex accepted to ``git codex plan sync``,
   which applies only the steps that changed since its last sync.

It never fails the turn: every problem is ignored (Codex ignores notify's exit status).
Install: ``notify = ["python3", "/path/to/contrib/codex/notify.py"]`` in config.toml.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path


def _git_codex(cwd: str, *args: str, stdin: str | None = None) -> None:
    env = {**os.environ, "GITMEM_AGENT": os.environ.get("GITMEM_AGENT", "codex")}
    subprocess.run(["git", "codex", *args], cwd=cwd, input=stdin, text=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30, check=False)


def _rollout(home: Path, thread: str) -> Path | None:
    """The thread's rollout: a UUIDv7 thread id starts with its creation time in milliseconds,
    which names the day folder (local time; the days either side cover a time zone change)."""
    name = f"rollout-*{thread}.jsonl"
    try:
        created = datetime.datetime.fromtimestamp(int(thread.replace("-", "")[:12], 16) / 1000)
    except (ValueError, OverflowError, OSError):
        created = None
    for delta in (0, -1, 1) if created else ():
        day = created + datetime.timedelta(days=delta)
        found = sorted((home / f"{day:%Y}" / f"{day:%m}" / f"{day:%d}").glob(name))
        if found:
            return found[-1]
    return None


def _last_plan(thread: str) -> str | None:
    home = Path(os.environ.get("CODEX_HOME") or Path.home() / ".codex") / "sessions"
    rollout = _rollout(home, thread) if thread else None
    calls: dict[str, str] = {}
    plan = None
    for line in rollout.read_text(encoding="utf-8", errors="replace").splitlines() if rollout else []:
        if '"update_plan"' not in line and '"function_call_output"' not in line:
            continue
        try:
            payload = json.loads(line).get("payload") or {}
        except ValueError:
            continue
        if payload.get("type") == "function_call" and payload.get("name") == "update_plan":
            calls[str(payload.get("call_id"))] = payload.get("arguments")
        elif payload.get("type") == "function_call_output" and str(payload.get("call_id")) in calls:
            arguments = calls.pop(str(payload.get("call_id")))
            if str(payload.get("output")).startswith("Plan updated"):  # Codex took it; else it refused
                plan = arguments
    return plan if isinstance(plan, str) else None


def main(argv: list[str]) -> int:
    try:
        event = json.loads(argv[1]) if len(argv) > 1 else {}
    except ValueError:
        return 0
    if event.get("type") != "agent-turn-complete":
        return 0
    cwd = event.get("cwd") or os.getcwd()
    prompts = [m for m in event.get("input-messages") or [] if isinstance(m, str)]
    summary = (prompts[-1] if prompts else "(turn)")[:1500]
    answer = event.get("last-assistant-message")
    if isinstance(answer, str) and answer.strip():
        summary += "\n→ " + answer.strip()[:1500]
    try:
        _git_codex(cwd, "session", "log", summary)
        plan = _last_plan(str(event.get("thread-id") or ""))
        if plan:
            _git_codex(cwd, "plan", "sync", "--format", "codex", stdin=plan)
    except (OSError, subprocess.SubprocessError):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
