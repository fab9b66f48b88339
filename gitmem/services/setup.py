"""``init``: configuration and the first memory."""

from __future__ import annotations

from dataclasses import dataclass

from gitmem.services.workspace import Workspace


@dataclass(frozen=True, slots=True)
class InitResult:
    default_branch: str
    created: bool
    ref: str


def init(ws: Workspace) -> InitResult:
    """Enable gitmem and give the default branch a memory; running it twice is a no-op."""
    repo = ws.repo
    if repo.config_get("codex.enabled") is None:
        repo.config_set("codex.enabled", "true")
    if repo.config_get("codex.defaultBranch") is None:
        repo.config_set("codex.defaultBranch", ws.default_branch)
    if repo.config_get("log.excludeDecoration") is None:
        repo.config_set("log.excludeDecoration", "refs/codex/*")
    ws.require_enabled()
    created = ws.create_memory()
    return InitResult(ws.default_branch, created, ws.ref)
