"""``git codex setup codex|claude|gemini [--check] [--remove]``: connect an agent to this memory.

Writes what the agent needs and nothing else, so that it can be updated and taken out exactly:

- its hooks, each running ``git codex agent-hook AGENT`` with the Python that installed gitmem
  (so neither PATH nor the work tree decides what runs): SessionStart answers the brief and
  opens the conversation's session, the plan tool's post-tool event mirrors the plan, and
  SessionEnd (Claude Code, Gemini CLI) ends the session. Codex: ``$CODEX_HOME/hooks.json``,
  trusted in its ``config.toml`` (services/codex_config.py); Claude Code:
  ``~/.claude/settings.json``; Gemini CLI: ``~/.gemini/settings.json``;
- the MCP server ``gitmem``: Codex's ``[mcp_servers.gitmem]`` (``required = true``), Claude's
  user scope in ``~/.claude.json``, Gemini's ``mcpServers`` in its settings;
- Codex only: ``[tools.update_plan] enabled = true``, without which Codex offers no plan tool;
- a three-line block between markers in the repository's AGENTS.md, CLAUDE.md or GEMINI.md.

gitmem's entries are known by their command (and, in TOML, by a comment); the user's own
hooks, servers and settings are kept as they are. Every file is read and every edit decided
before the first write, so a file setup cannot read stops it with nothing written. The model's
own ``git codex`` commands need no setting: the agents' shells name agent and conversation
(engine/agent_env.py), and ``git codex init`` sets ``alias.codex`` for shells that lose PATH.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitmem.core.errors import GitmemError
from gitmem.engine.workspace import Workspace
from gitmem.services import codex_config
from gitmem.services.agent_hook import AGENTS, PLAN_TOOLS, claude_home
from gitmem.services.hook_install import python_flags

TESTED = {"codex": (0, 169, 0), "claude": (2, 1, 197), "gemini": (0, 61, 0)}
"""The versions the end-to-end suite drives (tests/e2e); an older one may lack the hooks used."""
BLOCK_END = "<!-- gitmem: end -->"
BLOCK = """This repository keeps its tasks and session notes in gitmem (`git codex`). The brief at
session start lists them; plan with your plan tool (it is mirrored into gitmem) and run
`git codex tasks complete ID` when a task is done."""


@dataclass
class SetupReport:
    done: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Edit:
    """One file as it is and as setup wants it (None: no file)."""

    path: Path
    before: str | None
    after: str | None
    what: str


@dataclass(frozen=True)
class Agent:
    name: str
    """Also the agent's executable."""
    notes: str
    """The instructions file in the repository the block goes into."""
    events: dict[str, str | None]
    """Hook event -> tool matcher (None: every occurrence)."""


SPECS = {
    "codex": Agent("codex", "AGENTS.md", {"SessionStart": None, "PostToolUse": "update_plan", "Stop": None}),
    "claude": Agent("claude", "CLAUDE.md", {
        "SessionStart": None, "SessionEnd": None, "PostToolUse": "|".join(PLAN_TOOLS["claude"]), "Stop": None}),
    "gemini": Agent("gemini", "GEMINI.md", {
        "SessionStart": None, "SessionEnd": None, "AfterTool": "write_todos", "AfterAgent": None}),
}


def claude_state_path() -> Path:
    """Where Claude Code keeps user-scope MCP servers (``claude mcp add -s user`` writes there)."""
    configured = os.environ.get("CLAUDE_CONFIG_DIR")
    return Path(configured) / ".claude.json" if configured else Path.home() / ".claude.json"


def gemini_settings_path() -> Path:
    return Path(os.environ.get("GEMINI_CLI_HOME") or Path.home()) / ".gemini" / "settings.json"


def mcp_server(agent: str) -> dict[str, Any]:
    return {"command": sys.executable, "args": [*python_flags().split(), "-m", "gitmem", "mcp", "--agent", agent]}


def hook_command(agent: str) -> str:
    return f"{shlex.quote(sys.executable)} {python_flags()} -m gitmem agent-hook {agent}"


# -- JSON settings ------------------------------------------------------------------------
def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise GitmemError(f"cannot read {path}: {exc.strerror or exc}; nothing was written") from exc


def _json_edit(path: Path, what: str, change: Callable[[dict[str, Any]], dict[str, Any]]) -> Edit:
    """``path`` (a JSON object) changed by ``change``; an object left empty leaves no file."""
    before = _read(path)
    try:
        settings = json.loads(before) if before and before.strip() else {}
    except (ValueError, RecursionError) as exc:
        raise GitmemError(f"{path} is not JSON ({exc}); nothing was written",
                          hint="fix the file (the agent will not read it either), then run setup again") from exc
    if not isinstance(settings, dict):
        raise GitmemError(f"{path}: settings must be a JSON object; nothing was written")
    updated = change(settings)
    if updated == settings:
        return Edit(path, before, before, what)
    return Edit(path, before, json.dumps(updated, indent=2) + "\n" if updated else None, what)


def _ours(group: Any) -> bool:
    hooks = group.get("hooks") if isinstance(group, dict) else None
    if not isinstance(hooks, list) or not hooks:
        return False
    return all(isinstance(h, dict) and _is_our_command(h.get("command")) for h in hooks)


def _is_our_command(command: object) -> bool:
    """A command setup writes, by any gitmem install: ``PYTHON [-I|-E -P] -m gitmem agent-hook
    AGENT`` and nothing else (a command that only mentions gitmem is the user's)."""
    try:
        words = shlex.split(command) if isinstance(command, str) else []
    except ValueError:
        return False
    flags = words[1:-4]
    return (len(words) >= 5 and words[-4:-1] == ["-m", "gitmem", "agent-hook"] and words[-1] in AGENTS
            and all(f in ("-I", "-E", "-P") for f in flags))


def _member(settings: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    """A copy of the object ``settings[key]`` ({} when absent)."""
    value = settings.get(key, {})
    if not isinstance(value, dict):
        raise GitmemError(f"{path}: '{key}' must be a JSON object; nothing was written")
    return dict(value)


def _with_member(settings: dict[str, Any], key: str, value: dict[str, Any]) -> dict[str, Any]:
    """``settings`` with ``key`` set to ``value``, or without ``key`` when ``value`` is empty."""
    return {**settings, key: value} if value else {k: v for k, v in settings.items() if k != key}


def _with_hooks(spec: Agent, remove: bool, path: Path) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def change(settings: dict[str, Any]) -> dict[str, Any]:
        hooks = _member(settings, "hooks", path)
        for event, matcher in spec.events.items():
            existing = hooks.get(event, [])
            if not isinstance(existing, list):
                raise GitmemError(f"{path}: hooks.{event} must be a list; nothing was written")
            handler: dict[str, Any] = {"type": "command", "command": hook_command(spec.name)}
            if spec.name == "gemini":
                handler["name"] = f"gitmem-{event}"
            group = {**({"matcher": matcher} if matcher else {}), "hooks": [handler]}
            kept = [g for g in existing if not _ours(g)] + ([] if remove else [group])
            if kept:
                hooks[event] = kept
            else:
                hooks.pop(event, None)
        return _with_member(settings, "hooks", hooks)
    return change


def _with_mcp(agent: str, remove: bool, path: Path) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def change(settings: dict[str, Any]) -> dict[str, Any]:
        servers = _member(settings, "mcpServers", path)
        if "gitmem" in servers and not codex_config.is_our_server(servers["gitmem"]):
            raise GitmemError(f"{path}: an MCP server named gitmem is there already and gitmem did not write it; "
                              "nothing was written", hint="remove or rename it, then run setup again")
        if remove:
            servers.pop("gitmem", None)
        else:
            servers["gitmem"] = {**({"type": "stdio"} if agent == "claude" else {}), **mcp_server(agent)}
        return _with_member(settings, "mcpServers", servers)
    return change


def _both(*changes: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def change(settings: dict[str, Any]) -> dict[str, Any]:
        for each in changes:
            settings = each(settings)
        return settings
    return change


# -- the notes block ----------------------------------------------------------------------
def _block_start(agent: str) -> str:
    return f"<!-- gitmem: start (written by 'git codex setup {agent}'; --remove takes it out) -->"


def _with_block(text: str, agent: str, remove: bool) -> str:
    start = text.find("<!-- gitmem: start")
    end = text.find(BLOCK_END)
    if start != -1 and end > start:
        text = (text[:start].rstrip("\n") + "\n" + text[end + len(BLOCK_END):].lstrip("\n")).strip("\n")
        text = text + "\n" if text else ""
    if remove:
        return text
    return (text.rstrip("\n") + "\n\n" if text.strip() else "") + f"{_block_start(agent)}\n{BLOCK}\n{BLOCK_END}\n"


def _notes_edit(ws: Workspace, spec: Agent, remove: bool) -> Edit | None:
    if not ws.repo.workdir:
        return None
    path = Path(ws.repo.workdir) / spec.notes
    before = _read(path)
    return Edit(path, before, _emptied(before, _with_block(before or "", spec.name, remove)), "gitmem block")


def _emptied(before: str | None, after: str) -> str | None:
    """``after``, except that a file left with nothing of its own is removed (an empty one kept)."""
    return after if after else (before if before == "" else None)


# -- per agent ----------------------------------------------------------------------------
def _edits(ws: Workspace, spec: Agent, remove: bool) -> list[Edit]:
    if spec.name == "claude":
        settings = claude_home() / "settings.json"
        edits = [_json_edit(settings, "hooks", _with_hooks(spec, remove, settings)),
                 _json_edit(claude_state_path(), "MCP server gitmem (user scope)",
                            _with_mcp("claude", remove, claude_state_path()))]
    elif spec.name == "gemini":
        settings = gemini_settings_path()
        edits = [_json_edit(settings, "hooks and MCP server gitmem",
                            _both(_with_hooks(spec, remove, settings), _with_mcp("gemini", remove, settings)))]
    else:
        hooks = codex_config.home() / "hooks.json"
        config = codex_config.home() / "config.toml"
        before = _read(config)
        after = codex_config.with_config(before or "", config, server=mcp_server("codex"), remove=remove)
        edits = [_json_edit(hooks, "hooks", _with_hooks(spec, remove, hooks)),
                 Edit(config, before, _emptied(before, after),
                      "MCP server gitmem (required) and the update_plan tool")]
    notes = _notes_edit(ws, spec, remove)
    return edits + ([notes] if notes else [])


def _write(edit: Edit) -> None:
    if edit.after is None:
        edit.path.unlink(missing_ok=True)
        return
    edit.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = edit.path.with_name(edit.path.name + ".gitmem-tmp")
    tmp.write_text(edit.after, encoding="utf-8")
    os.replace(tmp, edit.path)


def _version(binary: str) -> tuple[int, ...] | None:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r"(\d+)\.(\d+)\.(\d+)", out)
    return tuple(int(n) for n in found.groups()) if found else None


def _agent_problems(spec: Agent) -> list[str]:
    binary = shutil.which(spec.name)
    if binary is None:
        return [f"{spec.name} is not on PATH: setup wrote its settings, but nothing here runs it"]
    found = _version(binary)
    tested = TESTED[spec.name]
    if found is not None and found < tested:
        return [f"{spec.name} {'.'.join(map(str, found))} is older than {'.'.join(map(str, tested))}, the version "
                "gitmem is tested with; its hooks may not fire"]
    return []


def _untrusted(ws: Workspace, binary: str) -> dict[str, str]:
    """gitmem's Codex hooks that Codex will not run yet: key -> the hash Codex gives them."""
    hooks_json = str(codex_config.home() / "hooks.json")
    listed = codex_config.listed_hooks(binary, Path(ws.repo.workdir or ws.repo.git_dir))
    # exactly the command setup writes, in the file it writes: a hook that merely mentions gitmem is not trusted
    return {h["key"]: h["currentHash"] for h in listed
            if h.get("command") == hook_command("codex") and h.get("sourcePath") == hooks_json
            and h.get("trustStatus") != "trusted" and isinstance(h.get("key"), str)
            and isinstance(h.get("currentHash"), str)}


def run(ws: Workspace, agent: str, *, remove: bool = False, check: bool = False) -> SetupReport:
    """Set up (or ``remove``, or only ``check``) ``agent``'s connection to this memory."""
    spec = SPECS[agent]
    report = SetupReport()
    edits = [e for e in _edits(ws, spec, remove) if e.before != e.after]
    if check:
        report.problems += [f"{e.path}: gitmem's {e.what} missing or stale" for e in edits]
        report.problems += _agent_problems(spec)
        if shutil.which("git-codex") is None and not ws.repo.config_get("alias.codex"):
            report.problems.append("the model's 'git codex' would fail: no git-codex on PATH and no alias.codex in "
                                   "this repository (run 'git codex init' here, which sets it)")
        codex = shutil.which("codex") if agent == "codex" and not edits else None
        if codex:
            report.problems += [f"Codex does not trust gitmem's hook {key} yet" for key in _untrusted(ws, codex)]
        return report
    for edit in edits:
        _write(edit)
        state = "removed" if remove else "written" if edit.what == "gitmem block" else "set"
        report.done.append(f"{edit.path}: {edit.what} {state}")
    if agent == "codex" and not remove:
        _trust(ws, report)
    return report


def _trust(ws: Workspace, report: SetupReport) -> None:
    """Record Codex's own hash of gitmem's hooks as trusted (the user asked for them by running
    setup); without codex on PATH, say how to trust them by hand."""
    binary = shutil.which("codex")
    if binary is None:
        report.problems.append("codex is not on PATH, so its hooks could not be trusted: run codex and trust "
                               "gitmem's hooks in /hooks, then 'git codex setup codex --check'")
        return
    hashes = _untrusted(ws, binary)
    if hashes:
        config = codex_config.home() / "config.toml"
        _write(Edit(config, None, codex_config.with_trust(_read(config) or "", config, hashes), "hook trust"))
        report.done.append(f"{config}: Codex's trust for gitmem's {len(hashes)} hooks set")
