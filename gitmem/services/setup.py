"""``init``: configuration, the first memory, the hooks and the seen point."""

from __future__ import annotations

from dataclasses import dataclass, field

from gitmem.services import branches, drift, hooks
from gitmem.services.workspace import Workspace


@dataclass(frozen=True, slots=True)
class InitResult:
    default_branch: str
    created: bool
    ref: str
    actions: list[str] = field(default_factory=list)


def init(ws: Workspace, *, install_hooks: bool = True) -> InitResult:
    """Enable gitmem and give the default branch a memory; running it twice is a no-op."""
    repo = ws.repo
    if repo.config_get("codex.enabled") is None:
        repo.config_set("codex.enabled", "true")
    if repo.config_get("codex.defaultBranch") is None:
        repo.config_set("codex.defaultBranch", ws.default_branch)
    if repo.config_get("log.excludeDecoration") is None:
        repo.config_set("log.excludeDecoration", "refs/codex/*")
    ws.require_enabled()
    actions = hooks.install(repo) if install_hooks and not repo.is_bare else []
    created = ws.create_memory()
    actions.extend(branches.ensure_memory(ws))
    drift.write_seen(ws)
    return InitResult(ws.default_branch, created, ws.ref, actions)
