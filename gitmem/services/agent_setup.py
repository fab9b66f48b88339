"""``git codex setup claude [--check] [--remove]``: connect Claude Code to this memory.

Writes what Claude Code needs and nothing else, so that it can be updated and taken out
exactly: in Claude's user settings (``~/.claude/settings.json``; ``CLAUDE_CONFIG_DIR``
moves it), a ``SessionStart`` hook that answers the brief and a ``PostToolUse`` hook on the
plan tools that mirrors the task list, both running ``git codex agent-hook claude`` with
the Python that installed gitmem (so neither PATH nor the work tree decides what runs);
the user-scope MCP server ``gitmem`` in ``~/.claude.json``; in the repository's
``CLAUDE.md``, a short block between markers. gitmem's entries are
known by their command; the user's own hooks and settings are kept as they are.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitmem.core.errors import GitmemError
from gitmem.engine.workspace import Workspace
from gitmem.services.agent_hook import PLAN_TOOLS
from gitmem.services.hook_install import python_flags

MARK = "-m gitmem agent-hook"
BLOCK_START = "<!-- gitmem: start (written by 'git codex setup claude'; --remove takes it out) -->"
BLOCK_END = "<!-- gitmem: end -->"
BLOCK = """This repository keeps its tasks and session notes in gitmem (`git codex`). The brief at
session start lists them; plan with your task tools (they are mirrored into gitmem) and run
`git codex tasks complete ID` when a task is done."""


@dataclass
class SetupReport:
    done: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def claude_settings_path() -> Path:
    return Path(os.environ.get("CLAUDE_CONFIG_DIR") or Path.home() / ".claude") / "settings.json"


def claude_state_path() -> Path:
    """Where Claude Code keeps user-scope MCP servers (``claude mcp add -s user`` writes there)."""
    configured = os.environ.get("CLAUDE_CONFIG_DIR")
    return Path(configured) / ".claude.json" if configured else Path.home() / ".claude.json"


def mcp_entry(agent: str) -> dict[str, Any]:
    return {"type": "stdio", "command": sys.executable, "args": [*python_flags().split(), "-m", "gitmem", "mcp",
                                                                 "--agent", agent]}


def _is_mcp_ours(entry: Any) -> bool:
    args = entry.get("args") if isinstance(entry, dict) else None
    return isinstance(args, list) and args[-3:-1] == ["mcp", "--agent"] and "gitmem" in args


def _with_mcp(state: dict[str, Any], remove: bool, path: Path) -> dict[str, Any]:
    servers = state.get("mcpServers", {})
    if not isinstance(servers, dict):
        raise GitmemError(f"{path}: mcpServers must be a JSON object; nothing was written")
    servers = dict(servers)
    if "gitmem" in servers and not _is_mcp_ours(servers["gitmem"]):
        raise GitmemError(f"{path}: an MCP server named gitmem is there already and gitmem did not write it; "
                          "nothing was written", hint="remove or rename it (claude mcp remove gitmem -s user), "
                          "then run setup again")
    if remove:
        servers.pop("gitmem", None)
    else:
        servers["gitmem"] = mcp_entry("claude")
    return {**state, "mcpServers": servers} if servers else {k: v for k, v in state.items() if k != "mcpServers"}


def hook_command(agent: str) -> str:
    return f"{shlex.quote(sys.executable)} {python_flags()} {MARK} {agent}"


def _wanted() -> dict[str, list[dict[str, Any]]]:
    entry = {"type": "command", "command": hook_command("claude")}
    return {"SessionStart": [{"hooks": [entry]}],
            "PostToolUse": [{"matcher": "|".join(PLAN_TOOLS["claude"]), "hooks": [entry]}]}


def _ours(group: Any) -> bool:
    hooks = group.get("hooks") if isinstance(group, dict) else None
    if not isinstance(hooks, list) or not hooks:
        return False
    return all(isinstance(h, dict) and MARK in str(h.get("command", "")) for h in hooks)


def _load(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise GitmemError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        settings = json.loads(text) if text.strip() else {}
    except ValueError as exc:
        raise GitmemError(f"{path} is not JSON ({exc}); nothing was written",
                          hint="fix the file (Claude Code will not read it either), then run setup again") from exc
    if not isinstance(settings, dict) or not isinstance(settings.get("hooks", {}), dict):
        raise GitmemError(f"{path}: settings (and their 'hooks') must be JSON objects; nothing was written")
    return settings


def _hooks_with(settings: dict[str, Any], remove: bool, path: Path) -> dict[str, Any]:
    hooks = dict(settings.get("hooks", {}))
    for event, groups in _wanted().items():
        existing = hooks.get(event, [])
        if not isinstance(existing, list):
            raise GitmemError(f"{path}: hooks.{event} must be a list; nothing was written")
        kept = [g for g in existing if not _ours(g)] + ([] if remove else groups)
        if kept:
            hooks[event] = kept
        else:
            hooks.pop(event, None)
    return hooks


def _write_json(path: Path, value: dict[str, Any]) -> None:
    """``value`` as ``path``; an empty object leaves no file (setup made it, --remove takes it)."""
    if value:
        _write(path, json.dumps(value, indent=2) + "\n")
    else:
        path.unlink(missing_ok=True)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".gitmem-tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _with_block(text: str, remove: bool) -> str:
    start, end = text.find(BLOCK_START), text.find(BLOCK_END)
    if start != -1 and end > start:
        text = (text[:start].rstrip("\n") + "\n" + text[end + len(BLOCK_END):].lstrip("\n")).strip("\n")
        text = text + "\n" if text else ""
    if remove:
        return text
    return (text.rstrip("\n") + "\n\n" if text.strip() else "") + f"{BLOCK_START}\n{BLOCK}\n{BLOCK_END}\n"


def claude(ws: Workspace, *, remove: bool = False, check: bool = False) -> SetupReport:
    """Set up (or ``remove``, or only ``check``) Claude Code's connection to this memory."""
    report = SetupReport()
    path = claude_settings_path()
    settings = _load(path)
    hooks = _hooks_with(settings, remove, path)
    updated = {**settings, "hooks": hooks} if hooks else {k: v for k, v in settings.items() if k != "hooks"}
    state_path = claude_state_path()
    state = _load(state_path)
    new_state = _with_mcp(state, remove, state_path)
    notes = Path(ws.repo.workdir or ".") / "CLAUDE.md"
    current = notes.read_text(encoding="utf-8") if notes.is_file() else ""
    wanted_notes = _with_block(current, remove)
    if check:
        if updated != settings:
            report.problems.append(f"{path}: gitmem's hooks are missing or stale")
        if new_state != state:
            report.problems.append(f"{state_path}: gitmem's MCP server is missing or stale")
        if wanted_notes != current:
            report.problems.append(f"{notes}: the gitmem block is missing or stale")
        return report
    if updated != settings:
        _write_json(path, updated)
        report.done.append(f"{path}: hooks {'removed' if remove else 'set'} (SessionStart: the brief; "
                           f"PostToolUse on {'|'.join(PLAN_TOOLS['claude'])}: the plan mirrored)")
    if new_state != state:
        _write_json(state_path, new_state)
        report.done.append(f"{state_path}: MCP server gitmem {'removed' if remove else 'set'} (user scope)")
    if wanted_notes != current and ws.repo.workdir:
        if wanted_notes:
            _write(notes, wanted_notes)
        else:
            notes.unlink()
        report.done.append(f"{notes}: gitmem block {'removed' if remove else 'written'}")
    return report
