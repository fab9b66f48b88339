"""Codex CLI's own configuration, as ``git codex setup codex`` edits it.

``$CODEX_HOME/config.toml`` (``~/.codex``) is edited with tomlkit, so the user's comments and
order stay: the MCP server ``[mcp_servers.gitmem]`` (``required = true``: Codex waits for it
before the first model request), ``[tools.update_plan] enabled = true`` (Codex offers its plan
tool only then) and, once the hooks are written, ``[hooks.state."<key>"] trusted_hash`` for
gitmem's own hooks: Codex runs a user hook only after its hash is trusted, and the hash is
what Codex itself reports (``codex app-server``, ``hooks/list``), never computed here. Every
value gitmem adds carries the comment ``OWN``, so ``--remove`` takes out exactly those.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path
from typing import Any

from gitmem.core.errors import GitmemError

OWN = "gitmem: written by 'git codex setup codex'"
APP_SERVER_TIMEOUT = 30.0


def home() -> Path:
    """``$CODEX_HOME`` (``~/.codex``), absolute as Codex reports the paths under it."""
    return Path(os.path.abspath(os.environ.get("CODEX_HOME") or Path.home() / ".codex"))


def _parse(text: str, path: Path) -> Any:
    import tomlkit

    try:
        return tomlkit.parse(text)
    except Exception as exc:  # tomlkit's errors share no base class worth naming
        raise GitmemError(f"{path} is not TOML ({exc}); nothing was written",
                          hint="fix the file (Codex will not read it either), then run setup again") from exc


def _table(parent: Any, key: str, path: Path) -> Any:
    import tomlkit

    if key not in parent:
        parent[key] = tomlkit.table(is_super_table=True)
    found = parent[key]
    if not isinstance(found, dict):
        raise GitmemError(f"{path}: '{key}' must be a table; nothing was written")
    return found


def _ours(table: Any, key: str) -> bool:
    try:
        return OWN in table.item(key).trivia.comment
    except (AttributeError, KeyError):
        return False


def _prune(doc: Any, *keys: str) -> None:
    """Drop the tables along ``keys`` that are left empty, deepest first."""
    for depth in range(len(keys), 0, -1):
        parent, node = None, doc
        for key in keys[:depth]:
            parent, node = node, node.get(key) if isinstance(node, dict) else None
        if parent is not None and isinstance(node, dict) and not node:
            del parent[keys[depth - 1]]


def is_our_server(entry: Any) -> bool:
    args = entry.get("args") if isinstance(entry, dict) else None
    return isinstance(args, list) and list(args[-3:-1]) == ["mcp", "--agent"] and "gitmem" in args


def with_config(text: str, path: Path, *, server: dict[str, Any], remove: bool) -> str:
    """``config.toml``'s text with gitmem's entries set (or taken out)."""
    import tomlkit

    doc = _parse(text, path)
    servers = _table(doc, "mcp_servers", path)
    if "gitmem" in servers and not is_our_server(servers["gitmem"]):
        raise GitmemError(f"{path}: an MCP server named gitmem is there already and gitmem did not write it; "
                          "nothing was written", hint="remove or rename [mcp_servers.gitmem], then run setup again")
    tools = _table(doc, "tools", path)
    plan_tool = _table(tools, "update_plan", path)
    if remove:
        servers.pop("gitmem", None)
        if _ours(plan_tool, "enabled"):
            del plan_tool["enabled"]
        state = doc.get("hooks", {}).get("state", {})
        for key in [k for k in state if isinstance(state[k], dict) and _ours(state[k], "trusted_hash")]:
            del state[key]
    else:
        entry = tomlkit.table()
        entry.update({**server, "required": True})
        if servers.get("gitmem") != entry:
            servers["gitmem"] = entry
        if plan_tool.get("enabled") is not True:
            plan_tool["enabled"] = tomlkit.item(True).comment(OWN)
    _prune(doc, "mcp_servers")
    _prune(doc, "tools", "update_plan")
    _prune(doc, "hooks", "state")
    return _text(doc)


def _text(doc: Any) -> str:
    """The document's text, with no blank lines left at its end by a table taken out."""
    import tomlkit

    out = tomlkit.dumps(doc)
    return out.rstrip("\n") + "\n" if out.strip() else ""


def with_trust(text: str, path: Path, hashes: dict[str, str]) -> str:
    """``config.toml``'s text with ``hashes`` (hook key -> Codex's hash of it) trusted."""
    import tomlkit

    doc = _parse(text, path)
    state = _table(_table(doc, "hooks", path), "state", path)
    for key, value in sorted(hashes.items()):
        entry = tomlkit.table()
        entry.add("trusted_hash", tomlkit.item(value).comment(OWN))
        state[key] = entry
    return _text(doc)


def listed_hooks(binary: str, cwd: Path) -> list[dict[str, Any]]:
    """The hooks Codex sees for ``cwd``, as its app server lists them (key, command, hash, trust)."""
    requests = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
                 "params": {"clientInfo": {"name": "gitmem", "version": "1"}}},
                {"jsonrpc": "2.0", "method": "initialized"},
                {"jsonrpc": "2.0", "id": 2, "method": "hooks/list", "params": {"cwds": [str(cwd)]}}]
    try:
        proc = subprocess.Popen([binary, "app-server"], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
    except OSError as exc:
        raise GitmemError(f"cannot run {binary} app-server: {exc.strerror or exc}") from exc
    timer = threading.Timer(APP_SERVER_TIMEOUT, proc.kill)
    timer.start()
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("".join(json.dumps(r) + "\n" for r in requests))
        proc.stdin.flush()
        for line in proc.stdout:
            try:
                answer = json.loads(line)
            except ValueError:
                continue
            if isinstance(answer, dict) and answer.get("id") == 2:
                data = (answer.get("result") or {}).get("data") or []
                return [h for entry in data for h in entry.get("hooks", []) if isinstance(h, dict)]
        raise GitmemError(f"{binary} app-server did not list its hooks (within {APP_SERVER_TIMEOUT:.0f} s)")
    finally:
        timer.cancel()
        proc.kill()
        proc.wait()
