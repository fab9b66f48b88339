"""Commit history over pygit2 and git: revisions, ancestry, walks, merge trees."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import NamedTuple

import pygit2


class CommitInfo(NamedTuple):
    """What gitmem reads of a commit."""

    id: str
    tree: str
    parents: tuple[str, ...]
    message: str
    time: int


class TooLarge(Exception):
    """A walk met more entries or commits than its limit."""


class History:
    """The history half of ``Repo`` (a mixin: ``_raw``, ``git_dir`` and ``commit_info`` are ``Repo``'s)."""

    _raw: pygit2.Repository
    git_dir: str
    commit_info: Callable[[str], CommitInfo]

    def resolve_commit(self, rev: str) -> str | None:
        try:
            obj = self._raw.revparse_single(rev)
            return str(obj.peel(pygit2.Commit).id)
        except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
            return None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        if ancestor == descendant:
            return True
        return bool(self._raw.descendant_of(descendant, ancestor))

    def merge_base(self, a: str, b: str) -> str | None:
        try:
            base = self._raw.merge_base(a, b)
        except (pygit2.GitError, ValueError):
            return None
        return str(base) if base else None

    def commits_between(self, old: str, new: str, limit: int = 10_000) -> list[CommitInfo]:
        """Commits reachable from ``new`` but not ``old`` (``old..new``), oldest first."""
        walker = self._raw.walk(pygit2.Oid(hex=new), pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.REVERSE)
        with contextlib.suppress(KeyError, ValueError, pygit2.GitError):
            walker.hide(pygit2.Oid(hex=old))
        out = []
        for commit in walker:
            out.append(self.commit_info(str(commit.id)))
            if len(out) >= limit:
                break
        return out

    def reachable_commits(self) -> set[str]:
        """Every commit reachable from any ref or any worktree's HEAD (``git rev-list --all``)."""
        from gitmem.git.cli import run_git

        out = run_git(self.git_dir, ["--git-dir", self.git_dir, "rev-list", "--all"])
        return set(out.decode("ascii", "replace").split())

    def count_commits(self, tips: list[str]) -> int:
        """How many commits ``tips`` reach together (0 when git cannot say)."""
        from gitmem.git.cli import run_git

        if not tips:
            return 0
        out = run_git(self.git_dir, ["--git-dir", self.git_dir, "rev-list", "--count", *tips], check=False)
        text = out.decode("ascii", "replace").strip()
        return int(text) if text.isdigit() else 0

    def merged_tree(self, ours: str, theirs: str) -> str | None:
        """The tree a merge of two commits would make, or None when it conflicts (``git merge-tree``)."""
        from gitmem.git.cli import run_git_result

        done = run_git_result(self.git_dir, ["--git-dir", self.git_dir, "merge-tree", "--write-tree", ours, theirs])
        tree = done.stdout.decode("ascii", "replace").split("\n", 1)[0].strip()
        return tree if done.returncode == 0 and tree else None

    def newest_first(self, tip: str, limit: int) -> list[CommitInfo]:
        """Up to ``limit`` commits reachable from ``tip``, newest first (children before parents)."""
        walker = self._raw.walk(pygit2.Oid(hex=tip), pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.TIME)
        return [self.commit_info(str(c.id)) for c, _ in zip(walker, range(limit), strict=False)]

    def history_shape(self, old: str | None, new: str, limit: int) -> int:
        """The most parents of any commit in ``old..new``; raises TooLarge past ``limit`` commits."""
        walker = self._raw.walk(pygit2.Oid(hex=new), pygit2.enums.SortMode.NONE)
        if old is not None:
            with contextlib.suppress(KeyError, ValueError, pygit2.GitError):
                walker.hide(pygit2.Oid(hex=old))
        most = 0
        for count, commit in enumerate(walker, 1):
            if count > limit:
                raise TooLarge(f"more than {limit} new commits")
            most = max(most, len(commit.parent_ids))
        return most
