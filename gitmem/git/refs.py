"""Refs over pygit2: HEAD, ref targets, compare-and-swap moves and creation, reflogs."""

from __future__ import annotations

from typing import Any

import pygit2


class RefMoved(Exception):
    """A compare-and-swap ref update lost: the ref no longer has the expected value."""


class RefLocked(Exception):
    """Another writer holds the ref's lock file."""


class Refs:
    """The ref half of ``Repo`` (a mixin: ``_raw`` and ``git_dir`` are ``Repo``'s)."""

    _raw: pygit2.Repository
    git_dir: str

    @property
    def head_is_unborn(self) -> bool:
        return bool(self._raw.head_is_unborn)

    def head_branch(self) -> str | None:
        """The checked-out branch's short name, or ``None`` when HEAD is detached."""
        try:
            target = self._raw.references["HEAD"].target
        except (KeyError, pygit2.GitError):
            return None
        if isinstance(target, str) and target.startswith("refs/heads/"):
            return target[len("refs/heads/") :]
        return None

    def head_commit(self) -> str | None:
        if self._raw.head_is_unborn:
            return None
        try:
            return str(self._raw.head.target)
        except pygit2.GitError:
            return None

    def _reflog(self, ref: str) -> list[Any]:
        """``ref``'s reflog entries, newest first; none when it has no (readable) reflog."""
        try:
            reference = self._raw.references.get(ref)
            return list(reference.log()) if reference is not None else []
        except (pygit2.GitError, KeyError, ValueError, OSError):
            return []

    def reflog(self, ref: str) -> list[tuple[str, str]]:
        """(message, new id) of each entry of ``ref``'s reflog, newest first."""
        return [(str(e.message or ""), str(e.oid_new)) for e in self._reflog(ref)]

    def reflog_start(self, ref: str) -> tuple[str, str, int] | None:
        """(message, new id, time) of the oldest entry of ``ref``'s reflog: when it was made."""
        entries = self._reflog(ref)
        if not entries:
            return None
        first = entries[-1]
        return str(first.message or ""), str(first.oid_new), int(first.committer.time)

    def branches(self) -> dict[str, str]:
        """Local branch short names -> tip commit."""
        prefix = "refs/heads/"
        return {name[len(prefix) :]: oid for name, oid in self.refs_under(prefix).items()}

    def delete_ref(self, name: str, old: str) -> None:
        """Delete ``name`` only if it still points at ``old``."""
        ref = self._raw.references.get(name)
        if ref is None or str(ref.target) != old:
            raise RefMoved(name)
        ref.delete()

    def ref_target(self, name: str) -> str | None:
        try:
            ref = self._raw.references.get(name)
        except (pygit2.GitError, pygit2.InvalidSpecError, ValueError):
            return None
        if ref is None:
            return None
        target = ref.target
        return None if isinstance(target, str) else str(target)

    def refs_under(self, prefix: str) -> dict[str, str]:
        out = {}
        for name in self._raw.references:
            if name.startswith(prefix):
                target = self.ref_target(name)
                if target:
                    out[name] = target
        return out

    def cas_ref(self, name: str, new: str, old: str | None, message: str) -> None:
        """Move ``name`` from ``old`` to ``new`` (create it when ``old`` is None), atomically."""
        oid = pygit2.Oid(hex=new)
        if old is None:
            self._create_ref(name, new, message)
            return
        try:
            ref = self._raw.references.get(name)
            if ref is None or str(ref.target) != old:
                raise RefMoved(name)
            ref.set_target(oid, message)
        except pygit2.AlreadyExistsError as exc:
            raise RefMoved(name) from exc
        except (pygit2.GitError, OSError) as exc:
            # libgit2 reports a held lock file as OSError, a lost race as GitError.
            text = str(exc)
            if "lock" in text:
                raise RefLocked(name) from exc
            if "does not match" in text or "exists" in text or "modified" in text:
                raise RefMoved(name) from exc
            raise

    def _create_ref(self, name: str, new: str, message: str) -> None:
        """Create ``name`` only if absent. libgit2 checks existence before taking the lock,
        so two creators can both succeed; ``git update-ref NAME NEW ""`` checks under it."""
        from gitmem.git.cli import GitCommandError, run_git

        try:
            run_git(self.git_dir, ["--git-dir", self.git_dir, "update-ref", "--create-reflog", "-m", message, name, new, ""])
        except GitCommandError as exc:
            if "reference already exists" in exc.message:
                raise RefMoved(name) from exc
            if "lock" in exc.message:
                raise RefLocked(name) from exc
            raise
