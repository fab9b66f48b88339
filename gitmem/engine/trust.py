"""Which fetched tips were already checked (``store.shape``), and what each refused one was
refused for: a local hint kept in ``.git/codex/<clone>/trusted.json`` so an unchanged tip is
not read again, and a refused one is named once and then left out quietly."""

from __future__ import annotations

import os

from gitmem.git.repo import Repo
from gitmem.store import local


def _trusted_path(repo: Repo) -> str:
    return os.path.join(local.clone_dir(repo), "trusted.json")


def last_good(repo: Repo, ref: str) -> str | None:
    """The last commit of ``ref`` that was checked and found good (a local hint; a miss checks again)."""
    found = (local.read_json(_trusted_path(repo)) or {}).get(ref)
    return found if isinstance(found, str) else None


def trusted(repo: Repo, ref: str, commit: str) -> bool:
    return last_good(repo, ref) == commit


def refusal(repo: Repo, ref: str, commit: str) -> list[str] | None:
    """The problems ``commit`` of ``ref`` was refused for, if it was checked and refused."""
    found = ((local.read_json(_trusted_path(repo)) or {}).get("refused") or {}).get(ref)
    if isinstance(found, dict) and found.get("commit") == commit and isinstance(found.get("problems"), list):
        return [str(p) for p in found["problems"]]
    return None


def remember(repo: Repo, ref: str, commit: str, problems: list[str] | None = None) -> None:
    """Record that ``commit`` of ``ref`` was checked: good, or refused for ``problems``."""
    seen = local.read_json(_trusted_path(repo)) or {}
    refused: dict[str, object] = seen["refused"] if isinstance(seen.get("refused"), dict) else {}
    if problems:
        refused[ref] = {"commit": commit, "problems": problems[:20]}
    else:
        seen[ref] = commit
        refused.pop(ref, None)
    seen["refused"] = refused
    local.write_json(_trusted_path(repo), seen)
