"""Memory ref names: a branch name flattened into one ref component."""

from __future__ import annotations

from gitmem.core.constants import MEMORY_PREFIX, REMOTE_PREFIX


def encode_branch(branch: str) -> str:
    """``feature/login`` -> ``feature%2Flogin`` (``%`` first, so encoding is reversible)."""
    return branch.replace("%", "%25").replace("/", "%2F")


def decode_branch(component: str) -> str:
    return component.replace("%2F", "/").replace("%25", "%")


def memory_ref(branch: str) -> str:
    return MEMORY_PREFIX + encode_branch(branch)


def remote_memory_ref(remote: str, branch: str) -> str:
    """Memory of ``branch`` as last fetched from ``remote`` (outside refs/codex/)."""
    return f"{REMOTE_PREFIX}{remote}/branches/{encode_branch(branch)}"


def branch_of(ref: str) -> str | None:
    if not ref.startswith(MEMORY_PREFIX):
        return None
    return decode_branch(ref[len(MEMORY_PREFIX) :])
