"""``init``: configuration, the first memory, the hooks and the seen point."""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field

from gitmem.core.errors import GitmemError
from gitmem.engine import branches, drift
from gitmem.engine.workspace import Workspace
from gitmem.services import hook_install, sync
from gitmem.store.refnames import memory_ref


@dataclass(frozen=True, slots=True)
class InitResult:
    default_branch: str
    created: bool
    ref: str
    actions: list[str] = field(default_factory=list)


def codex_alias() -> str:
    """``git codex`` for shells whose PATH lacks ``git-codex``: this Python, run isolated, in
    the directory the alias was called from (git runs ``!`` aliases at the top of the tree)."""
    return (f'!f() {{ cd "${{GIT_PREFIX:-.}}" && exec {shlex.quote(sys.executable)} {hook_install.python_flags()} '
            '-m gitmem "$@"; }; f')


def adopt_remote_memory(ws: Workspace) -> list[str]:
    """A fresh clone takes the remote's memory before creating any of its own."""
    remote = sync.default_remote(ws)
    if ws.repo.ref_target(memory_ref(ws.default_branch)) or not ws.repo.config_get(f"remote.{remote}.url"):
        return []
    try:
        report = sync.fetch(ws, remote)
    except GitmemError as exc:
        return [f"could not fetch memory from {remote} ({exc.message}); starting a fresh memory"]
    return [f"adopted memory from {line}" for line in report.merged] + [f"left out: {p}" for p in report.problems]


def add_fetch_refspec(ws: Workspace, remote: str) -> list[str]:
    """Let a plain ``git fetch REMOTE`` bring memory too (fetch only: pushing stays explicit)."""
    sync.check_remote(ws, remote)
    wanted = [f"+refs/codex/branches/*:refs/codex-remotes/{remote}/branches/*",
              f"+refs/codex/claim*:refs/codex-remotes/{remote}/claim*",
              f"+refs/notes/codex*:refs/notes/codex-remotes/{remote}*"]
    present = set(ws.repo.config_get_all(f"remote.{remote}.fetch"))
    added = [spec for spec in wanted if spec not in present]
    for spec in added:
        ws.repo.config_add(f"remote.{remote}.fetch", spec)
    return [f"git fetch {remote} now brings memory ({len(added)} refspecs added)"] if added else []


def init(ws: Workspace, *, install_hooks: bool = True, shared_hooks: bool = False,
         fetch_refspec: str | None = None) -> InitResult:
    """Enable gitmem and give the default branch a memory; running it twice is a no-op.

    What can refuse (the hooks' place, the remote) is checked before anything is written."""
    repo = ws.repo
    install_hooks = install_hooks and not repo.is_bare
    if install_hooks:
        hook_install.check(repo, shared=shared_hooks)
    if fetch_refspec:
        sync.check_remote(ws, fetch_refspec)
    if repo.config_get("codex.enabled") is None:
        repo.config_set("codex.enabled", "true")
    if repo.config_get("codex.defaultBranch") is None:
        repo.config_set("codex.defaultBranch", ws.default_branch)
    if repo.config_get("log.excludeDecoration") is None:
        repo.config_set("log.excludeDecoration", "refs/codex/*")
    if repo.config_get("alias.codex") is None:
        # git runs a git-codex on PATH first; this alias only answers where PATH has none
        # (an agent's login shell, say), with the gitmem that ran init.
        repo.config_set("alias.codex", codex_alias())
    ws.require_enabled()
    actions = hook_install.install(repo, shared=shared_hooks) if install_hooks else []
    if fetch_refspec:
        actions.extend(add_fetch_refspec(ws, fetch_refspec))
    actions.extend(adopt_remote_memory(ws))
    created = ws.create_memory()
    actions.extend(branches.ensure_memory(ws))
    drift.write_seen(ws)
    return InitResult(ws.default_branch, created, ws.ref, actions)
